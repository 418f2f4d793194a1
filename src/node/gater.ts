import type { ConnectionGater, PeerId } from '@libp2p/interface'

/** Counters an operator (and the failure tests) can read to see the gate working. */
export interface GateStats {
  deniedInbound: number
  deniedOutbound: number
}

export interface AllowlistPolicy {
  /** may this peer hold a connection with us at all? */
  isListed: (peerId: string) => boolean
  /** may we dial it? (accept-only rows are never dialled) */
  mayDial: (peerId: string) => boolean
}

/**
 * The closed network. Only peers in the table may connect, in either direction. The first point
 * where the remote's identity is proven is right after the Noise handshake, before the muxer, so
 * the encrypted-connection hooks are what enforce it: a stranger never gets a muxed connection,
 * so none of our protocol handlers can run for it. `denyDialPeer` saves a dial we would refuse anyway.
 * The policy is read live on every call, so table edits apply to the next connection at once.
 */
export function allowlistGater (policy: AllowlistPolicy, stats: GateStats): ConnectionGater {
  const strangerIn = (peer: PeerId): boolean => {
    const deny = !policy.isListed(peer.toString())
    if (deny) stats.deniedInbound++
    return deny
  }
  const strangerOut = (peer: PeerId): boolean => {
    const deny = !policy.isListed(peer.toString())
    if (deny) stats.deniedOutbound++
    return deny
  }
  return {
    denyDialPeer: (peer) => !policy.isListed(peer.toString()) || !policy.mayDial(peer.toString()),
    denyInboundEncryptedConnection: strangerIn,
    denyOutboundEncryptedConnection: strangerOut,
    // belt and braces: a row removed during the upgrade must not slip through
    denyInboundUpgradedConnection: (peer) => !policy.isListed(peer.toString()),
    denyOutboundUpgradedConnection: (peer) => !policy.isListed(peer.toString())
  }
}
