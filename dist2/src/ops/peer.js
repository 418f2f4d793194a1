import { flagsWithoutEffect, newPeerRow } from '../model/peer-row.js';
import { parseAddrsFor, parsePeerAddr, parsePeerId } from '../model/peer-input.js';
import { parseNamespaceList } from '../model/doc-id.js';
import { InputError } from '../errors.js';
export async function viewOf(ctx, row) {
    return {
        ...row,
        connected: ctx.node?.links.isConnected(row.peerId) ?? false,
        lastChecked: (await ctx.site.cursors.pull(row.peerId)).lastChecked,
        noEffect: flagsWithoutEffect(row)
    };
}
function applyFlags(row, args) {
    for (const flag of ['replicate', 'datareplicate', 'hub', 'updates']) {
        const v = args[flag];
        if (v != null) {
            if (typeof v !== 'boolean')
                throw new InputError(`"${flag}" must be true or false`);
            row[flag] = v;
        }
    }
    if (args.namespaces != null)
        row.namespaces = parseNamespaceList(String(args.namespaces));
    return row;
}
/** The peer a `peer add` target names, and the address it carries if it is a multiaddr. */
function parseTarget(target, self) {
    if (typeof target !== 'string' || target.length === 0)
        throw new InputError('peer add needs a peer ID or a /…/p2p/<peer ID> address');
    if (!target.startsWith('/'))
        return { peerId: parsePeerId(target, self), addrs: [] };
    const { addr, peerId } = parsePeerAddr(target);
    if (peerId == null)
        throw new InputError(`address "${target}" does not end in /p2p/<peer ID>: give the peer ID too`, 'invalid-multiaddr');
    return { peerId: parsePeerId(peerId, self), addrs: [addr] };
}
export const peerAdd = {
    offline: true,
    async run(ctx, args) {
        const { peerId, addrs } = parseTarget(args.target, ctx.site.peerId);
        const row = newPeerRow(peerId);
        row.addrs = parseAddrsFor(peerId, [...addrs, ...(args.addrs ?? [])]);
        applyFlags(row, args);
        return await viewOf(ctx, await ctx.site.peers.add(row));
    }
};
export const peerSet = {
    offline: true,
    async run(ctx, args) {
        const peerId = parsePeerId(String(args.peerId ?? ''), ctx.site.peerId);
        if (args.clearAddrs === true && (args.addrs?.length ?? 0) > 0)
            throw new InputError('--addr and --accept-only together: choose one');
        const addrs = args.addrs != null && args.addrs.length > 0 ? parseAddrsFor(peerId, args.addrs) : undefined;
        const row = await ctx.site.peers.update(peerId, row => {
            if (addrs != null)
                row.addrs = addrs;
            if (args.clearAddrs === true)
                row.addrs = [];
            return applyFlags(row, args);
        });
        return await viewOf(ctx, row);
    }
};
export const peerRm = {
    offline: true,
    async run(ctx, args) {
        const peerId = parsePeerId(String(args.peerId ?? ''));
        await ctx.site.peers.remove(peerId);
        await ctx.site.cursors.dropPull(peerId);
        return { removed: peerId };
    }
};
export const peerLs = {
    offline: true,
    async run(ctx) {
        return await Promise.all(ctx.site.peers.list().map(async (row) => await viewOf(ctx, row)));
    }
};
//# sourceMappingURL=peer.js.map