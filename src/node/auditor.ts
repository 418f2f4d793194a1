/**
 * The scheduled audit (`serve`): every `auditInterval` hours the node re-hashes its data files at
 * `auditRate` MB/s and verifies its records, as `quire audit` does. The walk over the blob index
 * is checkpointed (the last CID checked), so a restart continues where it stopped instead of
 * starting again. The result is kept as the last audit (shown by `status` and `/metrics`).
 */
import type { Logger } from '@libp2p/interface'
import type { Site } from '../site.js'
import { audit, type AuditReport } from '../store/audit.js'
import { summary } from '../ops/audit.js'

/** A store never audited is first audited this long after the node starts. */
export const FIRST_AUDIT_DELAY_MS = 3600_000

/** Files checked between two checkpoints. */
export const CHECKPOINT_EVERY = 100

export class Auditor {
  private readonly site: Site
  private readonly log: Logger
  private readonly intervalMs: number
  private readonly bytesPerSecond: number
  private timer?: NodeJS.Timeout
  private readonly abort = new AbortController()
  private running?: Promise<void>

  constructor (site: Site, intervalHours: number, rateMBps: number, log: Logger) {
    this.site = site
    this.log = log
    this.intervalMs = intervalHours * 3600_000
    this.bytesPerSecond = rateMBps * 1e6
  }

  start (): void {
    if (!(this.intervalMs > 0)) return
    void this.schedule()
  }

  async stop (): Promise<void> {
    clearTimeout(this.timer)
    this.abort.abort()
    await this.running?.catch(() => {})
  }

  private async schedule (): Promise<void> {
    const meta = this.site.db.meta
    const last = (await meta.get('lastAudit')) as { finishedAt: string } | undefined
    const resuming = (await meta.get('auditCheckpoint')) != null
    // never audited: the first audit an hour after start (or sooner with a shorter interval),
    // out of the way of the initial sync; an interrupted one continues at once
    const due = resuming ? 0 : last == null ? Math.min(this.intervalMs, FIRST_AUDIT_DELAY_MS) : Math.max(0, Date.parse(last.finishedAt) + this.intervalMs - Date.now())
    this.timer = setTimeout(() => {
      this.running = this.run().catch(err => {
        if (!this.abort.signal.aborted) this.log.error('scheduled audit failed: %e', err)
      }).finally(() => { if (!this.abort.signal.aborted) void this.schedule() })
    }, due)
  }

  private async run (): Promise<void> {
    const meta = this.site.db.meta
    const after = (await meta.get('auditCheckpoint')) as string | undefined
    this.log('scheduled audit %s', after == null ? 'starting' : `resuming after ${after}`)
    let n = 0
    const report: AuditReport = await audit(this.site, {
      bytesPerSecond: this.bytesPerSecond,
      signal: this.abort.signal,
      after,
      onCheckpoint: async cid => { if (++n % CHECKPOINT_EVERY === 0) await meta.put('auditCheckpoint', cid) }
    })
    await meta.batch([{ type: 'put', key: 'lastAudit', value: summary(report) }, { type: 'del', key: 'auditCheckpoint' }])
    if (report.corrupt.length > 0) this.log.error('ALARM: scheduled audit found %d damaged items; see quire audit / quire status', report.corrupt.length)
  }
}
