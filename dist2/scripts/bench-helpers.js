/**
 * Shared pieces of the benchmarks: in-process nodes in temp homes on loopback, and statistics.
 * Benchmarks print their figure next to a baseline measured in the same run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveHome } from '../src/home/paths.js';
import { Site } from '../src/site.js';
import { QuireNode } from '../src/node/quire-node.js';
import { newPeerRow } from '../src/model/peer-row.js';
/** `n` running nodes on 127.0.0.1; `rows(i, j)` gives node i's row for node j (null: not listed). */
export async function startNodes(n, rows, interval = 300) {
    const dir = await mkdtemp(join(tmpdir(), 'quire-bench-'));
    const nodes = [];
    for (let i = 0; i < n; i++) {
        const site = await Site.init(resolveHome(join(dir, `n${i}`)), { listen: ['/ip4/127.0.0.1/tcp/0'] });
        nodes.push(await QuireNode.start(site, { interval }));
    }
    for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
            const r = i === j ? null : rows(i, j);
            if (r == null)
                continue;
            const addrs = nodes[j].addrs().map(a => a.replace(/\/p2p\/.*/, ''));
            await nodes[i].site.peers.add({ ...newPeerRow(nodes[j].site.peerId), addrs, ...r });
        }
    }
    return {
        nodes,
        close: async () => {
            for (const node of nodes) {
                await node.stop();
                await node.site.close();
            }
            await rm(dir, { recursive: true, force: true });
        }
    };
}
export async function waitFor(cond, timeoutMs, what) {
    const deadline = Date.now() + timeoutMs;
    while (!(await cond())) {
        if (Date.now() > deadline)
            throw new Error(`timed out waiting for ${what}`);
        await new Promise(resolve => setTimeout(resolve, 20));
    }
}
export function median(xs) {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
export function percentile(xs, p) {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}
export const fmt = (ms) => `${ms.toFixed(2)} ms`;
//# sourceMappingURL=bench-helpers.js.map