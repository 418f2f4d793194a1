/**
 * The sending rules (BRIEF "Sending"), table-driven from the worked example (BRIEF "Worked
 * example", Metacat seed 004). Every expected outcome is derived here from the rules as the BRIEF
 * states them, independently of src/model/sending-policy.ts, and the worked example's end result
 * ("what reached where") is checked by running the rules to a fixed point over the three sites.
 */
import assert from 'node:assert/strict';
import { mayServeData, sendDecision } from '../../src/model/sending-policy.js';
import { newPeerRow } from '../../src/model/peer-row.js';
const SITES = ['gamma', 'alpha', 'lamda'];
/** a home outside the three sites (a document relayed into the example from elsewhere) */
const OUTSIDER = 'omega';
/** The worked example, as the BRIEF's table writes it: "replicate datareplicate hub". */
const TABLE = {
    gamma: { alpha: '0 0 0', lamda: '1 1 0' },
    alpha: { gamma: '0 1 0', lamda: '1 0 0' },
    lamda: { gamma: '0 0 0', alpha: '1 1 1' }
};
function flagsOf(sender, partner) {
    const text = TABLE[sender][partner];
    assert.ok(text != null, `no row ${sender}→${partner}`);
    const [r, d, h] = text.split(' ').map(x => x === '1');
    return { replicate: r, datareplicate: d, hub: h };
}
function rowOf(sender, partner) {
    return { ...newPeerRow(partner), addrs: [`/ip4/127.0.0.1/tcp/1`], ...flagsOf(sender, partner) };
}
/**
 * What the BRIEF says `sender` sends `partner` of a document, as a list of reasons it must not
 * (empty = metadata goes; data too if datareplicate).
 */
