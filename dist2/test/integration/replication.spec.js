/**
 * The worked example of the BRIEF (Metacat seed 004) on real `quire serve` processes:
 *
 * | node  | row for gamma | row for alpha | row for lamda |
 * | gamma | —             | 0 0 0         | 1 1 0         |
 * | alpha | 0 1 0         | —             | 1 0 0         |
 * | lamda | 0 0 0         | 1 1 1         | —             |
 *
 * gamma's documents reach lamda with data and go on to alpha through lamda's hub row; alpha's
 * reach lamda as metadata only; lamda's reach alpha with data; nothing reaches gamma. A fourth
 * node that nobody lists reaches no one. Tombstones and updates travel the same way. A document
 * put while its node was not serving is pushed when it starts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll, initNode, quire, quireOk, sleep, startServe, waitFor } from '../fixtures/cli.js';
import { loopbackRange } from '../fixtures/loopback.js';
/** This file's loopback addresses: 127.0.0.40 … 127.0.0.59 (other files use other ranges). */
const ip = loopbackRange(40, 59);
const CONVERGE_MS = 20_000;
const DATA_BYTES = 100 * 1024;
/** What each node's row for each partner says (replicate, datareplicate, hub), as the BRIEF's table. */
const ROWS = {
    gamma: { alpha: '0 0 0', lamda: '1 1 0' },
    alpha: { gamma: '0 1 0', lamda: '1 0 0' },
    lamda: { gamma: '0 0 0', alpha: '1 1 1' },
    // a stranger that lists two of them with every flag, and whom nobody lists
    delta: { alpha: '1 1 1', lamda: '1 1 1' }
};
function flagArgs(flags) {
    const [r, d, h] = flags.split(' ');
    return [...(r === '1' ? ['--replicate'] : []), ...(d === '1' ? ['--datareplicate'] : []), ...(h === '1' ? ['--hub'] : [])];
}
let tmp;
async function writeTmp(name, bytes) {
    const path = join(tmp, name);
    await writeFile(path, bytes);
    return path;
}
/** Init the named nodes, list partners as the table says (full addresses from `quire id`), start them. */
async function network(names) {
    const inits = await Promise.all(names.map(async (n) => await initNode(n, ip())));
    const nodes = {};
    await Promise.all(inits.map(async (node, i) => {
        const id = await quireOk(['id', '--home', node.home]);
        assert.equal(id.peerId, node.peerId);
        const addr = id.addrs.find(a => a.endsWith(`/p2p/${node.peerId}`) && a.includes(`/ip4/${node.ip}/`));
        assert.ok(addr != null, `quire id of ${names[i]} gave no full address on ${node.ip}: ${JSON.stringify(id.addrs)}`);
        nodes[names[i]] = { ...node, idAddr: addr };
    }));
    // rows: one command at a time per home (the offline CLI takes the store), homes in parallel
    await Promise.all(names.map(async (n) => {
        for (const [partner, flags] of Object.entries(ROWS[n])) {
            if (nodes[partner] == null)
                continue;
            await quireOk(['peer', 'add', nodes[partner].idAddr, ...flagArgs(flags), '--home', nodes[n].home]);
        }
    }));
    await Promise.all(names.map(async (n) => { nodes[n].served = await startServe(nodes[n].home); }));
    return nodes;
}
/** Wait until every listed pair among `names` is connected (both ways listed: the table lists all pairs). */
async function waitLinks(nodes, names) {
    await Promise.all(names.map(async (n) => {
        const partners = Object.keys(ROWS[n]).filter(p => names.includes(p) && p !== 'delta' && n !== 'delta');
        await waitFor(async () => {
            const rows = await nodes[n].served.op('peer.ls');
            return partners.every(p => rows.some(r => r.peerId === nodes[p].peerId && r.connected === true));
        }, 15_000, `${n} to be connected to ${partners.join(', ')}`, 100);
    }));
}
/**
 * Put one document with ~100 KB of random data and one metadata-only document at `site`, ids
 * `<site>.<tag>-data` and `<site>.<tag>-meta`. The first goes through the `quire put` CLI; the
 * second straight to the node's local API (what the CLI does when a node serves the home), which
 * saves a process start on a busy machine.
 */
