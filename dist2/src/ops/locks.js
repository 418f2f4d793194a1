import { parseDocId } from '../model/doc-id.js';
import { NotFoundError, UnreachableError } from '../errors.js';
/** `quire lock ls`: the leases this node, as home, has granted and that are still live. */
export const lockLs = {
    offline: false,
    async run(ctx) {
        if (ctx.node == null)
            throw new UnreachableError('leases live in the running node', 'node-not-running');
        return ctx.node.lockServer.leases.list().map(l => ({ id: l.id, holder: l.holder, baseRev: l.baseRev, grantedAt: l.grantedAt, remainingMs: l.remainingMs }));
    }
};
/** `quire lock break DOC_ID`: the home's operator drops a lease; its holder's commit will be refused. */
export const lockBreak = {
    offline: false,
    async run(ctx, args) {
        if (ctx.node == null)
            throw new UnreachableError('leases live in the running node', 'node-not-running');
        const id = parseDocId(args.id);
        const lease = ctx.node.lockServer.leases.break(id);
        if (lease == null)
            throw new NotFoundError(`no live lease on ${id}`, 'no-lease');
        return { id, holder: lease.holder };
    }
};
//# sourceMappingURL=locks.js.map