/**
 * Delta-T (protocols/inventory.md#pull, src/node/puller.ts) on real `quire serve` processes:
 * catching up a partner that was down, kill -9 in the middle of a pull, a revision that fails to
 * store, a lost store rebuilt with `serve --recover`, `sync --full` after lost LevelDB records,
 * namespace subscriptions, and flag changes at the sender.
 *
 * Push and pull both deliver documents. Where a test must show the PULL path, the sender's row for
 * the receiver has no address (accept-only: the sender never dials it) and the documents were
 * committed while the receiver was down (or before either node ran), so no "document changed" push
 * can reach it. The one push trigger left is the receiver connecting, which today pushes nothing
 * (see the push-on-connect test at the end); were that fixed, push would race the pull there, and
 * those tests assert only what either path must leave behind, or what the pass itself reports.
 * Elsewhere the test reads the pass's own summary (`quire sync --json`), which counts only what
 * the pull received, with the receiver on a long interval so that the passes are the test's own.
 *
 * Three tests fail on product bugs found while writing this file (each says so above it): a row
 * removed and re-added at the sender keeps its old policy generation; push on connect pushes
 * nothing; an emptied db/ directory is refused by `serve --recover`. One more fails on a count
 * that `sync --full` leaves wrong after lost records.
 *
 * Addresses: 127.0.0.80 … 127.0.0.119 (other spec files use other ranges).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll, GiveUp, quire, quireOk, sleep, waitFor } from '../fixtures/cli.js';
import { addPeer, allDocs, docMap, docSeqs, makeNodes, markerEpoch, op, partnerStatus, putBatch, readPullCursor, serveNode, sub, waitConnected, waitUntil, withDb } from '../fixtures/cluster.js';
import { loopbackRange } from '../fixtures/loopback.js';
const ip = loopbackRange(80, 119);
/** The most entries one Pull batch carries (protocols/inventory.md#limits). */
const MAX_BATCH = 1000;
let tmp;
const pad = (n, w) => String(n).padStart(w, '0');
const meta = (id) => `<eml><title>${id}</title><nonce>${randomBytes(6).toString('hex')}</nonce></eml>`;
/** `quire sync --json` at a serving home; the pass summary for `partner`, and the exit code. */
async function syncAt(node, partner, extra = []) {
    const r = await quire(['sync', ...extra, '--home', node.home, '--json'], { timeoutMs: 30_000 });
    const summary = r.json?.partners?.find(p => p.peerId === partner.peerId);
    if (summary == null)
        throw new Error(`sync at ${node.name} (exit ${r.code}) has no pass against ${partner.name}: ${r.stdout} ${r.stderr}`);
    return { code: r.code, summary };
}
/** A delta-T pass now through the node's API (the `sync` operation `quire sync` calls): its summary for `partner`. */
async function passNow(node, partner, args = {}) {
    const r = await op(node, 'sync', args);
    const summary = r.partners.find(p => p.peerId === partner.peerId);
    if (summary == null)
        throw new Error(`sync at ${node.name} has no pass against ${partner.name}: ${JSON.stringify(r)}`);
    return summary;
}
/** Wait until `node` holds every id in `ids` (and, with `local`, its data file). */
async function waitHolds(node, ids, timeoutMs, opts = {}) {
    let held = new Map();
    await waitUntil(`${node.name} to hold ${ids.length} documents`, async () => {
        held = await docMap(node);
        const missing = ids.filter(id => !held.has(id) || (opts.local === true && held.get(id).data?.local !== true));
        return missing.length === 0 ? null : `${missing.length} missing or without local data, e.g. ${missing[0]}: ${JSON.stringify(held.get(missing[0]) ?? null)}`;
    }, timeoutMs, 250);
    return held;
}
/**
 * Serve `node` with a long delta-T interval, so that the only passes are ours (`quire sync`):
 * returns once the first automatic pass (FIRST_PASS_DELAY_MS = 2 s after the node starts) is
 * behind us — it either ran or found no connection — and the partner is connected.
 */
