/**
 * DEV DOCS — delta-T: pulling each partner's changes since our cursor for it.
 *
 * Every `interval` seconds (and on `quire sync`) the node runs a pass against each listed partner
 * it has a live connection with, whoever dialled it — so a partner we only accept from (an
 * accept-only row) is pulled too. A pass asks for batches until the partner says there is no more;
 * each batch is applied through the Receiver (the same accept rules as push), then the cursor is
 * persisted: past every entry stored, duplicated or refused for good, and stopped just before the
 * first FAILED one, so the next pass retries it. A kill -9 therefore re-fetches at most one batch.
 * The cursor restarts from 0 when the partner's epoch or policy generation changed (it says so by
 * answering from 0) or when our own subscription for it widened. `--full` ignores the cursor.
 */
import type { Logger } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Site } from '../site.js'
import type { Inventory } from '../protocols/inventory/index.js'
import { MAX_ENTRIES } from '../protocols/inventory/constants.js'
import { Outcome } from '../../protocols/inventory.js'
import { subscriptionWidened } from '../model/peer-row.js'
import type { PartnerLinks } from './partners.js'
import type { Receiver } from './receiver.js'
import { EMPTY_PULL_STATE, type PullState } from '../store/cursors.js'

/** A pass never asks for more batches than this (a partner that always says "more" is broken). */
export const MAX_BATCHES_PER_PASS = 100_000
/** The first pass after start waits this long, for connections to come up. */
export const FIRST_PASS_DELAY_MS = 2_000

export interface PassSummary {
  peerId: string
  ok: boolean
  error?: string
  batches: number
  received: number
  stored: number
  duplicates: number
  failed: number
  rejected: Record<string, number>
  /** the partner's newest change we have now covered */
  upTo: number
}

export class Puller {
  private readonly site: Site
  private readonly inventory: Inventory
  private readonly links: PartnerLinks
  private readonly receiver: Receiver
  private readonly log: Logger
  private readonly intervalMs: number
  private readonly running = new Map<string, Promise<PassSummary>>()
  private timer?: NodeJS.Timeout
  private first?: NodeJS.Timeout
  private stopped = false
  /** we are recovering a lost store: ask partners for our own documents too */
  recovering = false

  constructor (site: Site, inventory: Inventory, links: PartnerLinks, receiver: Receiver, intervalSeconds: number, log: Logger) {
    this.site = site
    this.inventory = inventory
    this.links = links
    this.receiver = receiver
    this.intervalMs = Math.max(1, intervalSeconds) * 1000
    this.log = log
  }

  start (): void {
    this.first = setTimeout(() => { void this.passAll() }, FIRST_PASS_DELAY_MS)
    this.timer = setInterval(() => { void this.passAll() }, this.intervalMs)
  }

  stop (): void {
    this.stopped = true
    this.pauseSchedule()
  }

  /** No more background passes; passes on request still run (benchmarks, tests). */
  pauseSchedule (): void {
    clearTimeout(this.first)
    clearInterval(this.timer)
  }

  /** A pass against every connected partner (or one), in parallel. */
  async passAll (opts: { peerId?: string, full?: boolean, onBatch?: (received: number) => void } = {}): Promise<PassSummary[]> {
    const rows = this.site.peers.list().filter(r => opts.peerId == null || r.peerId === opts.peerId)
    return await Promise.all(rows.filter(r => this.links.isConnected(r.peerId)).map(async r => await this.pass(r.peerId, opts.full === true, opts.onBatch)))
  }

  /** One pass against one partner; concurrent calls share the pass in progress. */
  async pass (peerId: string, full = false, onBatch?: (received: number) => void): Promise<PassSummary> {
    const running = this.running.get(peerId)
    if (running != null && !full) return await running
    if (running != null) await running.catch(() => {})
    const p = this.run(peerId, full, onBatch).finally(() => this.running.delete(peerId))
    this.running.set(peerId, p)
    return await p
  }

  private async run (peerId: string, full: boolean, onBatch?: (received: number) => void): Promise<PassSummary> {
    const summary: PassSummary = { peerId, ok: false, batches: 0, received: 0, stored: 0, duplicates: 0, failed: 0, rejected: {}, upTo: 0 }
    try {
      const row = this.site.peers.require(peerId)
      let state: PullState = await this.site.cursors.pull(peerId)
      if (full || subscriptionWidened(state.namespaces, row.namespaces)) state = { ...EMPTY_PULL_STATE, namespaces: row.namespaces }
      state.namespaces = row.namespaces
      const peer = peerIdFromString(peerId)
      while (!this.stopped && summary.batches < MAX_BATCHES_PER_PASS) {
        const batch = await this.inventory.pull(peer, {
          epoch: state.epoch,
          since: BigInt(state.seq),
          namespaces: row.namespaces,
          limit: MAX_ENTRIES,
          policy: BigInt(state.policy),
          recovering: this.recovering
        })
        summary.batches++
        summary.received += batch.entries.length
        onBatch?.(batch.entries.length)
        const verdicts = await this.receiver.receive(peerId, batch.entries)
        const failedAt = verdicts.findIndex(v => v.outcome === Outcome.FAILED)
        for (const v of verdicts) {
          if (v.outcome === Outcome.STORED) summary.stored++
          else if (v.outcome === Outcome.DUPLICATE) summary.duplicates++
          else if (v.outcome === Outcome.FAILED) summary.failed++
          else summary.rejected[v.reason] = (summary.rejected[v.reason] ?? 0) + 1
        }
        const upTo = failedAt >= 0 ? Number(batch.entries[failedAt].seq ?? 1n) - 1 : Number(batch.upTo)
        state = { ...state, epoch: batch.epoch, policy: Number(batch.policy), seq: upTo }
        summary.upTo = upTo
        if (failedAt >= 0) {
          state.upToDate = false
          await this.site.cursors.setPull(peerId, state)
          throw new Error(`could not store a revision from ${peerId} yet; the next pass retries from it`)
        }
        if (!batch.more) {
          state.lastChecked = new Date().toISOString()
          state.upToDate = true
          await this.site.cursors.setPull(peerId, state)
          summary.ok = true
          return summary
        }
        state.upToDate = false
        await this.site.cursors.setPull(peerId, state)
      }
      throw new Error('pass stopped before the partner\'s newest change')
    } catch (err: any) {
      summary.error = err.message
      this.log('pass against %s failed: %s', peerId, err.message)
      return summary
    }
  }
}