function reasonsNotToSend(sender, partner, f, doc) {
    const why = [];
    if (!f.replicate)
        why.push('no replicate: nothing is sent (datareplicate and hub mean nothing without it)');
    if (doc.home === partner)
        why.push('never to its own home');
    if (doc.receivedFrom != null && doc.receivedFrom === partner)
        why.push('never back to the partner it came from');
    if (doc.home !== sender && !f.hub)
        why.push('homed elsewhere: only through a hub row');
    return why;
}
function expectedSend(sender, partner, f, doc) {
    const meta = reasonsNotToSend(sender, partner, f, doc).length === 0;
    return { meta, data: meta && f.datareplicate };
}
const HOMES = [...SITES, OUTSIDER];
const RECEIVED_FROM = [undefined, null, ...SITES, OUTSIDER];
describe('sending policy (src/model/sending-policy.ts) on the worked example', function () {
    it('the table rows parse as the BRIEF writes them', function () {
        assert.deepEqual(flagsOf('gamma', 'lamda'), { replicate: true, datareplicate: true, hub: false });
        assert.deepEqual(flagsOf('lamda', 'alpha'), { replicate: true, datareplicate: true, hub: true });
        assert.deepEqual(flagsOf('alpha', 'gamma'), { replicate: false, datareplicate: true, hub: false });
    });
    for (const sender of SITES) {
        for (const partner of SITES) {
            if (partner === sender)
                continue;
            const f = flagsOf(sender, partner);
            it(`${sender} → ${partner} (${TABLE[sender][partner]}): every home × receivedFrom follows the rules`, function () {
                const row = rowOf(sender, partner);
                let checked = 0;
                for (const home of HOMES) {
                    for (const receivedFrom of RECEIVED_FROM) {
                        // a document homed here was committed here: it has no receivedFrom
                        if (home === sender && receivedFrom != null)
                            continue;
                        // nobody relays a document to its own home
                        if (receivedFrom === sender)
                            continue;
                        const doc = receivedFrom === undefined ? { home } : { home, receivedFrom };
                        const got = sendDecision(sender, row, doc);
                        const want = expectedSend(sender, partner, f, doc);
                        assert.deepEqual({ meta: got.meta, data: got.data }, want, `${sender}→${partner} doc home=${home} receivedFrom=${String(receivedFrom)}: ${reasonsNotToSend(sender, partner, f, doc).join('; ') || 'should be sent'}`);
                        checked++;
                    }
                }
                assert.ok(checked >= 15, `only ${checked} cases`);
            });
        }
    }
    it('sends nothing to a peer it has no row for, whatever the document', function () {
        for (const sender of SITES) {
            for (const home of HOMES) {
                assert.deepEqual({ ...sendDecision(sender, undefined, { home }) }, { meta: false, data: false }, `${sender}, home ${home}`);
            }
        }
    });
    it('the worked example, spelled out: the cases the BRIEF names', function () {
        const send = (s, p, home, receivedFrom = null) => {
            const d = sendDecision(s, rowOf(s, p), { home, receivedFrom });
            return d.meta ? (d.data ? 'meta+data' : 'meta') : 'nothing';
        };
        assert.equal(send('gamma', 'lamda', 'gamma'), 'meta+data', 'gamma sends its own documents to lamda with data');
        assert.equal(send('gamma', 'alpha', 'gamma'), 'nothing', 'gamma sends nothing to alpha');
        assert.equal(send('lamda', 'alpha', 'gamma', 'gamma'), 'meta+data', 'lamda passes gamma\'s documents on to alpha (hub row)');
        assert.equal(send('lamda', 'alpha', 'lamda'), 'meta+data', 'lamda sends its own documents to alpha with data');
        assert.equal(send('lamda', 'alpha', 'alpha', 'alpha'), 'nothing', 'lamda does not send alpha\'s documents back to alpha');
        assert.equal(send('alpha', 'lamda', 'alpha'), 'meta', 'alpha sends its own documents to lamda as metadata only');
        assert.equal(send('alpha', 'gamma', 'alpha'), 'nothing', 'alpha does not replicate to gamma (datareplicate without replicate)');
        assert.equal(send('lamda', 'gamma', 'lamda'), 'nothing', 'lamda sends nothing to gamma');
        assert.equal(send('lamda', 'gamma', 'gamma', 'gamma'), 'nothing');
        assert.equal(send('alpha', 'lamda', 'gamma', 'lamda'), 'nothing', 'alpha is no hub, and would not send back to lamda anyway');
    });
    it('run to a fixed point over the three sites, reproduces "what reached where"', function () {
        const state = new Map(SITES.map(s => [s, new Map([[s, { data: true, receivedFrom: null }]])]));
        for (let round = 0, changed = true; changed; round++) {
            assert.ok(round < 20, 'no fixed point after 20 rounds');
            changed = false;
            for (const s of SITES) {
                for (const [home, held] of state.get(s)) {
                    for (const p of SITES) {
                        if (p === s)
                            continue;
                        const d = sendDecision(s, rowOf(s, p), { home, receivedFrom: held.receivedFrom });
                        if (!d.meta)
                            continue;
                        const target = state.get(p);
                        const has = target.get(home);
                        // data is offered only if the sender holds it (a hub without the file offers none)
                        const data = d.data && held.data;
                        if (has == null) {
                            target.set(home, { data, receivedFrom: s });
                            changed = true;
                        }
                        else if (!has.data && data && home !== p) {
                            has.data = true;
                            changed = true;
                        }
                    }
                }
            }
        }
        const view = (s) => Object.fromEntries([...state.get(s)].filter(([h]) => h !== s).map(([h, v]) => [h, v.data ? 'data' : 'meta']));
        assert.deepEqual(view('gamma'), {}, 'nothing reaches gamma');
        assert.deepEqual(view('lamda'), { gamma: 'data', alpha: 'meta' }, 'lamda: gamma\'s with data, alpha\'s metadata only');
        assert.deepEqual(view('alpha'), { gamma: 'data', lamda: 'data' }, 'alpha: gamma\'s (through lamda) and lamda\'s, with data');
    });
});
describe('mayServeData (src/model/sending-policy.ts)', function () {
    // documents a sender can hold; none homed at or received from the partner asked about (see below)
    const docsFor = (sender, partner) => {
        const others = HOMES.filter(h => h !== sender && h !== partner);
        const relayedFrom = SITES.find(x => x !== sender && x !== partner);
        return [
            { label: 'no documents', docs: [] },
            { label: 'one homed here', docs: [{ home: sender, receivedFrom: null }] },
            { label: 'one homed elsewhere', docs: [{ home: others[0], receivedFrom: relayedFrom }] },
            { label: 'two homed elsewhere', docs: others.map(h => ({ home: h, receivedFrom: relayedFrom })) },
            { label: 'one here and one elsewhere', docs: [{ home: others[0], receivedFrom: relayedFrom }, { home: sender, receivedFrom: null }] }
        ];
    };
    for (const sender of SITES) {
        for (const partner of SITES) {
            if (partner === sender)
                continue;
            it(`${sender} serves ${partner} (${TABLE[sender][partner]}) a file only if some document naming it would be sent with data`, function () {
                const f = flagsOf(sender, partner);
                const row = rowOf(sender, partner);
                for (const { label, docs } of docsFor(sender, partner)) {
                    const want = docs.some(d => expectedSend(sender, partner, f, d).data);
                    assert.equal(mayServeData(sender, row, docs), want, `${label}: ${JSON.stringify(docs)}`);
                }
            });
        }
    }
    it('serves nothing to an unlisted peer', function () {
        assert.equal(mayServeData('lamda', undefined, [{ home: 'lamda', receivedFrom: null }]), false);
    });
    it('datareplicate or hub without replicate serve nothing', function () {
        const row = { ...newPeerRow('x'), replicate: false, datareplicate: true, hub: true };
        assert.equal(mayServeData('lamda', row, [{ home: 'lamda', receivedFrom: null }, { home: 'gamma', receivedFrom: 'gamma' }]), false);
    });
});
//# sourceMappingURL=sending-policy.spec.js.map