/**
 * DEV DOCS — the running node.
 *
 * A QuireNode wraps an open Site (store, peer table, identity) in a libp2p host. It owns:
 * the gate (who may connect), the partner links (who we keep connected), and Quire's protocol
 * services. It does not own the local API: `serve` starts that beside it, so that tests can run
 * nodes in process without HTTP. The Site stays the single place state is written; the node only
 * reacts to the peer table's `change` events.
 */
import type { ComponentLogger, Logger } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import type { Site } from '../site.js'
import { createHost, type Host } from './create-libp2p.js'
import { allowlistGater, type GateStats } from './gater.js'
import { PartnerLinks } from './partners.js'

export interface QuireNodeOptions {
  /** delta-T interval in seconds; defaults to the home's config */
  interval?: number
  /** a prefixed logger tells nodes apart when several run in one process (tests) */
  logger?: ComponentLogger
}

export class QuireNode {
  readonly site: Site
  readonly host: Host
  readonly gate: GateStats
  readonly links: PartnerLinks
  readonly interval: number
  readonly log: Logger
  readonly startedAt = new Date()

  private constructor (site: Site, host: Host, gate: GateStats, links: PartnerLinks, interval: number, log: Logger) {
    this.site = site
    this.host = host
    this.gate = gate
    this.links = links
    this.interval = interval
    this.log = log
  }

  static async start (site: Site, opts: QuireNodeOptions = {}): Promise<QuireNode> {
    const gate: GateStats = { deniedInbound: 0, deniedOutbound: 0 }
    const logger = opts.logger ?? defaultLogger()
    const gater = allowlistGater({
      isListed: (id) => site.peers.has(id),
      mayDial: (id) => (site.peers.get(id)?.addrs.length ?? 0) > 0
    }, gate)
    const host = await createHost({
      privateKey: site.key,
      listen: site.config.listen,
      announce: site.config.announce,
      gater,
      logger
    })
    const log = logger.forComponent('quire:node')
    const links = new PartnerLinks(host, site.peers, logger.forComponent('quire:partners'))
    const node = new QuireNode(site, host, gate, links, opts.interval ?? site.config.interval, log)
    try {
      await links.start()
    } catch (err) {
      await host.stop()
      throw err
    }
    log('node %p listening on %s', host.peerId, host.getMultiaddrs().map(String).join(', '))
    return node
  }

  /** Dialable addresses with `/p2p/<peerId>`. */
  addrs (): string[] {
    return this.host.getMultiaddrs().map(ma => ma.toString())
  }

  async stop (): Promise<void> {
    this.links.stop()
    await this.host.stop()
  }
}
