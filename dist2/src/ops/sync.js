import { parsePeerId } from '../model/peer-input.js';
import { InputError, UnreachableError } from '../errors.js';
import { reporter } from '../progress.js';
/**
 * `quire sync`: a delta-T pass now, against every connected partner or one. `--full` ("force
 * replicate") pulls the partner's whole inventory (ignoring the cursor) and offers it ours again
 * (our push cursor for it goes back to 0), both under the usual rules.
 */
export const sync = {
    offline: false,
    async run(ctx, args) {
        const node = ctx.node;
        if (node == null)
            throw new UnreachableError('sync needs a running node', 'node-not-running');
        const peerId = args.peer != null ? parsePeerId(args.peer) : undefined;
        if (peerId != null) {
            ctx.site.peers.require(peerId);
            if (!node.links.isConnected(peerId))
                throw new UnreachableError(`partner ${peerId} is not connected`, 'partner-unreachable');
        }
        if (args.full != null && typeof args.full !== 'boolean')
            throw new InputError('"full" must be true or false');
        const wantsBefore = (await ctx.site.docs.wants()).length;
        if (args.full === true) {
            for (const row of ctx.site.peers.list()) {
                if ((peerId == null || row.peerId === peerId) && row.replicate) {
                    await ctx.site.docs.setPushCursor(row.peerId, 0);
                    node.pusher.kick(row.peerId);
                }
            }
        }
        const progress = reporter(ctx.onProgress, args.full === true ? 'full sync: documents received' : 'sync: documents received', null, 'documents');
        const passes = await node.puller.passAll({ peerId, full: args.full === true, onBatch: n => progress.add(n) });
        progress.end();
        // a full pass is the moment to make the store's own counts exact again (a store that lost records)
        if (args.full === true)
            await ctx.site.docs.recount();
        const filesQueued = Math.max(0, (await ctx.site.docs.wants()).length - wantsBefore);
        return { partners: passes.map(p => ({ ...p, filesQueued })) };
    }
};
//# sourceMappingURL=sync.js.map