async function insertAt(node, site, tag) {
    const data = randomBytes(DATA_BYTES);
    const meta1 = Buffer.from(`<eml><title>${site} ${tag} with data ${randomBytes(4).toString('hex')}</title></eml>`);
    const meta2 = Buffer.from(`{"title": "${site} ${tag} metadata only ${randomBytes(4).toString('hex')}"}`);
    const withData = { id: `${site}.${tag}-data`, data, meta: meta1 };
    const metaOnly = { id: `${site}.${tag}-meta`, meta: meta2 };
    const [m1, d1, m2] = await Promise.all([writeTmp(`${site}-${tag}-m1`, meta1), writeTmp(`${site}-${tag}-d1`, data), writeTmp(`${site}-${tag}-m2`, meta2)]);
    const [put1, put2] = await Promise.all([
        quireOk(['put', withData.id, '--meta', m1, '--data', d1, '--home', node.home]),
        node.served.op('put', { id: metaOnly.id, meta: m2 })
    ]);
    assert.deepEqual(put1, { id: withData.id, rev: 1, home: node.peerId });
    assert.deepEqual(put2, { id: metaOnly.id, rev: 1, home: node.peerId });
    return { withData, metaOnly };
}
/** The node's documents by id, through its API (cheap polling). */
async function docsAt(node) {
    const list = await node.served.op('ls', { limit: 1000 });
    return new Map(list.map(d => [d.id, d]));
}
/** Poll until `check` holds at `node` (it returns a reason while not yet); bounded. */
async function waitAt(node, what, check, timeoutMs = CONVERGE_MS) {
    let last = '';
    try {
        await waitFor(async () => {
            const why = check(await docsAt(node));
            last = why ?? '';
            return why == null;
        }, timeoutMs, `${node.name}: ${what}`, 150);
    }
    catch (err) {
        throw new Error(`${err.message}; still: ${last}`);
    }
}
function has(docs, id, want) {
    const d = docs.get(id);
    if (d == null)
        return `${id} missing`;
    if (want.rev != null && d.rev !== want.rev)
        return `${id} rev ${d.rev}, want ${want.rev}`;
    if (want.home != null && d.home !== want.home)
        return `${id} home ${d.home}`;
    if (want.deleted != null && d.deleted !== want.deleted)
        return `${id} deleted ${d.deleted}`;
    if (want.local === null && d.data != null)
        return `${id} has data ${JSON.stringify(d.data)}`;
    if (want.local != null && d.data?.local !== want.local)
        return `${id} data ${JSON.stringify(d.data)}`;
    return null;
}
function all(...reasons) {
    const r = reasons.filter(x => x != null);
    return r.length === 0 ? null : r.join('; ');
}
/** `quire ls --json` ids at a home (the CLI, as an operator sees it). */
async function lsIds(node) {
    return (await quireOk(['ls', '--home', node.home])).map(d => d.id);
}
/** `get --data-out` at `node`: through the CLI, or (cli false) the same operation through the node's API. */
async function dataOut(node, id, cli = true) {
    const out = join(tmp, `out-${node.name}-${id}-${Math.random().toString(36).slice(2)}`);
    if (cli) {
        const r = await quire(['get', id, '--data-out', out, '--home', node.home, '--json']);
        assert.equal(r.code, 0, `get --data-out ${id} at ${node.name}: ${r.stderr}`);
    }
    else {
        await node.served.op('get', { id, dataOut: out });
    }
    return await readFile(out);
}
async function metaOut(node, id) {
    const out = join(tmp, `meta-${node.name}-${id}-${Math.random().toString(36).slice(2)}`);
    await node.served.op('get', { id, metaOut: out });
    return await readFile(out);
}
describe('replication across the worked example (real quire serve processes)', function () {
    this.timeout(30_000);
    /**
     * One network for the cases below (starting four nodes is most of a case's time on a busy
     * machine). Each case inserts its own documents (ids tagged per case) and checks only those, so
     * the cases do not depend on each other's outcome.
     */
    describe('gamma, alpha, lamda as the table says, and delta whom nobody lists', function () {
        const names = ['gamma', 'alpha', 'lamda', 'delta'];
        let n;
        before(async function () {
            tmp = await mkdtemp(join(tmpdir(), 'quire-repl-'));
            n = await network(names);
            await waitLinks(n, names);
        });
        after(async function () {
            await cleanupAll();
            await rm(tmp, { recursive: true, force: true });
        });
        it('each site\'s documents reach exactly where the table says, data included; the unlisted node reaches no one', async function () {
            const tag = 'flow';
            const ins = {};
            await Promise.all(names.map(async (s) => { ins[s] = await insertAt(n[s], s, tag); }));
            const D = (s) => `${s}.${tag}-data`;
            const M = (s) => `${s}.${tag}-meta`;
            // lamda: gamma's with data; alpha's as metadata only
            await waitAt(n.lamda, 'gamma\'s with data, alpha\'s metadata only', d => all(has(d, D('gamma'), { rev: 1, home: n.gamma.peerId, local: true }), has(d, M('gamma'), { rev: 1, home: n.gamma.peerId, local: null }), has(d, D('alpha'), { rev: 1, home: n.alpha.peerId }), has(d, M('alpha'), { rev: 1, home: n.alpha.peerId, local: null })));
            // alpha: gamma's through lamda's hub row, and lamda's, with data
            await waitAt(n.alpha, 'gamma\'s (via lamda) and lamda\'s, with data', d => all(has(d, D('gamma'), { rev: 1, home: n.gamma.peerId, local: true }), has(d, M('gamma'), { rev: 1, home: n.gamma.peerId, local: null }), has(d, D('lamda'), { rev: 1, home: n.lamda.peerId, local: true }), has(d, M('lamda'), { rev: 1, home: n.lamda.peerId, local: null })));
            // the bytes that arrived are the bytes that were put
            assert.ok((await dataOut(n.alpha, D('gamma'))).equals(ins.gamma.withData.data), 'gamma\'s data at alpha (through the hub)');
            assert.ok((await dataOut(n.lamda, D('gamma'), false)).equals(ins.gamma.withData.data), 'gamma\'s data at lamda');
            assert.ok((await dataOut(n.alpha, D('lamda'), false)).equals(ins.lamda.withData.data), 'lamda\'s data at alpha');
            assert.ok((await metaOut(n.alpha, M('gamma'))).equals(ins.gamma.metaOnly.meta), 'gamma\'s metadata at alpha');
            assert.ok((await metaOut(n.lamda, D('alpha'))).equals(ins.alpha.withData.meta), 'alpha\'s metadata at lamda');
            // a delta-T pass now at each site, and a moment to settle: what must not arrive still has not
            await Promise.all(['gamma', 'alpha', 'lamda'].map(async (s) => await n[s].served.op('sync', {})));
            await sleep(1000);
            const ids = async (s) => (await lsIds(s)).filter(id => id.includes(`.${tag}-`));
            const [g, a, l, dl] = await Promise.all([ids(n.gamma), ids(n.alpha), ids(n.lamda), ids(n.delta)]);
            assert.deepEqual(g, [D('gamma'), M('gamma')], 'nothing reaches gamma');
            assert.deepEqual(a, [D('alpha'), M('alpha'), D('gamma'), M('gamma'), D('lamda'), M('lamda')], 'alpha: its own, gamma\'s and lamda\'s, nothing of delta\'s');
            assert.deepEqual(l, [D('alpha'), M('alpha'), D('gamma'), M('gamma'), D('lamda'), M('lamda')], 'lamda: its own, gamma\'s and alpha\'s, nothing of delta\'s');
            assert.deepEqual(dl, [D('delta'), M('delta')], 'the unlisted node got nothing either');
            // alpha's data file stays at alpha: lamda holds the record only
            const alphaAtLamda = await quireOk(['get', D('alpha'), '--home', n.lamda.home]);
            assert.equal(alphaAtLamda.data?.local, false, 'alpha sends lamda metadata only');
            assert.equal(alphaAtLamda.data?.size, DATA_BYTES);
            await assert.rejects(n.lamda.served.op('get', { id: D('alpha'), dataOut: join(tmp, 'nope') }), 'lamda cannot write out a data file it does not hold');
            // the stranger was turned away at the gates
            const st = await n.lamda.served.op('status');
            assert.ok(st.gate.deniedInbound >= 1, `lamda's gate never refused delta: ${JSON.stringify(st.gate)}`);
        });
        it('a tombstone at gamma reaches lamda and alpha; an update at lamda brings alpha to rev 2 with the new data', async function () {
            const tag = 'change';
            const D = (s) => `${s}.${tag}-data`;
            const M = (s) => `${s}.${tag}-meta`;
            await Promise.all([insertAt(n.gamma, 'gamma', tag), insertAt(n.lamda, 'lamda', tag)]);
            await waitAt(n.alpha, 'gamma\'s and lamda\'s documents with data', d => all(has(d, D('gamma'), { rev: 1, local: true }), has(d, D('lamda'), { rev: 1, local: true }), has(d, M('gamma'), { rev: 1 })));
            await waitAt(n.lamda, 'gamma\'s documents', d => has(d, D('gamma'), { rev: 1, local: true }));
            const newMeta = Buffer.from(`<eml><title>lamda revised ${randomBytes(4).toString('hex')}</title></eml>`);
            const newData = randomBytes(DATA_BYTES + 17);
            const [mFile, dFile] = await Promise.all([writeTmp('lamda-m1b', newMeta), writeTmp('lamda-d1b', newData)]);
            const [removed, updated] = await Promise.all([
                quireOk(['rm', D('gamma'), '--home', n.gamma.home]),
                quireOk(['update', D('lamda'), '--meta', mFile, '--data', dFile, '--home', n.lamda.home])
            ]);
            assert.deepEqual(removed, { id: D('gamma'), rev: 2, deleted: true });
            assert.equal(updated.rev, 2);
            await Promise.all([n.lamda, n.alpha].map(async (site) => {
                await waitAt(site, `the tombstone of ${D('gamma')}`, d => has(d, D('gamma'), { rev: 2, deleted: true, home: n.gamma.peerId }));
            }));
            for (const site of [n.lamda, n.alpha]) {
                const doc = await quireOk(['get', D('gamma'), '--home', site.home]);
                assert.equal(doc.deleted, true, `${site.name}: get --json shows deleted`);
                assert.equal(doc.rev, 2);
            }
            // the other gamma document is untouched
            assert.equal((await n.alpha.served.op('get', { id: M('gamma') })).deleted, false);
            await waitAt(n.alpha, `${D('lamda')} rev 2 with its new data`, d => has(d, D('lamda'), { rev: 2, deleted: false, local: true }));
            const doc = await n.alpha.served.op('get', { id: D('lamda') });
            assert.equal(doc.data.size, newData.byteLength);
            assert.ok((await metaOut(n.alpha, D('lamda'))).equals(newMeta), 'alpha has the revised metadata');
            assert.ok((await dataOut(n.alpha, D('lamda'), false)).equals(newData), 'alpha has the revised data file');
            // and none of it went to gamma
            const atGamma = (await docsAt(n.gamma));
            assert.equal(atGamma.get(D('lamda')), undefined);
            assert.equal(atGamma.get(D('gamma'))?.deleted, true);
        });
    });
    describe('a put while not serving', function () {
        beforeEach(async function () {
            tmp = await mkdtemp(join(tmpdir(), 'quire-repl-'));
        });
        afterEach(async function () {
            await cleanupAll();
            await rm(tmp, { recursive: true, force: true });
        });
        it('a document put while its node was not serving reaches its partner once the node starts', async function () {
            const [src, dst] = await Promise.all([initNode('offline-src', ip()), initNode('offline-dst', ip())]);
            await Promise.all([
                quireOk(['peer', 'add', dst.addr, '--replicate', '--datareplicate', '--home', src.home]),
                quireOk(['peer', 'add', src.addr, '--home', dst.home])
            ]);
            // put at src with no node running: the CLI commits to the store directly
            const data = randomBytes(DATA_BYTES);
            const meta = Buffer.from('<eml><title>put offline</title></eml>');
            const [mFile, dFile] = await Promise.all([writeTmp('off-m', meta), writeTmp('off-d', data)]);
            const [dstServed, put] = await Promise.all([
                startServe(dst.home),
                quireOk(['put', 'offline.doc', '--meta', mFile, '--data', dFile, '--home', src.home])
            ]);
            assert.deepEqual(put, { id: 'offline.doc', rev: 1, home: src.peerId });
            const dstNode = { ...dst, idAddr: dst.addr, served: dstServed };
            assert.equal((await docsAt(dstNode)).get('offline.doc'), undefined, 'nothing can have arrived while src was not serving');
            await startServe(src.home);
            await waitAt(dstNode, 'the offline put, with data', d => has(d, 'offline.doc', { rev: 1, home: src.peerId, local: true }));
            assert.ok((await dataOut(dstNode, 'offline.doc')).equals(data));
            assert.ok((await metaOut(dstNode, 'offline.doc')).equals(meta));
        });
    });
});
//# sourceMappingURL=replication.spec.js.map