async function serveQuiet(node, partner) {
    await serveNode(node, ['--interval', '600']);
    const ready = Date.now();
    await waitConnected(node, partner);
    await sleep(Math.max(0, ready + 2_500 - Date.now()));
    // a pass that started on that timer is shared by a `sync` that comes while it runs
}
describe('delta-T: pulling partners\' changes since a cursor (real quire serve processes)', function () {
    this.timeout(60_000);
    beforeEach(async function () {
        tmp = await mkdtemp(join(tmpdir(), 'quire-deltat-'));
    });
    afterEach(async function () {
        await cleanupAll();
        await rm(tmp, { recursive: true, force: true });
    });
    it('a partner that was down while 30 documents with data were inserted catches up when it starts', async function () {
        const [src, dst] = await makeNodes(['catchup-src', 'catchup-dst'], ip);
        // PULL path: src's row for dst is accept-only and dst is down while the documents are put
        await addPeer(src, dst, ['--replicate', '--datareplicate'], true);
        await addPeer(dst, src);
        await serveNode(src, ['--interval', '1']);
        const docs = Array.from({ length: 30 }, (_, i) => ({ id: `obs.run-${pad(i, 2)}`, meta: meta(`obs.run-${pad(i, 2)}`), data: randomBytes(20 * 1024) }));
        const put = await putBatch(src.home, join(tmp, 'catchup'), docs);
        assert.equal(put.stored, 30, JSON.stringify(put));
        const dstStarted = new Date().toISOString();
        await serveNode(dst, ['--interval', '1']);
        const held = await waitHolds(dst, docs.map(d => d.id), 30_000, { local: true });
        for (const d of docs) {
            const doc = held.get(d.id);
            assert.equal(doc.rev, 1, d.id);
            assert.equal(doc.home, src.peerId, d.id);
            assert.equal(doc.deleted, false, d.id);
            assert.equal(doc.data.size, d.data.byteLength, d.id);
        }
        // the bytes that arrived are the bytes that were put (get --data-out verifies against the CID)
        for (const [i, d] of [docs[0], docs[13], docs[29]].entries()) {
            const out = join(tmp, `out-${d.id}`);
            if (i === 0) {
                const r = await quire(['get', d.id, '--data-out', out, '--home', dst.home, '--json']);
                assert.equal(r.code, 0, `get --data-out ${d.id}: ${r.stderr}`);
            }
            else {
                await op(dst, 'get', { id: d.id, dataOut: out }); // the same operation, without a process start
            }
            assert.ok((await readFile(out)).equals(d.data), `bytes of ${d.id}`);
        }
        // a complete pass is recorded: peer ls lastChecked (after dst started), status upToDate
        await waitUntil('dst to record a complete pass against src', async () => {
            const p = await partnerStatus(dst, src);
            return p.lastChecked != null && p.upToDate === true ? null : JSON.stringify(p);
        }, 10_000);
        const rows = await quireOk(['peer', 'ls', '--home', dst.home]);
        const row = rows.find(r => r.peerId === src.peerId);
        assert.ok(row?.lastChecked != null, `peer ls lastChecked: ${JSON.stringify(row)}`);
        assert.ok(row.lastChecked >= dstStarted, `lastChecked ${row.lastChecked} is before dst started (${dstStarted})`);
        const st = await quireOk(['status', '--home', dst.home]);
        const p = st.partners.find(x => x.peerId === src.peerId);
        assert.equal(p?.upToDate, true, `status partners: ${JSON.stringify(st.partners)}`);
        assert.equal(st.counts.documents, 30);
        assert.equal(st.counts.wantedFiles, 0);
    });
    /**
     * kill -9 of the receiver while it pulls 3000 metadata-only documents (3 batches of at most 1000).
     * Measured, from the killed receiver's LevelDB: which documents it holds, and its pull cursor for
     * the sender. Asserted: every document at or below the cursor is held (the cursor never passes
     * a revision not stored), and at most one batch (1000) is held beyond it — exactly what a restart
     * fetches again. After the restart: 3000 documents, each once; the receiver's counters since the
     * restart show `stored` = 3000 − held at the kill and `duplicates` = held beyond the cursor
     * (the re-fetched part of one batch), when the sender pushed nothing (its push cursor for the
     * receiver still 0: PULL path only).
     *
     * Measured on the development machine (2 CPUs, shared): the external SIGKILL, polled through the
     * API every ~5 ms, lands right after a batch (held 1000, cursor 1000, none beyond it; after the
     * restart stored 2000, duplicates 0); the crash point lands between a batch write and its cursor
     * (held 2000, cursor 1000, 1000 beyond; after the restart stored 1000, duplicates 1000 — exactly
     * one batch re-fetched). Each run prints its own numbers ("measured: …").
     */
    async function killMidPull(how) {
        const N = 3000;
        const [src, dst] = await makeNodes([`${how}-src`, `${how}-dst`], ip);
        await addPeer(src, dst, ['--replicate'], true);
        await addPeer(dst, src);
        const ids = Array.from({ length: N }, (_, i) => `bulk.doc-${pad(i, 5)}`);
        const put = await putBatch(src.home, join(tmp, 'bulk'), ids.map(id => ({ id, meta: `{"id":"${id}","n":"${randomBytes(4).toString('hex')}"}` })));
        assert.equal(put.stored, N, JSON.stringify(put.failed?.slice(0, 3)));
        const seqOf = await docSeqs(src.home); // the sender's change-log positions (it is not running yet)
        assert.equal(seqOf.size, N);
        await serveNode(src, ['--interval', '1']);
        if (how === 'sigkill') {
            await serveNode(dst, ['--interval', '1']);
            // poll the receiver's document count through its API, as fast as it answers; kill -9 it as
            // soon as it holds some but not all
            let seen = 0;
            await waitFor(async () => {
                seen = (await op(dst, 'status')).counts.documents;
                if (seen >= N)
                    throw new GiveUp(`the pull of ${N} finished before a count between 0 and ${N} was seen`);
                return seen > 0;
            }, 30_000, 'dst to hold some of the documents', 5);
            await dst.served.kill9();
        }
        else {
            // the receiver kills itself (SIGKILL) right after its 2nd batch write, before the cursor moves
            await serveNode(dst, ['--interval', '1'], { QUIRE_FAULTS: 'crash@db.batch.written:2' });
            const exit = await Promise.race([dst.served.exited, sleep(30_000).then(() => null)]);
            assert.ok(exit != null, 'the crash point was never reached');
            assert.equal(exit.signal, 'SIGKILL', `dst exit: ${JSON.stringify(exit)}`);
        }
        const heldIds = await withDb(dst.home, async (db) => {
            const out = [];
            for await (const k of sub(db, 'docs').keys())
                out.push(k);
            return out;
        });
        const cursor = await readPullCursor(dst.home, src.peerId);
        const c = cursor?.seq ?? 0;
        const held = new Set(heldIds);
        assert.ok(held.size > 0 && held.size < N, `held ${held.size} at the kill`);
        const passedUnstored = ids.filter(id => seqOf.get(id) <= c && !held.has(id));
        assert.deepEqual(passedUnstored.slice(0, 5), [], `the cursor (seq ${c}) passed ${passedUnstored.length} revisions that were not stored`);
        const beyond = heldIds.filter(id => seqOf.get(id) > c);
        // the sender also pushes on connect: what its push got through is held without moving the pull
        // cursor (push and pull keep their own cursors); only the rest must fit in one pull batch
        const pushedTo = (await partnerStatus(src, dst)).pushCursor ?? 0;
        const beyondByPull = beyond.filter(id => seqOf.get(id) > pushedTo);
        assert.ok(beyondByPull.length <= MAX_BATCH, `${beyondByPull.length} stored beyond the pull cursor (seq ${c}) and the push cursor (${pushedTo}): a restart re-fetches more than one batch`);
        if (how === 'crash-point')
            assert.ok(beyond.length > 0, `the crash after a batch write left nothing beyond the cursor (seq ${c}, held ${held.size})`);
        await serveNode(dst, ['--interval', '1']);
        await waitUntil(`dst to hold all ${N} again`, async () => {
            const n = (await op(dst, 'status')).counts.documents;
            return n === N ? null : `${n}`;
        }, 30_000);
        const list = await allDocs(dst);
        assert.equal(list.length, N, 'ls count');
        assert.equal(new Set(list.map(d => d.id)).size, N, 'no id twice');
        assert.deepEqual(list.map(d => d.id), ids, 'exactly the sender\'s documents');
        assert.ok(list.every(d => d.rev === 1 && d.home === src.peerId && !d.deleted), 'each at rev 1, homed at src');
        // a pass after the catch-up, so the counters are final
        await waitUntil('dst up to date with src', async () => {
            const p = await partnerStatus(dst, src);
            return p.upToDate === true ? null : JSON.stringify(p);
        }, 10_000);
        const counters = (await partnerStatus(dst, src)).counters;
        const pushCursor = (await partnerStatus(src, dst)).pushCursor;
        assert.equal(counters.failed, 0, JSON.stringify(counters));
        assert.equal(counters.stored, N - held.size, `stored since the restart (held ${held.size} at the kill): ${JSON.stringify(counters)}`);
        if (pushCursor === 0) {
            // nothing came by push: every duplicate is a re-fetched entry of the interrupted batch
            assert.equal(counters.duplicates, beyond.length, `duplicates since the restart (cursor ${c}, ${beyond.length} held beyond it): ${JSON.stringify(counters)}`);
        }
        else {
            assert.ok(counters.duplicates <= beyond.length + pushCursor, JSON.stringify({ counters, pushCursor, beyond: beyond.length }));
        }
        measured(`${how}: held ${held.size} at the kill, cursor ${c}, ${beyond.length} beyond it; after restart stored ${counters.stored}, duplicates ${counters.duplicates}, sender push cursor ${pushCursor}`);
    }
    it('kill -9 of the receiver mid-pull loses nothing and re-fetches at most one batch', async function () {
        await killMidPull('sigkill');
    });
    it('a crash right after a batch is written, before the cursor moves, re-fetches that batch only', async function () {
        await killMidPull('crash-point');
    });
    it('a revision that fails to store holds the cursor before it; without the fault the next pass applies it', async function () {
        const [src, dst] = await makeNodes(['fault-src', 'fault-dst'], ip);
        // PULL path: accept-only row at src, everything committed before either node runs
        await addPeer(src, dst, ['--replicate'], true);
        await addPeer(dst, src);
        const ids = Array.from({ length: 10 }, (_, i) => `f.doc-${pad(i, 2)}`);
        const failing = ids[4];
        const put = await putBatch(src.home, join(tmp, 'fault'), ids.map(id => ({ id, meta: meta(id) })));
        assert.equal(put.stored, 10);
        const seqOf = await docSeqs(src.home);
        await serveNode(src, ['--interval', '1']);
        await serveNode(dst, ['--interval', '1'], { QUIRE_FAULTS: `fail@store.put:${failing}` });
        const others = ids.filter(id => id !== failing);
        await waitHolds(dst, others, 20_000);
        const held = await docMap(dst);
        assert.equal(held.has(failing), false, `${failing} was stored despite the injected failure`);
        assert.equal(held.size, 9);
        const p = await partnerStatus(dst, src);
        assert.equal(p.upToDate, false, `status says up to date with a revision missing: ${JSON.stringify(p)}`);
        assert.equal(p.lastChecked, null, 'no pass can have completed');
        assert.ok(p.counters.failed >= 1, JSON.stringify(p.counters));
        // src's push on connect may have delivered the nine before dst's first pull (whose cursor then
        // started at 0): one pass to settle the pull cursor on the failure, then the one under test
        await syncAt(dst, src);
        // a pass now: it starts right at the failed revision (the cursor did not pass it) and fails on it
        const { code, summary } = await syncAt(dst, src);
        assert.equal(code, 3, 'sync exits 3 when a pass failed');
        assert.equal(summary.ok, false);
        assert.equal(summary.failed, 1, JSON.stringify(summary));
        assert.equal(summary.stored, 0, JSON.stringify(summary));
        const fromFailing = ids.filter(id => seqOf.get(id) >= seqOf.get(failing)).length;
        assert.equal(summary.received, fromFailing, `the pass should start at ${failing}: ${JSON.stringify(summary)}`);
        await dst.served.stop();
        const cursor = await readPullCursor(dst.home, src.peerId);
        assert.equal(cursor?.seq, seqOf.get(failing) - 1, `the cursor stops just before ${failing}: ${JSON.stringify(cursor)}`);
        assert.equal(cursor?.upToDate, false);
        // restart without the fault: the next pass applies it
        await serveNode(dst, ['--interval', '1']);
        await waitHolds(dst, ids, 20_000);
        await waitUntil('dst up to date with src', async () => {
            const q = await partnerStatus(dst, src);
            return q.upToDate === true && q.lastChecked != null ? null : JSON.stringify(q);
        }, 10_000);
        const after = await partnerStatus(dst, src);
        assert.equal(after.counters.stored, 1, `only the failed revision is new: ${JSON.stringify(after.counters)}`);
        assert.equal(after.counters.failed, 0);
        assert.equal((await op(dst, 'get', { id: failing })).home, src.peerId);
    });
    it('a lost store: serve refuses; serve --recover brings everything back, refuses puts until done; the partner follows the new epoch', async function () {
        const [lost, peer] = await makeNodes(['lost', 'keeper'], ip);
        await addPeer(lost, peer, ['--replicate', '--datareplicate']);
        await addPeer(peer, lost, ['--replicate', '--datareplicate']);
        await Promise.all([serveNode(lost, ['--interval', '1']), serveNode(peer, ['--interval', '1'])]);
        const own = [
            ...[0, 1, 2].map(i => ({ id: `lost.d${i}`, meta: meta(`lost.d${i}`), data: randomBytes(16 * 1024 + i) })),
            { id: 'lost.m0', meta: meta('lost.m0') }
        ];
        const theirs = [0, 1].map(i => ({ id: `keep.d${i}`, meta: meta(`keep.d${i}`), data: randomBytes(12 * 1024 + i) }));
        await Promise.all([putBatch(lost.home, join(tmp, 'own'), own), putBatch(peer.home, join(tmp, 'theirs'), theirs)]);
        const all = [...own, ...theirs];
        await Promise.all([waitHolds(peer, all.map(d => d.id), 25_000), waitHolds(lost, all.map(d => d.id), 25_000)]);
        await Promise.all([peer, lost].map(async (n) => await waitHolds(n, all.filter(d => d.data != null).map(d => d.id), 20_000, { local: true })));
        const epochBefore = await markerEpoch(lost.home);
        assert.ok(epochBefore != null);
        // the loss: files/ first, then db/ too; a plain serve refuses each time, in one line naming --recover
        await lost.served.stop();
        await peer.served.stop(); // the partner is away while the recovery starts: it stays pending
        await rm(join(lost.home, 'files'), { recursive: true, force: true });
        for (const what of ['files', 'db']) {
            if (what === 'db')
                await rm(join(lost.home, 'db'), { recursive: true, force: true });
            const r = await quire(['serve', '--home', lost.home, '--interval', '1'], { timeoutMs: 20_000 });
            assert.notEqual(r.code, 0, `serve with ${what}/ lost exited 0`);
            const lines = r.stderr.trim().split('\n');
            assert.equal(lines.length, 1, `one line on stderr: ${r.stderr}`);
            assert.match(lines[0], /--recover/, `${what}/ lost: ${lines[0]}`);
        }
        await serveNode(lost, ['--interval', '1', '--recover']);
        const st = await op(lost, 'status');
        assert.ok(st.recoveringSince != null, 'status.recoveringSince while recovering');
        const newMeta = join(tmp, 'new.meta');
        await writeFile(newMeta, meta('lost.after'));
        const refused = await quire(['put', 'lost.after', '--meta', newMeta, '--home', lost.home, '--json']);
        assert.equal(refused.code, 3, `put while recovering: ${refused.stdout} ${refused.stderr}`);
        assert.equal(refused.errorJson?.code, 'recovering', refused.stderr);
        await serveNode(peer, ['--interval', '1']);
        await waitUntil('the recovery to complete', async () => {
            const s = await op(lost, 'status');
            return s.recoveringSince == null ? null : `recovering since ${s.recoveringSince}, ${s.counts.documents} documents, ${s.counts.wantedFiles} files wanted`;
        }, 30_000);
        const back = await waitHolds(lost, all.map(d => d.id), 5_000, {});
        for (const d of all) {
            const doc = back.get(d.id);
            const home = d.id.startsWith('lost.') ? lost.peerId : peer.peerId;
            assert.equal(doc.home, home, d.id);
            assert.equal(doc.rev, 1, d.id);
            if (d.data != null)
                assert.equal(doc.data?.local, true, `${d.id} data back: ${JSON.stringify(doc.data)}`);
            else
                assert.equal(doc.data, null, d.id);
        }
        for (const d of [own[0], theirs[1]]) {
            const out = join(tmp, `back-${d.id}`);
            await op(lost, 'get', { id: d.id, dataOut: out });
            assert.ok((await readFile(out)).equals(d.data), `bytes of ${d.id} after recovery`);
        }
        const epochAfter = await markerEpoch(lost.home);
        assert.ok(epochAfter != null && epochAfter !== epochBefore, `new epoch: ${epochBefore} → ${epochAfter}`);
        // nothing was deleted or changed at the partner by the recovery
        const atPeer = await docMap(peer);
        for (const d of own)
            assert.deepEqual([atPeer.get(d.id)?.rev, atPeer.get(d.id)?.deleted], [1, false], d.id);
        // recovery done: put works, and the partner gets the new document
        const ok = await quire(['put', 'lost.after', '--meta', newMeta, '--home', lost.home, '--json']);
        assert.equal(ok.code, 0, ok.stderr);
        assert.equal(ok.json?.home, lost.peerId);
        await waitHolds(peer, ['lost.after'], 15_000);
        // the partner's pull cursor for the recovered node now belongs to the new epoch
        await passNow(peer, lost, { peer: lost.peerId });
        await peer.served.stop();
        const cursor = await readPullCursor(peer.home, lost.peerId);
        assert.equal(cursor?.epoch, epochAfter, `the partner's cursor for the recovered node: ${JSON.stringify(cursor)} (old epoch ${epochBefore})`);
    });
    /**
     * BUG (fails today): Site.open treats db/ as present when the directory exists, so an emptied db/
     * goes to Db.open, whose LevelDB "does not exist" error becomes `no store …: run "quire init"
     * first` (init refuses an existing home) — and `serve --recover` takes the same path and refuses
     * too. The README promises that a store "missing or emptied" is rebuilt by `serve --recover`.
     */
    it('an emptied db/ directory is a lost store too: serve names --recover, and serve --recover rebuilds it', async function () {
        const [lost, peer] = await makeNodes(['emptied', 'emptied-keeper'], ip);
        await addPeer(lost, peer, ['--replicate']);
        await addPeer(peer, lost, ['--replicate']);
        await Promise.all([serveNode(lost, ['--interval', '1']), serveNode(peer, ['--interval', '1'])]);
        const ids = [0, 1, 2].map(i => `empt.doc${i}`);
        await putBatch(lost.home, join(tmp, 'emptied'), ids.map(id => ({ id, meta: meta(id) })));
        await waitHolds(peer, ids, 20_000);
        await lost.served.stop();
        // the directory stays (a mount point, `rm -rf db/*`), its contents are gone
        const db = join(lost.home, 'db');
        for (const f of await readdir(db))
            await rm(join(db, f), { recursive: true, force: true });
        const r = await quire(['serve', '--home', lost.home, '--interval', '1'], { timeoutMs: 20_000 });
        assert.notEqual(r.code, 0, 'serve with an emptied db/ exited 0');
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.match(r.stderr, /--recover/, `the refusal should point to serve --recover: ${r.stderr.trim()}`);
        try {
            await serveNode(lost, ['--interval', '1', '--recover']);
        }
        catch (err) {
            throw new Error(`serve --recover refuses an emptied db/: ${err.message}`);
        }
        await waitUntil('the recovery to complete', async () => (await op(lost, 'status')).recoveringSince == null ? null : 'recovering', 30_000);
        const back = await waitHolds(lost, ids, 5_000);
        for (const id of ids)
            assert.equal(back.get(id).home, lost.peerId, id);
    });
    describe('sync --full after LevelDB lost some document records', function () {
        let countAfterFull = null;
        it('sync --full brings the lost documents back (a plain pass does not)', async function () {
            const [src, dst] = await makeNodes(['full-src', 'full-dst'], ip);
            await addPeer(src, dst, ['--replicate', '--datareplicate'], true);
            await addPeer(dst, src);
            const docs = Array.from({ length: 8 }, (_, i) => ({ id: `full.d${i}`, meta: meta(`full.d${i}`), data: randomBytes(4096 + i) }));
            await putBatch(src.home, join(tmp, 'full'), docs);
            await Promise.all([serveNode(src, ['--interval', '1']), serveNode(dst, ['--interval', '1'])]);
            await waitHolds(dst, docs.map(d => d.id), 20_000, { local: true });
            await waitUntil('dst up to date', async () => (await partnerStatus(dst, src)).upToDate === true ? null : 'not yet', 10_000);
            await dst.served.stop();
            const lostIds = [docs[1].id, docs[4].id, docs[6].id];
            await withDb(dst.home, async (db) => {
                const d = sub(db, 'docs');
                for (const id of lostIds) {
                    assert.ok((await d.get(id)) != null, `${id} in dst's docs sublevel`);
                    await d.del(id);
                }
            });
            await serveQuiet(dst, src);
            const plain = await passNow(dst, src);
            assert.equal(plain.ok, true, JSON.stringify(plain));
            const before = await docMap(dst);
            for (const id of lostIds)
                assert.equal(before.has(id), false, `${id} came back without --full (the records were not really lost?)`);
            assert.equal(before.size, docs.length - lostIds.length);
            const full = await syncAt(dst, src, ['--full']);
            assert.equal(full.code, 0, JSON.stringify(full.summary));
            assert.equal(full.summary.ok, true);
            assert.equal(full.summary.received, docs.length, `--full pulls the whole inventory: ${JSON.stringify(full.summary)}`);
            assert.equal(full.summary.stored, lostIds.length, JSON.stringify(full.summary));
            const after = await docMap(dst);
            for (const d of docs) {
                const doc = after.get(d.id);
                assert.equal(doc?.rev, 1, `${d.id}: ${JSON.stringify(doc)}`);
                assert.equal(doc.home, src.peerId);
                assert.equal(doc.data?.local, true, `${d.id} data: ${JSON.stringify(doc.data)}`);
            }
            const out = join(tmp, 'full-meta');
            await op(dst, 'get', { id: lostIds[0], metaOut: out });
            assert.equal(await readFile(out, 'utf8'), docs[1].meta);
            countAfterFull = { listed: after.size, counted: (await op(dst, 'status')).counts.documents };
        });
        /**
         * BUG (fails today): Documents.write counts a revision as a new document when no DocEntry is
         * held for its id, so re-storing the 3 lost records adds 3 to the persisted docCount, which
         * never lost them: status says 11 where ls lists 8 (and the old change-log entries of those ids
         * stay next to the new ones).
         */
        it('after that restore, status counts the documents that ls lists', function () {
            if (countAfterFull == null)
                this.skip();
            assert.equal(countAfterFull.counted, countAfterFull.listed, `status counts.documents ${countAfterFull.counted}, ls lists ${countAfterFull.listed}`);
        });
    });
    it('namespace subscriptions filter pulls; widening them restarts the cursor', async function () {
        const [src, dst] = await makeNodes(['ns-src', 'ns-dst'], ip);
        await addPeer(src, dst, ['--replicate'], true);
        await addPeer(dst, src, ['--namespaces', 'a']);
        const ids = (ns) => [0, 1, 2].map(i => `${ns}.doc${i}`);
        await putBatch(src.home, join(tmp, 'ns'), ['a', 'b', 'c'].flatMap(ids).map(id => ({ id, meta: meta(id) })));
        await serveNode(src, ['--interval', '1']);
        await serveQuiet(dst, src);
        const first = await passNow(dst, src);
        assert.equal(first.ok, true, JSON.stringify(first));
        await waitHolds(dst, ids('a'), 10_000);
        assert.deepEqual((await allDocs(dst)).map(d => d.id), ids('a'), 'only a.* with --namespaces a');
        await quireOk(['peer', 'set', src.peerId, '--namespaces', 'a,b', '--home', dst.home]);
        // PULL path: anything src pushed of b.* was refused for good ("namespace"), so only the pull,
        // restarted from 0 because the subscription widened, can bring b.*
        const widened = await passNow(dst, src);
        assert.equal(widened.ok, true, JSON.stringify(widened));
        assert.equal(widened.received, 6, `the pass restarts from 0 and gets a.* and b.*: ${JSON.stringify(widened)}`);
        assert.equal(widened.stored, 3, JSON.stringify(widened));
        assert.equal(widened.duplicates, 3, JSON.stringify(widened));
        assert.deepEqual((await allDocs(dst)).map(d => d.id), [...ids('a'), ...ids('b')], 'a.* and b.*, no c.*');
    });
    it('replicate turned on at the sender: the next pass restarts from 0 and brings the older documents', async function () {
        const [src, dst] = await makeNodes(['flags-src', 'flags-dst'], ip);
        await addPeer(src, dst, [], true);
        await addPeer(dst, src);
        const ids = Array.from({ length: 6 }, (_, i) => `fl.doc${i}`);
        await putBatch(src.home, join(tmp, 'flags'), ids.map(id => ({ id, meta: meta(id) })));
        await serveNode(src, ['--interval', '1']);
        await serveQuiet(dst, src);
        const off = await passNow(dst, src);
        assert.equal(off.ok, true, JSON.stringify(off));
        assert.equal(off.received, 0, JSON.stringify(off));
        assert.ok(off.upTo >= ids.length, `the pass covered src's changes: ${JSON.stringify(off)}`);
        assert.equal((await allDocs(dst)).length, 0, 'nothing arrives while src does not replicate to dst');
        await quireOk(['peer', 'set', dst.peerId, '--replicate', '--home', src.home]);
        // the row change also pushes (dst is connected): the pass's own count shows the pull cursor
        // restarted — from the previous pass's cursor it would receive nothing
        const on = await passNow(dst, src);
        assert.equal(on.ok, true, JSON.stringify(on));
        assert.equal(on.received, ids.length, `the pass after --replicate restarts from 0: ${JSON.stringify(on)}`);
        assert.equal(on.stored + on.duplicates, ids.length, JSON.stringify(on));
        assert.deepEqual((await allDocs(dst)).map(d => d.id), ids);
    });
    /**
     * BUG (fails today): PeerTable.add gives a new row policy generation 0, the same as the removed
     * row's, so the receiver's old cursor (same epoch, policy 0, past every change) is honoured and the
     * pass receives nothing; the push that the new row triggers finds dst hung up (the removal closed
     * the connection), and the reconnect does not push (next test). The older documents never arrive.
     */
    it('a row removed and added again with --replicate at the sender: the next pass brings the older documents', async function () {
        const [src, dst] = await makeNodes(['readd-src', 'readd-dst'], ip);
        await addPeer(src, dst, [], true);
        await addPeer(dst, src);
        const ids = Array.from({ length: 6 }, (_, i) => `ra.doc${i}`);
        await putBatch(src.home, join(tmp, 'readd'), ids.map(id => ({ id, meta: meta(id) })));
        await serveNode(src, ['--interval', '1']);
        await serveQuiet(dst, src);
        const off = await passNow(dst, src);
        assert.equal(off.received, 0, JSON.stringify(off));
        await quireOk(['peer', 'rm', dst.peerId, '--home', src.home]);
        // src hangs up and its gate refuses dst until the row is back
        await waitUntil('dst to see src gone', async () => (await op(dst, 'peer.ls')).some((r) => r.peerId === src.peerId && r.connected === true) ? 'still connected' : null, 10_000, 100);
        await quireOk(['peer', 'add', dst.peerId, '--replicate', '--home', src.home]);
        await waitConnected(dst, src, 20_000); // the removal hung up; dst dials again
        const on = await passNow(dst, src);
        assert.equal(on.ok, true, JSON.stringify(on));
        // by any path: nothing else will ever kick src's push worker for dst in this test
        try {
            await waitHolds(dst, ids, 8_000);
        }
        catch (err) {
            throw new Error(`the older documents never reached dst after the row was re-created with --replicate (pass summary ${JSON.stringify(on)}; src push cursor for dst ${(await partnerStatus(src, dst)).pushCursor}): ${err.message}`);
        }
        // and the pull itself: a re-created row is a new sending policy, so dst's cursor must restart
        assert.equal(on.received, ids.length, `a new row owes dst every older document: ${JSON.stringify(on)}`);
    });
    /**
     * BUG (fails today): QuireNode kicks the push worker on 'peer:connect', before identify has
     * completed, and Pusher.run returns at once while PartnerLinks.isConnected() is still false;
     * nothing kicks it again when identify completes. A document committed while the partner was away
     * waits for the partner's next delta-T pass (here 600 s) instead of being pushed on connect, as
     * src/node/pusher.ts and the README promise.
     */
    it('push catch-up: a document put while its node was down is pushed when the partner connects (no pass needed)', async function () {
        const [src, dst] = await makeNodes(['pushc-src', 'pushc-dst'], ip);
        await addPeer(src, dst, ['--replicate']);
        await addPeer(dst, src);
        await putBatch(src.home, join(tmp, 'pushc'), [{ id: 'pc.doc0', meta: meta('pc.doc0') }]);
        // dst pulls only at its first pass (2 s after it starts, before src runs) and in 600 s
        await serveNode(dst, ['--interval', '600']);
        await sleep(2_500);
        await serveNode(src, ['--interval', '600']);
        await waitConnected(dst, src);
        await waitUntil('pc.doc0 to be pushed to dst', async () => (await docMap(dst)).has('pc.doc0') ? null : `src push cursor for dst: ${(await partnerStatus(src, dst)).pushCursor}`, 8_000);
    });
});
/** One line of what a test measured, in the mocha output. */
function measured(line) {
    process.stdout.write(`      measured: ${line}\n`);
}
//# sourceMappingURL=deltat.spec.js.map