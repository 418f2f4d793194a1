import { lookup } from 'node:dns/promises';
import { CODE_P2P, multiaddr } from '@multiformats/multiaddr';
/**
 * The closed network. Only peers in the table may connect, in either direction. The first point
 * where the remote's identity is proven is right after the Noise handshake, before the muxer, so
 * the encrypted-connection hooks are what enforce it: a stranger never gets a muxed connection,
 * so none of our protocol handlers can run for it. `denyDialPeer` saves a dial we would refuse anyway.
 * Dials go only to the addresses in the table: identify teaches libp2p the addresses a partner
 * listens on, and a stream opened while no connection is up would otherwise dial one of those —
 * around the route (tunnel, proxy, firewall opening) the operator chose.
 * The policy is read live on every call, so table edits apply to the next connection at once.
 */
export function allowlistGater(policy, stats) {
    const strangerIn = (peer) => {
        const deny = !policy.isListed(peer.toString());
        if (deny)
            stats.deniedInbound++;
        return deny;
    };
    const strangerOut = (peer) => {
        const deny = !policy.isListed(peer.toString());
        if (deny)
            stats.deniedOutbound++;
        return deny;
    };
    return {
        denyDialPeer: (peer) => !policy.isListed(peer.toString()) || policy.dialAddrs(peer.toString()).length === 0,
        denyDialMultiaddr: async (ma) => {
            const peer = ma.getComponents().find(c => c.name === 'p2p')?.value;
            if (peer == null)
                return false; // no identity to check yet: the encrypted-connection hooks will
            return !(await isTableAddress(ma.decapsulateCode(CODE_P2P), policy.dialAddrs(peer)));
        },
        denyInboundEncryptedConnection: strangerIn,
        denyOutboundEncryptedConnection: strangerOut,
        // belt and braces: a row removed during the upgrade must not slip through
        denyInboundUpgradedConnection: (peer) => !policy.isListed(peer.toString()),
        denyOutboundUpgradedConnection: (peer) => !policy.isListed(peer.toString())
    };
}
/**
 * Is `addr` (no `/p2p/`) one of the table's addresses? libp2p resolves a `/dns…/` address before it
 * asks, so an address given by name matches the IPs that name resolves to now, on the same port.
 */
async function isTableAddress(addr, table) {
    const text = addr.toString();
    if (table.includes(text))
        return true;
    const [host, port] = addr.getComponents();
    for (const entry of table) {
        const [name, namePort] = multiaddr(entry).getComponents();
        if (!name.name.startsWith('dns') || namePort?.value !== port?.value || name.value == null)
            continue;
        const family = name.name === 'dns4' ? 4 : name.name === 'dns6' ? 6 : 0;
        const ips = await lookup(name.value, { all: true, family }).catch(() => []);
        if (ips.some(ip => ip.address === host?.value))
            return true;
    }
    return false;
}
//# sourceMappingURL=gater.js.map