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
import { StoreError } from '../errors.js'
import { createHost, type Host } from './create-libp2p.js'
import { allowlistGater, type GateStats } from './gater.js'
import { PartnerLinks } from './partners.js'
import { inventory, type Inventory, type InventoryHandler } from '../protocols/inventory/index.js'
import { fileTransfer, type FileHandler, type FileTransfer } from '../protocols/file/index.js'
import { ReplicationStats } from './stats.js'
import { Receiver } from './receiver.js'
import { Pusher } from './pusher.js'
import { Fetcher } from './fetcher.js'
import { fileServer } from './file-server.js'
import { Puller } from './puller.js'
import { answerPull } from './pull-responder.js'
import { lockService, type LockClient, type LockHandler } from '../protocols/lock/index.js'
import { LockServer } from './lock-server.js'
import { Repairer } from './repairer.js'
import { Auditor } from './auditor.js'

export interface QuireNodeOptions {
  /** delta-T interval in seconds; defaults to the home's config */
  interval?: number
  /** a prefixed logger tells nodes apart when several run in one process (tests) */
  logger?: ComponentLogger
}

/**
 * `QUIRE_IDLE_TIMEOUT_MS` (README "Development"): the file transfer idle timeout (30 s) and the
 * inventory exchange deadline (60 s) at once, for tests that must see a stalled peer cut off
 * within seconds. Unset (or not a positive number): the protocols' defaults.
 */
export function streamTimeoutFromEnv (env: NodeJS.ProcessEnv = process.env): number | undefined {
  const ms = Number(env.QUIRE_IDLE_TIMEOUT_MS)
  return Number.isFinite(ms) && ms > 0 ? ms : undefined
}

/** How often the node checks that its store is still there, and whether a recovery is done. */
export const HEALTH_CHECK_INTERVAL_MS = 2_000

/** The protocol services a Quire host carries, by their libp2p service names. */
export interface QuireServices {
  inventory: Inventory
  file: FileTransfer
  lock: LockClient
}

export class QuireNode {
  readonly site: Site
  readonly host: Host
  readonly gate: GateStats
  readonly links: PartnerLinks
  readonly interval: number
  readonly log: Logger
  readonly startedAt = new Date()
  readonly stats = new ReplicationStats()
  /** inbound Quire protocol streams per remote peer since start (the closed-network tests read it) */
  readonly inboundCalls: Map<string, number>
  receiver!: Receiver
  pusher!: Pusher
  fetcher!: Fetcher
  puller!: Puller
  lockServer!: LockServer
  repairer!: Repairer
  auditor!: Auditor

  private constructor (site: Site, host: Host, gate: GateStats, links: PartnerLinks, interval: number, log: Logger, inboundCalls: Map<string, number>) {
    this.inboundCalls = inboundCalls
    this.site = site
    this.host = host
    this.gate = gate
    this.links = links
    this.interval = interval
    this.log = log
  }

  get services (): QuireServices {
    return this.host.services as unknown as QuireServices
  }

