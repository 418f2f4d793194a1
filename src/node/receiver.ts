/**
 * Receiving revisions from partners (push now, pull in delta-T): verify each record, let the
 * document store apply the accept rules atomically, note wanted data files, count and alarm.
 */
import type { Logger } from '@libp2p/interface'
import type { Site } from '../site.js'
import { Outcome, type Entry, type Verdict } from '../../protocols/inventory.js'
import { RecordError, verifyRevision, type VerifiedRevision } from '../model/record.js'
import type { RejectReason } from '../model/accept-policy.js'
import type { ReplicationStats } from './stats.js'

/** Reasons that mean a partner (or one it relays) sent something it should not have. */
const ALARMS: ReadonlySet<RejectReason> = new Set(['fork', 'home-mismatch', 'bad-signature', 'bad-record', 'meta-mismatch'])

export interface WantedFile { cid: string, size: number, blocks: string, source: string, id: string }

export interface ReceiveHooks {
  /** data files offered for stored or held revisions that are not here */
  wantData: (files: WantedFile[]) => Promise<void>
}

export class Receiver {
  private readonly site: Site
  private readonly stats: ReplicationStats
  private readonly log: Logger
  private readonly hooks: ReceiveHooks
  recovering = false

  constructor (site: Site, stats: ReplicationStats, hooks: ReceiveHooks, log: Logger) {
    this.site = site
    this.stats = stats
    this.hooks = hooks
    this.log = log
  }

  async receive (from: string, entries: Entry[]): Promise<Verdict[]> {
    const verdicts: Verdict[] = new Array(entries.length)
    const verified: Array<{ index: number, v: VerifiedRevision, entry: Entry }> = []
    const counters = this.stats.of(from)
    const reject = (index: number, reason: RejectReason, detail: string): void => {
      verdicts[index] = { outcome: Outcome.REJECTED, reason }
      this.stats.reject(from, reason)
      if (ALARMS.has(reason)) this.log.error('ALARM: rejected a revision from %s: %s (%s)', from, reason, detail)
    }
    if (!this.site.peers.has(from)) {
      // the gate admits listed peers only; a row removed a moment ago can still have a stream open
      entries.forEach((_, index) => reject(index, 'not-listed', 'sender not in the peer table'))
      return verdicts
    }
    for (const [index, entry] of entries.entries()) {
      try {
        verified.push({ index, v: await verifyRevision({ bytes: entry.record, signature: entry.signature }, entry.metadata), entry })
      } catch (err) {
        if (!(err instanceof RecordError)) throw err
        reject(index, err.reason, err.message)
      }
    }
    const decisions = await this.site.docs.receive(
      verified.map(({ v, entry }) => ({ v, metadata: entry.metadata })),
      { self: this.site.peerId, fromRow: this.site.peers.get(from), recovering: this.recovering },
      from
    )
    const wanted: WantedFile[] = []
    for (const [i, d] of decisions.entries()) {
      const { index, v, entry } = verified[i]
      const r = v.revision
      switch (d.verdict) {
        case 'store': verdicts[index] = { outcome: Outcome.STORED, reason: '' }; counters.stored++; break
        case 'duplicate': verdicts[index] = { outcome: Outcome.DUPLICATE, reason: '' }; counters.duplicates++; break
        case 'failed': verdicts[index] = { outcome: Outcome.FAILED, reason: '' }; counters.failed++; this.log('storing %s rev %d failed: %s', r.id, r.rev, d.error); break
        case 'reject': reject(index, d.reason, `${r.id} rev ${r.rev} home ${r.home}`); break
      }
      if ((d.verdict === 'store' || d.verdict === 'duplicate') && entry.dataOffered && r.data != null && !r.deleted) {
        if (this.site.blobs.isDamaged(r.data.cid.toString()) || (await this.site.files.stat(r.data.cid)) == null) {
          wanted.push({ cid: r.data.cid.toString(), size: r.data.size, blocks: r.data.blocks.toString(), source: from, id: r.id })
        }
      }
    }
    await this.hooks.wantData(wanted)
    return verdicts
  }
}
