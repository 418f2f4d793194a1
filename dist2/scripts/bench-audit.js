/**
 * Audit speed (issue "Fixity audit and repair"): a store holding one 1 GiB file, and one holding
 * 10,000 small files (4 KiB), audited with a warm page cache (and cold, if this process may drop
 * caches: root, /proc/sys/vm/drop_caches). Baseline in the same run: SHA-256 of the same bytes in
 * memory, the most any audit can do.
 *
 *   npm run build && npx node dist/scripts/bench-audit.js [GiB] [smallFiles]
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { audit } from '../src/store/audit.js';
import { startNodes } from './bench-helpers.js';
const GIB = Number(process.argv[2] ?? 1);
const SMALL = Number(process.argv[3] ?? 10_000);
async function dropCaches() {
    try {
        await writeFile('/proc/sys/vm/drop_caches', '3\n');
        return true;
    }
    catch {
        return false;
    }
}
const net = await startNodes(2, () => null, 300);
const [big, small] = net.nodes;
try {
    for (const n of net.nodes) {
        n.auditor.stop().catch(() => { });
    }
    // one large file, streamed in
    const chunk = randomBytes(16 * 1024 * 1024);
    const total = GIB * 1024 * 1024 * 1024;
    async function* source() { for (let s = 0; s < total; s += chunk.byteLength)
        yield chunk; }
    await big.site.files.put(source(), { size: total });
    // many small files, one durable batch
    const batch = small.site.files.batch();
    for (let i = 0; i < SMALL; i++)
        await batch.putBytes(randomBytes(4096));
    await batch.commit();
    const t = performance.now();
    createHash('sha256').update(chunk).digest();
    const memRate = chunk.byteLength / ((performance.now() - t) / 1000) / 1e6;
    const time = async (label, site, cold) => {
        if (cold && !(await dropCaches())) {
            console.log(`  ${label} cold: not measured (cannot drop caches: not root)`);
            return;
        }
        const t0 = performance.now();
        const r = await audit(site, { dataOnly: true });
        const s = (performance.now() - t0) / 1000;
        console.log(`  ${label} ${cold ? 'cold' : 'warm'}: ${r.checked} files, ${(r.bytes / 1e6).toFixed(0)} MB in ${s.toFixed(2)} s = ${(r.bytes / s / 1e6).toFixed(0)} MB/s, ${(r.checked / s).toFixed(0)} files/s${r.corrupt.length > 0 ? ` (${r.corrupt.length} damaged!)` : ''}`);
    };
    console.log(`audit speed; baseline SHA-256 in memory: ${memRate.toFixed(0)} MB/s`);
    await time(`${GIB} GiB file`, big.site, false);
    await time(`${GIB} GiB file`, big.site, true);
    await time(`${SMALL} × 4 KiB files`, small.site, false);
    await time(`${SMALL} × 4 KiB files`, small.site, true);
}
finally {
    await net.close();
}
//# sourceMappingURL=bench-audit.js.map