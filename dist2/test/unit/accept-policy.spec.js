/**
 * The accept rules (BRIEF "Accepting"), decided by the receiver alone: src/model/accept-policy.ts.
 */
import assert from 'node:assert/strict';
import { acceptDecision, REJECT_REASONS } from '../../src/model/accept-policy.js';
import { newPeerRow } from '../../src/model/peer-row.js';
const SELF = 'self-peer';
const SENDER = 'sender-peer';
const OTHER_HOME = 'other-home';
function row(patch = {}) {
    return { ...newPeerRow(SENDER), ...patch };
}
function ctx(patch = {}) {
    return { self: SELF, fromRow: row(), recovering: false, held: undefined, ...patch };
}
function inc(patch = {}) {
    return { id: 'mdi.doc1', rev: 1, home: SENDER, recordCid: 'cid-A', ...patch };
}
const held = (patch = {}) => ({ rev: 3, home: SENDER, recordCid: 'cid-held', ...patch });
const verdictOf = (c, i) => {
    const d = acceptDecision(c, i);
    return d.verdict === 'reject' ? `reject:${d.reason}` : d.verdict;
};
describe('accept policy (src/model/accept-policy.ts)', function () {
    it('lists every reason it can give, with stable names', function () {
        assert.deepEqual([...REJECT_REASONS].sort(), ['bad-record', 'bad-signature', 'fork', 'home-mismatch', 'meta-mismatch', 'namespace', 'not-listed', 'older', 'own-home']);
    });
    it('stores a new document from a listed sender, whatever our row\'s flags for it', function () {
        for (const flags of [{}, { replicate: true }, { replicate: true, datareplicate: true, hub: true }, { updates: false }]) {
            assert.equal(verdictOf(ctx({ fromRow: row(flags) }), inc()), 'store', JSON.stringify(flags));
        }
    });
    it('stores a document homed at a third peer that the sender relays (hubs)', function () {
        assert.equal(verdictOf(ctx(), inc({ home: OTHER_HOME })), 'store');
    });
    it('refuses everything from an unlisted sender, before any other rule', function () {
        assert.equal(verdictOf(ctx({ fromRow: undefined }), inc()), 'reject:not-listed');
        assert.equal(verdictOf(ctx({ fromRow: undefined, held: held() }), inc({ rev: 1 })), 'reject:not-listed');
        assert.equal(verdictOf(ctx({ fromRow: undefined, recovering: true }), inc({ home: SELF })), 'reject:not-listed');
    });
    describe('namespace subscriptions', function () {
        const cases = [
            { subs: [], id: 'mdi.x', ok: true },
            { subs: [], id: 'plain', ok: true },
            { subs: ['mdi'], id: 'mdi.x', ok: true },
            { subs: ['mdi'], id: 'mdi.x.y', ok: true },
            { subs: ['mdi'], id: 'hmi.x', ok: false },
            { subs: ['mdi'], id: 'mdix.y', ok: false },
            { subs: ['mdi'], id: 'md.i', ok: false },
            { subs: ['mdi'], id: 'mdi', ok: false }, // no dot: no namespace
            { subs: ['mdi', 'hmi'], id: 'hmi.x', ok: true },
            { subs: ['-'], id: 'plain', ok: true },
            { subs: ['-'], id: 'mdi.x', ok: false },
            { subs: ['mdi', '-'], id: 'plain_id-2', ok: true },
            { subs: ['mdi', '-'], id: 'mdi.x', ok: true },
            { subs: ['mdi', '-'], id: 'aia.x', ok: false }
        ];
        for (const c of cases) {
            it(`${JSON.stringify(c.subs)} ${c.ok ? 'accepts' : 'refuses'} ${c.id}`, function () {
                assert.equal(verdictOf(ctx({ fromRow: row({ namespaces: c.subs }) }), inc({ id: c.id })), c.ok ? 'store' : 'reject:namespace');
            });
        }
    });
    it('refuses a document homed here unless recovering, and then only if newer', function () {
        assert.equal(verdictOf(ctx(), inc({ home: SELF })), 'reject:own-home');
        assert.equal(verdictOf(ctx({ held: held({ home: SELF, rev: 1 }) }), inc({ home: SELF, rev: 5 })), 'reject:own-home');
        assert.equal(verdictOf(ctx({ recovering: true }), inc({ home: SELF })), 'store');
        assert.equal(verdictOf(ctx({ recovering: true, held: held({ home: SELF, rev: 2 }) }), inc({ home: SELF, rev: 3 })), 'store');
        assert.equal(verdictOf(ctx({ recovering: true, held: held({ home: SELF, rev: 2 }) }), inc({ home: SELF, rev: 1 })), 'reject:older');
        // recovering does not let someone else's document in under our name, nor ours under another
        assert.equal(verdictOf(ctx({ recovering: true, held: held({ home: SELF, rev: 1 }) }), inc({ home: SENDER, rev: 2 })), 'reject:home-mismatch');
    });
    it('refuses a home other than the one it holds for that id, whatever the revision', function () {
        for (const rev of [1, 3, 4, 100]) {
            assert.equal(verdictOf(ctx({ held: held({ home: OTHER_HOME, rev: 3 }) }), inc({ home: SENDER, rev })), 'reject:home-mismatch', `rev ${rev}`);
        }
        // held as our own, claimed by another home
        assert.equal(verdictOf(ctx({ held: held({ home: SELF, rev: 1 }) }), inc({ home: SENDER, rev: 2 })), 'reject:home-mismatch');
    });
    it('refuses an older revision', function () {
        assert.equal(verdictOf(ctx({ held: held({ rev: 3 }) }), inc({ rev: 2 })), 'reject:older');
        assert.equal(verdictOf(ctx({ held: held({ rev: 3 }) }), inc({ rev: 1, recordCid: 'cid-held' })), 'reject:older');
    });
    it('the same revision with the same record is a duplicate; with another record, a fork', function () {
        assert.equal(verdictOf(ctx({ held: held({ rev: 3, recordCid: 'cid-X' }) }), inc({ rev: 3, recordCid: 'cid-X' })), 'duplicate');
        assert.equal(verdictOf(ctx({ held: held({ rev: 3, recordCid: 'cid-X' }) }), inc({ rev: 3, recordCid: 'cid-Y' })), 'reject:fork');
    });
    it('stores a newer revision', function () {
        assert.equal(verdictOf(ctx({ held: held({ rev: 3 }) }), inc({ rev: 4 })), 'store');
        assert.equal(verdictOf(ctx({ held: held({ rev: 3 }) }), inc({ rev: 40 })), 'store');
        assert.equal(verdictOf(ctx({ held: held({ rev: 1, home: OTHER_HOME }) }), inc({ rev: 2, home: OTHER_HOME })), 'store');
    });
});
//# sourceMappingURL=accept-policy.spec.js.map