/**
 * How long a document takes to reach a partner on loopback (issue "Documents, signed revisions
 * and push replication"): the median over 100 puts, metadata only and with a 1 MiB data file,
 * from the commit at the home to the revision (and, with data, the verified file) being stored at
 * the partner. Baseline in the same run: a bare libp2p request/response round trip (ping) over
 * the same connection.
 *
 *   npm run build && npx node dist/scripts/bench-push-latency.js [count]
 */
import { randomBytes } from 'node:crypto';
import { insertDocuments } from '../src/store/commit.js';
import { fmt, median, percentile, startNodes, waitFor } from './bench-helpers.js';
const COUNT = Number(process.argv[2] ?? 100);
const net = await startNodes(2, (i) => i === 0 ? { replicate: true, datareplicate: true } : {});
const [home, partner] = net.nodes;
try {
    await waitFor(() => home.links.isConnected(partner.site.peerId), 10_000, 'connection');
    const rtts = [];
    for (let i = 0; i < COUNT; i++)
        rtts.push(await home.host.services.ping.ping(partner.host.peerId));
    /** resolves when the partner's store reports `id` (with its data file local, if `withData`) */
    const arrived = (id, withData) => new Promise((resolve, reject) => {
        const timer = setTimeout(() => { off(); reject(new Error(`timed out waiting for ${id}`)); }, 10_000);
        const off = () => { partner.site.docs.off('change', onChange); clearTimeout(timer); };
        const onChange = (e) => {
            if (e.id !== id)
                return;
            if (!withData) {
                off();
                resolve();
                return;
            }
            partner.site.docs.get(id).then(async (entry) => {
                if (entry != null && await partner.site.docs.dataLocal(entry)) {
                    off();
                    resolve();
                }
            }).catch(reject);
        };
        partner.site.docs.on('change', onChange);
    });
    const measure = async (label, dataBytes) => {
        const out = [];
        for (let i = 0; i < COUNT; i++) {
            const id = `bench.${label}${i}`;
            const data = dataBytes > 0 ? await home.site.files.putBytes(randomBytes(dataBytes)) : null;
            const done = arrived(id, data != null);
            const t0 = performance.now();
            await insertDocuments(home.site, [{ id, metadata: randomBytes(512), data }]);
            await done;
            out.push(performance.now() - t0);
        }
        return out;
    };
    const meta = await measure('meta', 0);
    const withData = await measure('data', 1024 * 1024);
    console.log(`push latency on loopback, ${COUNT} puts each (commit at home → stored at partner)`);
    console.log(`  baseline: libp2p ping round trip   median ${fmt(median(rtts))}  p90 ${fmt(percentile(rtts, 0.9))}`);
    console.log(`  metadata only (512 B)              median ${fmt(median(meta))}  p90 ${fmt(percentile(meta, 0.9))}`);
    console.log(`  with a 1 MiB data file (verified)  median ${fmt(median(withData))}  p90 ${fmt(percentile(withData, 0.9))}`);
    console.log('  (times include the home\'s and the receiver\'s durable LevelDB writes and, with data, the file transfer, hash and fsync)');
}
finally {
    await net.close();
}
//# sourceMappingURL=bench-push-latency.js.map