  static async start (site: Site, opts: QuireNodeOptions = {}): Promise<QuireNode> {
    const gate: GateStats = { deniedInbound: 0, deniedOutbound: 0 }
    const logger = opts.logger ?? defaultLogger()
    const gater = allowlistGater({
      isListed: (id) => site.peers.has(id),
      dialAddrs: (id) => site.peers.get(id)?.addrs ?? []
    }, gate)
    // the services exist before the node that handles their requests: late-bound handlers
    const inventoryHandler: { current?: InventoryHandler } = {}
    const fileHandler: { current?: FileHandler } = {}
    const lockHandler: { current?: LockHandler } = {}
    const inboundCalls = new Map<string, number>()
    const onInbound = (from: string): void => { inboundCalls.set(from, (inboundCalls.get(from) ?? 0) + 1) }
    const streamTimeout = streamTimeoutFromEnv()
    const host = await createHost({
      privateKey: site.key,
      listen: site.config.listen,
      announce: site.config.announce,
      gater,
      logger,
      services: {
        inventory: inventory({ handler: inventoryHandler, onInbound, timeout: streamTimeout }),
        file: fileTransfer({ handler: fileHandler, onInbound, idleTimeout: streamTimeout }),
        lock: lockService({ handler: lockHandler, onInbound })
      }
    })
    const log = logger.forComponent('quire:node')
    const links = new PartnerLinks(host, site.peers, logger.forComponent('quire:partners'))
    const node = new QuireNode(site, host, gate, links, opts.interval ?? site.config.interval, log, inboundCalls)
    node.fetcher = new Fetcher(site, node.services.file, links, node.stats, logger.forComponent('quire:fetch'))
    node.receiver = new Receiver(site, node.stats, { wantData: async files => { await node.fetcher.want(files) } }, logger.forComponent('quire:receive'))
    node.pusher = new Pusher(site, node.services.inventory, links, node.stats, logger.forComponent('quire:push'))
    node.puller = new Puller(site, node.services.inventory, links, node.receiver, node.interval, logger.forComponent('quire:pull'))
    inventoryHandler.current = {
      onPush: async (from, entries) => await node.receiver.receive(from, entries),
      onPull: async (from, pull) => await answerPull(site, from, pull)
    }
    node.lockServer = new LockServer(site)
    node.repairer = new Repairer(site, node.services.file, id => links.isConnected(id), logger.forComponent('quire:repair'))
    node.auditor = new Auditor(site, site.config.auditInterval, site.config.auditRate, logger.forComponent('quire:audit'))
    lockHandler.current = node.lockServer
    fileHandler.current = fileServer(site, node.stats, cid => { log.error('ALARM: stored file %s is damaged', cid) })
    // not on 'peer:connect': until identify completes the partner does not count as connected
    links.onReady = peerId => {
      node.pusher.kick(peerId)
      node.fetcher.partnerReady(peerId)
    }
    const recovering = site.recoveringSince != null
    node.receiver.recovering = recovering
    node.puller.recovering = recovering
    try {
      // files a put or update stored before it crashed, never named by a record (battery C3)
      const orphans = await site.pending.sweep()
      if (orphans.length > 0) process.stderr.write(`quire: removed ${orphans.length} data file(s) stored by a put or update that never completed: ${orphans.join(', ')}\n`)
      // staged transfers of files still wanted are kept: they resume from their verified prefix
      await site.files.cleanStaging(new Set([...(await site.docs.wants()).map(([cid]) => cid), ...(await node.repairer.unfinished())]))
      await links.start()
      // while recovering we send nothing: no deletion, nothing half-restored, leaves this node
      if (!recovering) node.pusher.start()
      node.fetcher.start()
      node.puller.start()
      void node.repairer.resume()
      node.auditor.start()
      node.watchdog = setInterval(() => { node.checkHealth().catch(err => log.error('health check: %e', err)) }, HEALTH_CHECK_INTERVAL_MS)
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

  /** Called when the node cannot go on (its store vanished); `serve` exits on it. */
  onFatal: (err: Error) => void = () => {}
  watchdog?: NodeJS.Timeout
  private fatal = false

  /**
   * Every few seconds: is the store still there (a renamed, emptied or unmounted store must stop
   * the node before anything reads its absence as deletions)? Has a recovery finished?
   */
  async checkHealth (): Promise<void> {
    if (this.fatal) return
    if (!(await this.site.storePresent())) {
      this.fatal = true
      this.puller.stop()
      this.pusher.stop()
      this.fetcher.stop()
      this.log.error('store missing: %s or %s vanished: stopping', this.site.files.where, this.site.paths.db)
      this.onFatal(new StoreError(`store missing: the store (${this.site.files.where} or ${this.site.paths.db}) vanished while serving; the node stopped (restore it and start again)`, 'store-missing'))
      return
    }
    // a mark that cannot be written (a full disk) must not stop the checks below: the next tick retries
    await this.site.markHighWater().catch(err => { this.log.error('high-water mark: %e', err) })
    const since = this.site.recoveringSince
    if (since == null) return
    const rows = this.site.peers.list()
    const states = await Promise.all(rows.map(async r => await this.site.cursors.pull(r.peerId)))
    const allPulled = states.every(s => s.lastChecked != null && s.lastChecked > since)
    if (!allPulled || (await this.site.docs.wants()).length > 0) return
    await this.site.db.endRecovery()
    this.site.recoveringSince = null
    this.receiver.recovering = false
    this.puller.recovering = false
    this.pusher.start()
    this.log('recovery complete: every partner was pulled from the start and every data file is back')
  }

  async stop (): Promise<void> {
    clearInterval(this.watchdog)
    await this.auditor.stop()
    this.puller.stop()
    this.pusher.stop()
    this.fetcher.stop()
    this.links.stop()
    await this.host.stop()
  }
}
