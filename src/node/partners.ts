/**
 * DEV DOCS — keeping links to partners.
 *
 * The peer table is the truth; libp2p's peer store is a cache of it. For every row with addresses
 * we put those addresses in the peer store and run our own check every few seconds that dials any
 * partner not connected, with per-partner exponential backoff (libp2p's KEEP_ALIVE redial is not
 * used: it redials at once, forever, a partner whose gate refuses us). A partner counts as
 * connected only once identify completed over the connection: our Noise handshake finishes before
 * the partner's gate decides, so a dial it refuses first "succeeds" and then closes. Rows without
 * addresses are accept-only: never dialled (the gater refuses such a dial too). A removed row is
 * hung up at once and dropped from the peer store.
 */
import type { Logger, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Host } from './create-libp2p.js'
import type { PeerTable } from '../store/peers.js'
import type { PeerRow } from '../model/peer-row.js'
import { DIAL_TIMEOUT_MS } from './create-libp2p.js'

/** How often the dialler looks for partners that are not connected. */
export const LINK_CHECK_INTERVAL_MS = 2_000
/** First and largest wait between failed dials of one partner. */
export const REDIAL_MIN_MS = 1_000
export const REDIAL_MAX_MS = 60_000

interface Backoff { nextAt: number, delay: number }

export class PartnerLinks {
  private readonly host: Host
  private readonly peers: PeerTable
  private readonly log: Logger
  private readonly backoff = new Map<string, Backoff>()
  private readonly dialing = new Set<string>()
  /** partners whose connection completed identify (see DEV DOCS) */
  private readonly identified = new Set<string>()
  private timer?: NodeJS.Timeout
  /** called when a partner's connection is up and identified: push and fetch can use it now */
  onReady: (peerId: string) => void = () => {}
  private readonly onIdentify = (evt: CustomEvent<{ peerId: PeerId }>): void => {
    const id = evt.detail.peerId.toString()
    if (!this.peers.has(id)) return
    const fresh = !this.identified.has(id)
    this.identified.add(id)
    this.backoff.delete(id)
    if (fresh) this.onReady(id)
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.identified.delete(evt.detail.toString())
  }

  private readonly onChange = (peerId: string, row: PeerRow | null): void => {
    this.apply(peerId, row).catch(err => { this.log.error('applying peer table change for %s failed: %e', peerId, err) })
  }

  constructor (host: Host, peers: PeerTable, log: Logger) {
    this.host = host
    this.peers = peers
    this.log = log
  }

  async start (): Promise<void> {
    this.host.addEventListener('peer:identify', this.onIdentify as any)
    this.host.addEventListener('peer:disconnect', this.onDisconnect as any)
    this.peers.on('change', this.onChange)
    for (const row of this.peers.list()) await this.seed(row)
    this.timer = setInterval(() => { this.check() }, LINK_CHECK_INTERVAL_MS)
    this.check()
  }

  stop (): void {
    this.host.removeEventListener('peer:identify', this.onIdentify as any)
    this.host.removeEventListener('peer:disconnect', this.onDisconnect as any)
    this.peers.off('change', this.onChange)
    clearInterval(this.timer)
  }

  isConnected (peerId: string): boolean {
    return this.identified.has(peerId) && this.host.getConnections(peerIdFromString(peerId)).length > 0
  }

  private async apply (peerId: string, row: PeerRow | null): Promise<void> {
    const id = peerIdFromString(peerId)
    if (row == null) {
      this.backoff.delete(peerId)
      this.identified.delete(peerId)
      await this.host.hangUp(id)
      await this.host.peerStore.delete(id).catch(() => {})
      this.log('partner %p removed: hung up', id)
      return
    }
    // a closed network needs no stale addresses: replace, don't merge
    this.backoff.delete(peerId)
    await this.seed(row)
    if (row.addrs.length > 0) this.dial(peerId)
  }

  private async seed (row: PeerRow): Promise<void> {
    const id = peerIdFromString(row.peerId)
    await this.host.peerStore.patch(id, { multiaddrs: row.addrs.map(a => multiaddr(a)) })
  }

  private check (): void {
    const now = Date.now()
    for (const row of this.peers.list()) {
      if (row.addrs.length === 0 || this.isConnected(row.peerId)) continue
      const b = this.backoff.get(row.peerId)
      if (b == null || b.nextAt <= now) this.dial(row.peerId)
    }
  }

  private dial (peerId: string): void {
    if (this.dialing.has(peerId)) return
    this.dialing.add(peerId)
    const id: PeerId = peerIdFromString(peerId)
    // counted as a failure until identify says otherwise (onIdentify clears the backoff)
    const prev = this.backoff.get(peerId)
    const delay = Math.min(REDIAL_MAX_MS, prev == null ? REDIAL_MIN_MS : prev.delay * 2)
    this.backoff.set(peerId, { nextAt: Date.now() + delay, delay })
    const run = async (): Promise<void> => {
      const row = this.peers.get(peerId)
      if (row == null || row.addrs.length === 0) return
      // peer-store addresses expire after an hour: re-seed them from the table before each dial
      await this.seed(row)
      const existing = this.host.getConnections(id).length > 0
      const conn = await this.host.dial(id, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
      // libp2p runs identify once when a connection opens and drops a failure silently; a dial
      // then hands back that same connection, so without this the partner would never count as
      // connected while the link stays up (seen after restarts in the P2 sim-model test)
      if (existing && !this.identified.has(peerId) && conn.status === 'open') {
        await this.host.services.identify.identify(conn, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
      }
    }
    run().catch(err => {
      this.log('dial of partner %p failed, next try in %d ms: %s', id, delay, err.message)
    }).finally(() => this.dialing.delete(peerId))
  }
}
