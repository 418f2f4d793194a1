/**
 * A hostile partner against a real `quire serve` (BRIEF "Accepting", "Files"). The victim lists
 * the evil peer (accept-only, subscribed to its namespace `good` only); the evil peer connects
 * and pushes crafted revisions. For each: the verdict names the reason, nothing is stored (or what
 * was held is unchanged), `status` counts the reason, the connection stays up, and a valid document
 * pushed afterwards by the same peer is stored. A data file served with wrong bytes never becomes
 * visible in the victim's file store.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { cleanupAll, initNode, quire, quireOk, startServe, waitFor } from '../fixtures/cli.js';
import { rawCidOf } from '../../src/model/cids.js';
import { EvilPeer, Outcome, newIdentity, stealKey } from '../fixtures/evil-peer.js';
import { loopbackRange } from '../fixtures/loopback.js';
/** This file's loopback addresses: 127.0.0.60 … 127.0.0.79 (other files use other ranges). */
const ip = loopbackRange(60, 79);
const evils = [];
const tmps = [];
async function scene(namespaces = 'good') {
    const tmp = await mkdtemp(join(tmpdir(), 'quire-evil-'));
    tmps.push(tmp);
    const [victim, evil] = await Promise.all([initNode('victim', ip()), EvilPeer.start({ ip: ip() })]);
    evils.push(evil);
    // the victim lists the evil peer: accept-only, no flags (it sends it nothing), one namespace
    await quireOk(['peer', 'add', evil.peerId, '--namespaces', namespaces, '--home', victim.home]);
    const served = await startServe(victim.home);
    await evil.connect(victim.addr);
    await waitFor(async () => (await served.op('peer.ls')).some(r => r.peerId === evil.peerId && r.connected === true), 10_000, 'the victim to see the evil peer connected', 50);
    return { victim, served, evil, tmp };
}
async function getDoc(home, id, extra = []) {
    return await quire(['get', id, ...extra, '--home', home, '--json']);
}
async function assertNotStored(s, id) {
    const r = await getDoc(s.victim.home, id);
    assert.equal(r.code, 1, `quire get ${id} should exit 1 (not found); got ${r.code}: ${r.stdout}${r.stderr}`);
    assert.equal(r.errorJson?.code, 'not-found', r.stderr);
}
async function countersFor(s) {
    const st = await quireOk(['status', '--home', s.victim.home]);
    const p = st.partners.find(x => x.peerId === s.evil.peerId);
    assert.ok(p != null, `no partner row for the evil peer in status: ${JSON.stringify(st.partners)}`);
    assert.ok(p.counters != null, 'status of a running node shows counters');
    return p.counters;
}
async function assertStillConnected(s) {
    assert.ok(s.evil.isStillConnected(s.victim.peerId), 'the evil peer\'s connection was closed');
    const rows = await s.served.op('peer.ls');
    assert.equal(rows.find(r => r.peerId === s.evil.peerId)?.connected, true, 'the victim no longer shows the evil peer connected');
}
let afterSeq = 0;
/** The same peer, on the same connection, can still get a valid document stored. */
async function assertValidStillStored(s) {
    const good = await s.evil.record(`good.after-${++afterSeq}`);
    const verdicts = await s.evil.push(s.victim.peerId, [good]);
    assert.deepEqual(verdicts, [{ outcome: Outcome.STORED, reason: '' }], 'a valid document pushed afterwards');
    const doc = await s.served.op('get', { id: good.id });
    assert.equal(doc.rev, 1);
    assert.equal(doc.home, s.evil.peerId);
    assert.ok(s.evil.isStillConnected(s.victim.peerId));
}
/** The rejected counters for the evil peer right now (through the API: cheap). */
async function rejectedNow(s) {
    const st = await s.served.op('status');
    return st.partners.find(x => x.peerId === s.evil.peerId)?.counters?.rejected ?? {};
}
function plus(before, reason, n = 1) {
    return { ...before, [reason]: (before[reason] ?? 0) + n };
}
/** Everything the BRIEF asks of one refused input. `held` checks the id's state when one was held before. */
async function expectRejected(s, crafted, reason, held) {
    const before = await rejectedNow(s);
    const verdicts = await s.evil.push(s.victim.peerId, [crafted]);
    assert.deepEqual(verdicts, [{ outcome: Outcome.REJECTED, reason }], `verdict for ${crafted.id}`);
    const [counters] = await Promise.all([
        countersFor(s),
        held != null ? held() : assertNotStored(s, crafted.id)
    ]);
    assert.deepEqual(counters.rejected, plus(before, reason), 'status counters.rejected');
    await assertStillConnected(s);
    await assertValidStillStored(s);
}
async function metaOf(s, id) {
    const out = join(s.tmp, `meta-${Math.random().toString(36).slice(2)}`);
    await quireOk(['get', id, '--meta-out', out, '--home', s.victim.home]);
    return await readFile(out);
}
/** Every file under HOME/files/XX/ must hash to its name (CIDv1 raw sha2-256) and sit in the shard its name ends with. */
async function filesThatLie(home) {
    const root = join(home, 'files');
    const bad = [];
    const names = [];
    let shards;
    try {
        shards = await readdir(root);
    }
    catch {
        return { bad, names };
    }
    for (const shard of shards) {
        // files/.staging and the store's own dot-files (markers) are not content
        if (shard.startsWith('.'))
            continue;
        const dir = join(root, shard);
        if (!(await stat(dir)).isDirectory()) {
            bad.push(`stray ${shard}`);
            continue;
        }
        for (const name of await readdir(dir)) {
            const bytes = await readFile(join(dir, name));
            const cid = CID.createV1(raw.code, await sha256.digest(bytes)).toString();
            names.push(name);
            if (cid !== name)
                bad.push(`${shard}/${name} hashes to ${cid}`);
            else if (!name.endsWith(shard))
                bad.push(`${shard}/${name} is in the wrong shard`);
        }
    }
    return { bad, names };
}
async function stagingEntries(home) {
    try {
        return await readdir(join(home, 'files', '.staging'));
    }
    catch {
        return [];
    }
}
async function teardown() {
    await Promise.all(evils.splice(0).map(async (e) => await e.stop().catch(() => { })));
    await cleanupAll();
    await Promise.all(tmps.splice(0).map(async (t) => await rm(t, { recursive: true, force: true })));
}
describe('a hostile partner against a real quire serve', function () {
    this.timeout(30_000);
    /**
     * One victim and one evil peer for the refusal cases: every case uses its own ids and compares
     * counters with what they were before it, so the cases do not depend on each other; a victim
     * that a case crashed or disconnected fails the cases after it too, which is what we want to see.
     */
    describe('refusals, on one victim and one connection', function () {
        let s;
        before(async function () {
            s = await scene();
        });
        after(async function () {
            await teardown();
        });
        it('sanity: a valid document homed at the evil peer is stored, and pushing it again is a duplicate', async function () {
            const before = (await s.served.op('status')).partners.find((p) => p.peerId === s.evil.peerId).counters;
            const c = await s.evil.record('good.first');
            assert.deepEqual(await s.evil.push(s.victim.peerId, [c]), [{ outcome: Outcome.STORED, reason: '' }]);
            assert.deepEqual(await s.evil.push(s.victim.peerId, [c]), [{ outcome: Outcome.DUPLICATE, reason: '' }]);
            const doc = await quireOk(['get', c.id, '--home', s.victim.home]);
            assert.deepEqual({ id: doc.id, rev: doc.rev, home: doc.home, deleted: doc.deleted, data: doc.data }, { id: c.id, rev: 1, home: s.evil.peerId, deleted: false, data: null });
            assert.deepEqual(await metaOf(s, c.id), Buffer.from(c.metadata));
            const counters = await countersFor(s);
            assert.equal(counters.stored, before.stored + 1);
            assert.equal(counters.duplicates, before.duplicates + 1);
            assert.deepEqual(counters.rejected, before.rejected);
        });
        it('a bad signature: REJECTED bad-signature', async function () {
            await expectRejected(s, await s.evil.badSignature('good.badsig'), 'bad-signature');
        });
        it('record bytes altered after signing: REJECTED bad-signature', async function () {
            await expectRejected(s, await s.evil.tamperedRecord('good.tampered'), 'bad-signature');
        });
        it('metadata that does not match the record\'s hash: REJECTED meta-mismatch', async function () {
            await expectRejected(s, await s.evil.metaMismatch('good.metamismatch'), 'meta-mismatch');
        });
        it('a record signed by the evil key but claiming another home: REJECTED bad-signature', async function () {
            const third = await newIdentity();
            await expectRejected(s, await s.evil.forgedHome('good.forged', third.peerId), 'bad-signature');
            // claiming the victim itself as home is no better
            const asVictim = await s.evil.forgedHome('good.forged-victim', s.victim.peerId);
            assert.deepEqual(await s.evil.push(s.victim.peerId, [asVictim]), [{ outcome: Outcome.REJECTED, reason: 'bad-signature' }]);
            await assertNotStored(s, asVictim.id);
        });
        it('malformed and non-canonical records (in one push): REJECTED bad-record each', async function () {
            const before = await rejectedNow(s);
            const crafted = [await s.evil.nonCanonical('good.noncanonical'), await s.evil.trailingByte('good.trailing'), await s.evil.garbage()];
            const verdicts = await s.evil.push(s.victim.peerId, crafted);
            assert.deepEqual(verdicts, crafted.map(() => ({ outcome: Outcome.REJECTED, reason: 'bad-record' })));
            const [counters] = await Promise.all([countersFor(s), assertNotStored(s, 'good.noncanonical'), assertNotStored(s, 'good.trailing')]);
            assert.deepEqual(counters.rejected, plus(before, 'bad-record', 3));
            await assertStillConnected(s);
            await assertValidStillStored(s);
        });
        it('a namespace the victim does not subscribe to from this peer: REJECTED namespace', async function () {
            await expectRejected(s, await s.evil.inNamespace('other'), 'namespace');
            // an id with no namespace is not in "good" either
            const plain = await s.evil.record('plainid');
            assert.deepEqual(await s.evil.push(s.victim.peerId, [plain]), [{ outcome: Outcome.REJECTED, reason: 'namespace' }]);
            await assertNotStored(s, 'plainid');
        });
        it('a document homed at the victim, validly signed with its stolen key: REJECTED own-home', async function () {
            const key = await stealKey(s.victim.home);
            const c = await s.evil.signedBy(key, 'good.mine');
            assert.equal(c.home, s.victim.peerId);
            await expectRejected(s, c, 'own-home');
        });
        it('an id the victim owns: REJECTED home-mismatch, the held document unchanged', async function () {
            const metaFile = join(s.tmp, 'owned.xml');
            await writeFile(metaFile, '<owned by the victim/>');
            const put = await quireOk(['put', 'good.owned', '--meta', metaFile, '--home', s.victim.home]);
            assert.equal(put.home, s.victim.peerId);
            const claim = await s.evil.claimOwned('good.owned', 2);
            await expectRejected(s, claim, 'home-mismatch', async () => {
                const doc = await quireOk(['get', 'good.owned', '--home', s.victim.home]);
                assert.equal(doc.home, s.victim.peerId);
                assert.equal(doc.rev, 1);
                assert.deepEqual(await metaOf(s, 'good.owned'), Buffer.from('<owned by the victim/>'));
            });
        });
        it('an id a third home owns (relayed earlier by the same peer): REJECTED home-mismatch', async function () {
            const third = await newIdentity();
            const relayed = await s.evil.signedBy(third.key, 'good.thirds');
            assert.deepEqual(await s.evil.push(s.victim.peerId, [relayed]), [{ outcome: Outcome.STORED, reason: '' }], 'a relayed document of a third home is accepted');
            const claim = await s.evil.claimOwned('good.thirds', 5);
            await expectRejected(s, claim, 'home-mismatch', async () => {
                const doc = await quireOk(['get', 'good.thirds', '--home', s.victim.home]);
                assert.equal(doc.home, third.peerId);
                assert.equal(doc.rev, 1);
                assert.deepEqual(await metaOf(s, 'good.thirds'), Buffer.from(relayed.metadata));
            });
        });
        it('an older revision than the one held: REJECTED older, rev unchanged', async function () {
            const rev2 = await s.evil.record('good.aging', { rev: 2 });
            assert.deepEqual(await s.evil.push(s.victim.peerId, [rev2]), [{ outcome: Outcome.STORED, reason: '' }]);
            await expectRejected(s, await s.evil.older('good.aging', 1), 'older', async () => {
                const doc = await quireOk(['get', 'good.aging', '--home', s.victim.home]);
                assert.equal(doc.rev, 2);
                assert.deepEqual(await metaOf(s, 'good.aging'), Buffer.from(rev2.metadata));
            });
        });
        it('a fork (same revision, other content): REJECTED fork, the first content kept', async function () {
            const a = await s.evil.record('good.forked');
            assert.deepEqual(await s.evil.push(s.victim.peerId, [a]), [{ outcome: Outcome.STORED, reason: '' }]);
            const b = await s.evil.fork(a);
            await expectRejected(s, b, 'fork', async () => {
                const doc = await quireOk(['get', 'good.forked', '--home', s.victim.home]);
                assert.equal(doc.rev, 1);
                assert.deepEqual(await metaOf(s, 'good.forked'), Buffer.from(a.metadata));
            });
        });
        it('one push mixing good and bad entries: each judged alone, in order', async function () {
            const before = await rejectedNow(s);
            const ok1 = await s.evil.record('good.mix1');
            const bad = await s.evil.badSignature('good.mix2');
            const ok3 = await s.evil.record('good.mix3', { rev: 3 });
            const older = await s.evil.older('good.mix3', 2);
            const ns = await s.evil.inNamespace('elsewhere');
            const verdicts = await s.evil.push(s.victim.peerId, [ok1, bad, ok3, older, ns]);
            assert.deepEqual(verdicts.map(v => v.reason === '' ? v.outcome : `${v.outcome}:${v.reason}`), [
                Outcome.STORED, `${Outcome.REJECTED}:bad-signature`, Outcome.STORED, `${Outcome.REJECTED}:older`, `${Outcome.REJECTED}:namespace`
            ]);
            assert.equal((await s.served.op('get', { id: 'good.mix1' })).rev, 1);
            assert.equal((await s.served.op('get', { id: 'good.mix3' })).rev, 3);
            await Promise.all([assertNotStored(s, 'good.mix2'), assertNotStored(s, ns.id)]);
            assert.deepEqual(await rejectedNow(s), plus(plus(plus(before, 'bad-signature'), 'older'), 'namespace'));
            await assertStillConnected(s);
        });
    });
    describe('data files and strangers', function () {
        afterEach(async function () {
            await teardown();
        });
        it('a data file served with bytes that do not match its CID: the record is stored, the file never', async function () {
            const s = await scene();
            const c = await s.evil.wrongData('good.wrongbytes', 100 * 1024);
            assert.deepEqual(await s.evil.push(s.victim.peerId, [c]), [{ outcome: Outcome.STORED, reason: '' }]);
            // the victim asks for the file; wait until that attempt is over (no transfer of it in progress)
            await waitFor(() => s.evil.fileRequests.some(r => r.cid === c.cid), 10_000, 'the victim to fetch the offered file', 50);
            await waitFor(async () => !(await s.served.op('status')).transfers.some(t => t.cid === c.cid), 10_000, 'the fetch attempt to end', 50);
            const doc = await quireOk(['get', c.id, '--home', s.victim.home]);
            assert.equal(doc.data?.cid, c.cid);
            assert.equal(doc.data?.size, c.data.byteLength);
            assert.equal(doc.data?.local, false, 'wrong bytes must never count as the local data file');
            await assert.rejects(s.served.op('get', { id: c.id, dataOut: join(s.tmp, 'data-out') }), 'get --data-out of a file that is not here must fail');
            const { bad, names } = await filesThatLie(s.victim.home);
            assert.deepEqual(bad, [], 'files under HOME/files/ that do not hash to their names');
            // nothing at all entered the store: not under the CID named, nor under the wrong bytes' own hash
            assert.deepEqual(names, [], 'the file store of a victim that holds no data file');
            await waitFor(async () => (await stagingEntries(s.victim.home)).length === 0, 5_000, 'files/.staging to be empty', 100);
            const counters = (await s.served.op('status')).partners.find((p) => p.peerId === s.evil.peerId).counters;
            assert.equal(counters.filesReceived, 0);
            assert.deepEqual(counters.rejected, {});
            await assertStillConnected(s);
            // the same peer offering a genuine file afterwards gets it stored and local
            const genuine = await s.evil.record('good.rightbytes', { data: new Uint8Array(50 * 1024).map((_, i) => (i * 31) & 0xff) });
            assert.deepEqual(await s.evil.push(s.victim.peerId, [genuine]), [{ outcome: Outcome.STORED, reason: '' }]);
            await waitFor(async () => (await s.served.op('get', { id: genuine.id }))?.data?.local === true, 15_000, 'the genuine file to be local', 100);
            const after = await filesThatLie(s.victim.home);
            assert.deepEqual(after.bad, []);
            assert.deepEqual(after.names, [rawCidOf(genuine.data).toString()], 'only the genuine file is stored');
            const got = await getDoc(s.victim.home, genuine.id, ['--data-out', join(s.tmp, 'genuine-out')]);
            assert.equal(got.code, 0, got.stderr);
            assert.deepEqual(await readFile(join(s.tmp, 'genuine-out')), Buffer.from(genuine.data));
            // and the wrong one is still not local, whatever retries happened meanwhile
            assert.equal((await s.served.op('get', { id: c.id })).data.local, false);
            assert.deepEqual((await filesThatLie(s.victim.home)).bad, []);
        });
        it('a peer the victim does not list cannot connect, so cannot push', async function () {
            const s = await scene();
            const stranger = await EvilPeer.start({ ip: ip() });
            evils.push(stranger);
            await assert.rejects(async () => {
                await stranger.connect(s.victim.addr);
                await stranger.push(s.victim.peerId, [await stranger.record('good.stranger')]);
            });
            await assertNotStored(s, 'good.stranger');
            const st = await quireOk(['status', '--home', s.victim.home]);
            assert.ok(st.gate.deniedInbound >= 1, `gate: ${JSON.stringify(st.gate)}`);
            await assertStillConnected(s);
        });
    });
});
//# sourceMappingURL=evil-peer.spec.js.map