import { parseDocId } from '../model/doc-id.js';
import { InputError, UnreachableError } from '../errors.js';
/**
 * `quire repair DOC_ID --from PEER` / `quire repair --all --from PEER`: fetch a good copy from the
 * named partner, verify, replace, re-audit. Fails closed: a bad or missing partner copy replaces
 * nothing and the item stays flagged.
 */
export const repair = {
    offline: false,
    async run(ctx, args) {
        if (ctx.node == null)
            throw new UnreachableError('repair needs a running node', 'node-not-running');
        if (typeof args.from !== 'string' || args.from === '')
            throw new InputError('repair needs --from PEER_ID', 'usage');
        if (args.all === true) {
            if (args.id != null)
                throw new InputError('give DOC_ID or --all, not both', 'usage');
            return await ctx.node.repairer.repairAll(args.from, ctx.onProgress);
        }
        return await ctx.node.repairer.repair(parseDocId(args.id), args.from, ctx.onProgress);
    }
};
//# sourceMappingURL=repair.js.map