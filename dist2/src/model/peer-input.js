import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { InputError } from '../errors.js';
/** A peer ID string that parses and is Ed25519 (the only kind whose key is in the ID itself). */
export function parsePeerId(text, self) {
    let id;
    try {
        id = peerIdFromString(text);
    }
    catch (err) {
        throw new InputError(`invalid peer ID "${text}": ${err.message}`, 'invalid-peer-id');
    }
    if (id.type !== 'Ed25519')
        throw new InputError(`peer ID "${text}" is ${id.type}; Quire partners must have Ed25519 identities`, 'invalid-peer-id');
    const canonical = id.toString();
    if (self != null && canonical === self)
        throw new InputError(`"${text}" is this node's own peer ID`, 'self-peer');
    return canonical;
}
/**
 * A partner address: a TCP multiaddr, optionally ending in `/p2p/<peer>`. Returns the address
 * without `/p2p/` and the peer it names, if any.
 */
export function parsePeerAddr(text) {
    let ma;
    try {
        ma = multiaddr(text);
    }
    catch (err) {
        throw new InputError(`invalid multiaddr "${text}": ${err.message}`, 'invalid-multiaddr');
    }
    const components = ma.getComponents();
    const p2p = components.filter(c => c.name === 'p2p');
    if (p2p.length > 1)
        throw new InputError(`multiaddr "${text}" names more than one peer`, 'invalid-multiaddr');
    if (p2p.length > 0 && components[components.length - 1].name !== 'p2p')
        throw new InputError(`multiaddr "${text}": /p2p/ must come last`, 'invalid-multiaddr');
    // a partner is dialled over plain TCP: a host part, then /tcp/PORT, nothing else
    const transport = components.filter(c => c.name !== 'p2p').map(c => c.name);
    if (transport.length !== 2 || !HOST_PARTS.has(transport[0]) || transport[1] !== 'tcp') {
        throw new InputError(`multiaddr "${text}" is not /ip4|ip6|dns|dns4|dns6/HOST/tcp/PORT[/p2p/PEER]: Quire dials partners over TCP`, 'invalid-multiaddr');
    }
    const bare = p2p.length > 0 ? ma.decapsulateCode(P2P_CODE).toString() : ma.toString();
    const peer = p2p[0]?.value;
    return peer == null ? { addr: bare } : { addr: bare, peerId: parsePeerId(peer) };
}
const HOST_PARTS = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6']);
const P2P_CODE = 421;
/**
 * `--addr` values for PEER_ID: each must be a TCP multiaddr; a `/p2p/` part must name that peer.
 */
export function parseAddrsFor(peerId, addrs) {
    const out = [];
    for (const text of addrs) {
        const { addr, peerId: named } = parsePeerAddr(text);
        if (named != null && named !== peerId)
            throw new InputError(`address "${text}" names peer ${named}, not ${peerId}`, 'addr-peer-mismatch');
        if (!out.includes(addr))
            out.push(addr);
    }
    return out;
}
//# sourceMappingURL=peer-input.js.map