/**
 * What this node accepts, decided by the receiver alone (BRIEF "Accepting"). Its own row flags for
 * the sender play no part: they govern only what it sends. Pure: the caller verifies the record's
 * signature and metadata first (model/record.ts) and passes what it holds for that id.
 */
import { namespaceOf } from './doc-id.js';
export const REJECT_REASONS = ['not-listed', 'bad-record', 'bad-signature', 'meta-mismatch', 'namespace', 'own-home', 'home-mismatch', 'older', 'fork'];
export function acceptDecision(ctx, inc) {
    const reject = (reason) => ({ verdict: 'reject', reason });
    if (ctx.fromRow == null)
        return reject('not-listed');
    const subs = ctx.fromRow.namespaces;
    if (subs.length > 0 && !subs.includes(namespaceOf(inc.id)))
        return reject('namespace');
    if (inc.home === ctx.self && !ctx.recovering)
        return reject('own-home');
    const held = ctx.held;
    if (held == null)
        return { verdict: 'store' };
    if (held.home !== inc.home)
        return reject('home-mismatch');
    if (inc.rev < held.rev)
        return reject('older');
    if (inc.rev === held.rev)
        return held.recordCid === inc.recordCid ? { verdict: 'duplicate' } : reject('fork');
    return { verdict: 'store' };
}
//# sourceMappingURL=accept-policy.js.map