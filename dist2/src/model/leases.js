/**
 * DEV DOCS — leases on documents homed here (protocols/lock.md).
 *
 * Only a document's home grants the right to change it. A lease names the document, the revision
 * it was granted at (baseRev), the holder (a peer ID; this node itself for local updates), a
 * random token and an expiry on the monotonic clock, so wall-clock jumps neither extend nor cut it.
 * At most one live lease per document; at most `maxPerHolder` live leases per holder. A commit is
 * accepted only with the live lease's token, from its holder, before it expires (fencing: a stale
 * or foreign token is refused). Committed tokens are remembered for a while, so a retried commit
 * whose reply was lost gets the same answer instead of a second revision.
 * State is in memory: a restart of the home drops every lease, which only makes holders retry.
 */
import { randomBytes } from 'node:crypto';
export const DEFAULT_LEASE_MS = 30_000;
export const MAX_LEASE_MS = 120_000;
export const MIN_LEASE_MS = 1_000;
export const MAX_LEASES_PER_HOLDER = 16;
/** Committed tokens remembered for idempotent retries. */
export const COMMITTED_MEMORY = 4096;
export class Leases {
    live = new Map();
    committed = new Map();
    maxPerHolder;
    now;
    constructor(opts = {}) {
        this.maxPerHolder = opts.maxPerHolder ?? MAX_LEASES_PER_HOLDER;
        this.now = opts.now ?? (() => performance.now());
    }
    sweep() {
        const t = this.now();
        for (const [id, l] of this.live)
            if (l.expiresAt <= t)
                this.live.delete(id);
    }
    /** `exempt`: no per-holder quota (the home's own updates: the quota guards against partners). */
    acquire(id, holder, baseRev, currentRev, ttlMs = DEFAULT_LEASE_MS, exempt = false) {
        this.sweep();
        const held = this.live.get(id);
        if (held != null)
            return { status: 'locked', holder: held.holder, remainingMs: Math.max(0, Math.ceil(held.expiresAt - this.now())) };
        if (baseRev !== currentRev)
            return { status: 'outdated', currentRev };
        let mine = 0;
        for (const l of this.live.values())
            if (l.holder === holder)
                mine++;
        if (!exempt && mine >= this.maxPerHolder)
            return { status: 'quota' };
        const ttl = Math.min(MAX_LEASE_MS, Math.max(MIN_LEASE_MS, ttlMs > 0 ? ttlMs : DEFAULT_LEASE_MS));
        const lease = { id, holder, baseRev, token: randomBytes(16).toString('hex'), ttlMs: ttl, expiresAt: this.now() + ttl, grantedAt: new Date().toISOString() };
        this.live.set(id, lease);
        return { status: 'granted', lease };
    }
    /** The live lease for `id` if `token` and `holder` match it, else null. */
    check(id, token, holder) {
        this.sweep();
        const l = this.live.get(id);
        return l != null && l.token === token && l.holder === holder ? l : null;
    }
    /** Progress on a long commit (a data upload) keeps the lease alive, up to its full length again. */
    renew(lease) {
        const t = this.now();
        // an expired lease stays expired: another holder may be granted the document any moment now
        if (this.live.get(lease.id) === lease && lease.expiresAt > t)
            lease.expiresAt = Math.max(lease.expiresAt, t + lease.ttlMs);
    }
    release(id, token) {
        const l = this.live.get(id);
        if (l == null || l.token !== token)
            return false;
        this.live.delete(id);
        return true;
    }
    /** The operator's override: drop a lease whoever holds it. */
    break(id) {
        const l = this.live.get(id) ?? null;
        this.live.delete(id);
        return l;
    }
    list() {
        this.sweep();
        const t = this.now();
        return [...this.live.values()].map(l => ({ ...l, remainingMs: Math.max(0, Math.ceil(l.expiresAt - t)) }));
    }
    rememberCommit(token, result) {
        this.committed.set(token, result);
        if (this.committed.size > COMMITTED_MEMORY)
            this.committed.delete(this.committed.keys().next().value);
    }
    committedResult(token) {
        return this.committed.get(token);
    }
}
//# sourceMappingURL=leases.js.map