/**
 * Updates through a remote home (issue "Home-server locks"): the median latency of one update
 * (lease, commit, signed record back, stored at the requester) measured in process — a CLI process
 * start alone costs ~0.3 s — and updates/s through one home with several requesters updating many
 * documents concurrently over reused connections. Baseline in the same run: a libp2p ping round
 * trip between the same nodes.
 *
 *   npm run build && npx node dist/scripts/bench-locks.js [updates] [requesters] [docs]
 */
import { randomBytes } from 'node:crypto';
import { insertDocuments } from '../src/store/commit.js';
import { changeAtHome } from '../src/node/remote-change.js';
import { fmt, median, percentile, startNodes, waitFor } from './bench-helpers.js';
const UPDATES = Number(process.argv[2] ?? 200);
const REQUESTERS = Number(process.argv[3] ?? 4);
const DOCS = Number(process.argv[4] ?? 64);
// node 0 is the home; it replicates to every requester, which list it with an address
const net = await startNodes(1 + REQUESTERS, (i, j) => i === 0 ? { replicate: true } : (j === 0 ? {} : null));
const [home, ...requesters] = net.nodes;
try {
    for (const r of requesters)
        await waitFor(() => r.links.isConnected(home.site.peerId), 10_000, 'connections');
    const ids = Array.from({ length: DOCS }, (_, i) => `lock.d${i}`);
    await insertDocuments(home.site, ids.map(id => ({ id, metadata: randomBytes(256), data: null })));
    for (const r of requesters)
        await waitFor(async () => (await r.site.docs.get(ids[DOCS - 1])) != null, 10_000, 'documents at the requesters');
    const rtts = [];
    for (let i = 0; i < 50; i++)
        rtts.push(await requesters[0].host.services.ping.ping(home.host.peerId));
    // latency: one requester, one update at a time
    const lat = [];
    for (let i = 0; i < UPDATES; i++) {
        const t = performance.now();
        await changeAtHome(requesters[0], { id: ids[i % DOCS], metadata: randomBytes(256), waitMs: 10_000 });
        lat.push(performance.now() - t);
    }
    // every requester must hold the home's latest revisions (pushed to it) before it updates them
    const latest = await Promise.all(ids.map(async (id) => (await home.site.docs.get(id)).rev));
    for (const r of requesters) {
        await waitFor(async () => (await Promise.all(ids.map(async (id, i) => (await r.site.docs.get(id))?.rev === latest[i]))).every(Boolean), 30_000, 'the latest revisions at every requester');
    }
    // throughput: every requester updates its own share of the documents, all at once
    let done = 0;
    const t0 = performance.now();
    await Promise.all(requesters.map(async (r, k) => {
        const mine = ids.filter((_, i) => i % REQUESTERS === k);
        await Promise.all(mine.map(async (id) => {
            for (let n = 0; n < Math.ceil(UPDATES / DOCS); n++) {
                await changeAtHome(r, { id, metadata: randomBytes(256), waitMs: 10_000 });
                done++;
            }
        }));
    }));
    const secs = (performance.now() - t0) / 1000;
    console.log(`updates through a remote home on loopback (${REQUESTERS} requesters, ${DOCS} documents)`);
    console.log(`  baseline ping round trip:          median ${fmt(median(rtts))}`);
    console.log(`  one update (lease + commit + store): median ${fmt(median(lat))}  p90 ${fmt(percentile(lat, 0.9))}  (${UPDATES} sequential)`);
    console.log(`  concurrent: ${done} updates in ${secs.toFixed(2)} s = ${(done / secs).toFixed(0)} updates/s`);
}
finally {
    await net.close();
}
//# sourceMappingURL=bench-locks.js.map