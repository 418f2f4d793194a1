import { lookup } from 'node:dns/promises'
import type { ConnectionGater, MultiaddrConnection, PeerId } from '@libp2p/interface'
import { CODE_P2P, multiaddr, type Multiaddr } from '@multiformats/multiaddr'

/** Counters an operator (and the failure tests) can read to see the gate working. */
export interface GateStats {
  deniedInbound: number
  deniedOutbound: number
  /** raw inbound connections refused because their host already had MAX_PENDING_INBOUND_PER_HOST handshakes open */
  deniedPending?: number
}

/**
 * Inbound connections still in their handshake, per remote host. libp2p caps them only in all
 * (maxIncomingPendingConnections, create-libp2p.ts), so one host that opens connections and
 * never finishes the handshake (a slowloris, battery S2) would take every slot and lock listed
 * partners out until the upgrade timeout; per host it can hold only this many. (libp2p also
 * admits only 5 new connections per host per second.) Not fewer: several partners behind one NAT
 * address — or every node of a test cluster, which all dial from 127.0.0.1 — start at once.
 */
export const MAX_PENDING_INBOUND_PER_HOST = 8

export interface AllowlistPolicy {
  /** may this peer hold a connection with us at all? */
  isListed: (peerId: string) => boolean
  /** the addresses the operator gave for it (without `/p2p/`): the only ones we dial; none = accept-only, never dialled */
  dialAddrs: (peerId: string) => readonly string[]
}

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
  const pendingByHost = new Map<string, number>()
  const pending = new Map<MultiaddrConnection, string>()
  const done = (maConn: MultiaddrConnection): void => {
    const host = pending.get(maConn)
    if (host == null) return
    pending.delete(maConn)
    const n = (pendingByHost.get(host) ?? 1) - 1
    if (n <= 0) pendingByHost.delete(host)
    else pendingByHost.set(host, n)
  }
  return {
    denyInboundConnection: (maConn) => {
      const host = maConn.remoteAddr.getComponents()[0]?.value ?? ''
      if ((pendingByHost.get(host) ?? 0) >= MAX_PENDING_INBOUND_PER_HOST) {
        stats.deniedPending = (stats.deniedPending ?? 0) + 1
        return true
      }
      pendingByHost.set(host, (pendingByHost.get(host) ?? 0) + 1)
      pending.set(maConn, host)
      // the handshake ends in a connection (denyInboundUpgradedConnection) or a closed socket
      maConn.addEventListener('close', () => done(maConn), { once: true })
      return false
    },
    denyDialPeer: (peer) => !policy.isListed(peer.toString()) || policy.dialAddrs(peer.toString()).length === 0,
    denyDialMultiaddr: async (ma) => {
      const peer = ma.getComponents().find(c => c.name === 'p2p')?.value
      if (peer == null) return false // no identity to check yet: the encrypted-connection hooks will
      return !(await isTableAddress(ma.decapsulateCode(CODE_P2P), policy.dialAddrs(peer)))
    },
    denyInboundEncryptedConnection: (peer, maConn) => {
      const deny = strangerIn(peer)
      if (deny) done(maConn)
      return deny
    },
    denyOutboundEncryptedConnection: strangerOut,
    // belt and braces: a row removed during the upgrade must not slip through
    denyInboundUpgradedConnection: (peer, maConn) => {
      done(maConn)
      return !policy.isListed(peer.toString())
    },
    denyOutboundUpgradedConnection: (peer) => !policy.isListed(peer.toString())
  }
}

/**
 * Is `addr` (no `/p2p/`) one of the table's addresses? libp2p resolves a `/dns…/` address before it
 * asks, so an address given by name matches the IPs that name resolves to now, on the same port.
 */
async function isTableAddress (addr: Multiaddr, table: readonly string[]): Promise<boolean> {
  const text = addr.toString()
  if (table.includes(text)) return true
  const [host, port] = addr.getComponents()
  for (const entry of table) {
    const [name, namePort] = multiaddr(entry).getComponents()
    if (!name.name.startsWith('dns') || namePort?.value !== port?.value || name.value == null) continue
    const family = name.name === 'dns4' ? 4 : name.name === 'dns6' ? 6 : 0
    const ips = await lookup(name.value, { all: true, family }).catch(() => [])
    if (ips.some(ip => ip.address === host?.value)) return true
  }
  return false
}
