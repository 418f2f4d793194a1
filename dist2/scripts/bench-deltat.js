/**
 * Delta-T throughput (issue "Delta-T background sync"): a node holding N documents, a fresh
 * partner that pulls them all by delta-T (push switched off on the sender), then an idle pass.
 * Prints documents/s, and the time and application bytes of an idle pass over a live connection.
 * Baseline in the same run: a libp2p ping round trip on the same connection (the least any
 * request/response exchange costs).
 *
 *   npm run build && npx node dist/scripts/bench-deltat.js [docs] [dataBytes]
 */
import { randomBytes } from 'node:crypto';
import { insertDocuments } from '../src/store/commit.js';
import { Request, Response } from '../protocols/inventory.js';
import { fmt, median, startNodes, waitFor } from './bench-helpers.js';
const N = Number(process.argv[2] ?? 10_000);
const DATA = Number(process.argv[3] ?? 0);
const net = await startNodes(2, (i) => i === 0 ? { replicate: true, datareplicate: true } : {});
const [sender, receiver] = net.nodes;
try {
    sender.pusher.stop(); // measure the pull, not the push
    receiver.puller.pauseSchedule(); // no background pass: we start it
    if (process.env.NOFETCH != null)
        receiver.fetcher.stop();
    const t0 = performance.now();
    for (let i = 0; i < N; i += 1000) {
        const batch = [];
        for (let j = i; j < Math.min(N, i + 1000); j++) {
            const data = DATA > 0 ? await sender.site.files.putBytes(randomBytes(DATA), { syncDir: false }) : null;
            batch.push({ id: `bench.d${String(j).padStart(7, '0')}`, metadata: randomBytes(1024), data });
        }
        await sender.site.files.syncDirs();
        await insertDocuments(sender.site, batch);
    }
    console.log(`seeded ${N} documents (1 KiB metadata${DATA > 0 ? `, ${DATA} B data file each` : ''}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await waitFor(() => receiver.links.isConnected(sender.site.peerId), 10_000, 'connection');
    const rtts = [];
    for (let i = 0; i < 20; i++)
        rtts.push(await receiver.host.services.ping.ping(sender.host.peerId));
    const t1 = performance.now();
    const pass = await receiver.puller.pass(sender.site.peerId);
    const metaDone = performance.now();
    if (!pass.ok || pass.stored !== N)
        throw new Error(`pass: ${JSON.stringify(pass)}`);
    console.log(`  metadata of ${N} documents stored after ${((metaDone - t1) / 1000).toFixed(2)} s`);
    if (process.env.NOFETCH != null)
        process.exit(0);
    if (DATA > 0)
        await waitFor(async () => (await receiver.site.docs.wants()).length === 0, 600_000, 'data files');
    const t2 = performance.now();
    const secs = (t2 - t1) / 1000;
    console.log(`delta-T to a fresh partner: ${N} documents in ${secs.toFixed(2)} s = ${(N / secs).toFixed(0)} documents/s (${pass.batches} batches; metadata stored after ${((metaDone - t1) / 1000).toFixed(2)} s)`);
    const idle = [];
    for (let i = 0; i < 20; i++) {
        const t = performance.now();
        const p = await receiver.puller.pass(sender.site.peerId);
        idle.push(performance.now() - t);
        if (!p.ok || p.received !== 0)
            throw new Error('idle pass moved documents');
    }
    const state = await receiver.site.cursors.pull(sender.site.peerId);
    const req = Request.encode({ pull: { epoch: state.epoch, since: BigInt(state.seq), namespaces: [], limit: 1000, policy: BigInt(state.policy), recovering: false } });
    const res = Response.encode({ status: 0, message: '', verdicts: [], batch: { entries: [], epoch: state.epoch, upTo: BigInt(state.seq), more: false, policy: 0n } });
    console.log(`idle pass with ${N} documents held: median ${fmt(median(idle))} (baseline ping round trip ${fmt(median(rtts))}); ${req.byteLength + res.byteLength + 4} bytes of Quire messages (plus one yamux stream open/close and Noise framing)`);
}
finally {
    await net.close();
}
//# sourceMappingURL=bench-deltat.js.map