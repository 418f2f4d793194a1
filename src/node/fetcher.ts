/**
 * DEV DOCS — fetching data files offered by partners.
 *
 * Wants are persisted in the store (cid → size, who offered it, which documents name it), so a
 * restart resumes them. The fetcher runs at most MAX_FETCHES transfers at once and
 * MAX_FETCHES_PER_PEER from one partner; each streams straight into the file store, which hashes
 * while writing and makes the file visible only if it matches the CID. Then the want is dropped
 * and the documents that name the file are touched in the change log, so partners that get data
 * from us (hub rows) hear of it. A failed fetch backs off per file; a source that says it is not
 * eligible or does not have the file is dropped from the want.
 */
import type { Logger } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Site } from '../site.js'
import type { FileTransfer } from '../protocols/file/index.js'
import { FileStatus } from '../protocols/file/index.js'
import type { Want } from '../store/documents.js'
import type { PartnerLinks } from './partners.js'
import type { ReplicationStats } from './stats.js'
import { parseCid } from '../model/cids.js'
import { receiveFile } from './receive-file.js'

export const MAX_FETCHES = 4
export const MAX_FETCHES_PER_PEER = 2
export const FETCH_RETRY_MIN_MS = 1_000
export const FETCH_RETRY_MAX_MS = 5 * 60_000
/** Re-examine wants this often, for sources that reconnected and backoffs that ran out. */
export const FETCH_SCAN_INTERVAL_MS = 5_000

export interface TransferView { cid: string, peer: string, size: number, done: number, startedAt: number }

export class Fetcher {
  private readonly site: Site
  private readonly files: FileTransfer
  private readonly links: PartnerLinks
  private readonly stats: ReplicationStats
  private readonly log: Logger
  private readonly running = new Map<string, TransferView>()
  private readonly backoff = new Map<string, { until: number, delay: number }>()
  private timer?: NodeJS.Timeout
  private scanning = false
  private rescan = false
  private stopped = false

  constructor (site: Site, files: FileTransfer, links: PartnerLinks, stats: ReplicationStats, log: Logger) {
    this.site = site
    this.files = files
    this.links = links
    this.stats = stats
    this.log = log
  }

  start (): void {
    this.timer = setInterval(() => { this.kick() }, FETCH_SCAN_INTERVAL_MS)
    this.kick()
  }

  stop (): void {
    this.stopped = true
    clearInterval(this.timer)
  }

  transfers (): TransferView[] {
    return [...this.running.values()].map(t => ({ ...t }))
  }

  async want (cid: string, size: number, blocks: string, from: string, id: string): Promise<void> {
    await this.site.docs.addWant(cid, size, blocks, from, id)
    this.backoff.delete(cid)
    this.kick()
  }

  kick (): void {
    if (this.stopped) return
    if (this.scanning) { this.rescan = true; return }
    this.scanning = true
    this.scan().catch(err => this.log.error('fetch scan failed: %e', err)).finally(() => {
      this.scanning = false
      if (this.rescan) { this.rescan = false; this.kick() }
    })
  }

  private perPeer (peer: string): number {
    let n = 0
    for (const t of this.running.values()) if (t.peer === peer) n++
    return n
  }

  private async scan (): Promise<void> {
    const now = Date.now()
    for (const [cid, want] of await this.site.docs.wants()) {
      if (this.running.size >= MAX_FETCHES) return
      if (this.running.has(cid) || (this.backoff.get(cid)?.until ?? 0) > now) continue
      const source = want.sources.find(p => this.site.peers.has(p) && this.links.isConnected(p) && this.perPeer(p) < MAX_FETCHES_PER_PEER)
      if (source == null) continue
      const view: TransferView = { cid, peer: source, size: want.size, done: 0, startedAt: Date.now() }
      this.running.set(cid, view)
      this.fetch(cid, want, view).then(() => {
        this.backoff.delete(cid)
      }, async err => {
        this.log('fetch of %s from %s failed: %s', cid, source, err.message)
        if (err?.code === 'file-mismatch') {
          // bytes that are not what the signed record names: a broken or hostile partner
          this.stats.of(source).filesRejected++
          this.log.error('ALARM: partner %s served bytes that do not match %s; not asking it for this file again', source, cid)
          await this.dropSource(cid, source)
        } else if (err?.name === 'RemoteRefusedError' && (err.status === FileStatus.NOT_ELIGIBLE || err.status === FileStatus.NOT_FOUND || err.status === FileStatus.DAMAGED)) {
          await this.dropSource(cid, source)
        }
        const prev = this.backoff.get(cid)
        const delay = Math.min(FETCH_RETRY_MAX_MS, prev == null ? FETCH_RETRY_MIN_MS : prev.delay * 2)
        this.backoff.set(cid, { until: Date.now() + delay, delay })
      }).finally(() => {
        this.running.delete(cid)
        this.kick()
      })
    }
  }

  private async dropSource (cid: string, source: string): Promise<void> {
    await this.site.docs.exclusive(async () => {
      const w = await this.site.docs.getWant(cid)
      if (w == null) return
      w.sources = w.sources.filter(s => s !== source)
      if (w.sources.length === 0) await this.site.docs.dropWant(cid)
      else await this.site.docs.putWant(cid, w)
    })
  }

  private async fetch (cidText: string, want: Want, view: TransferView): Promise<void> {
    const cid = parseCid(cidText)
    if (this.site.blobs.isDamaged(cidText) || (await this.site.files.stat(cid)) == null) {
      const expect = { cid, size: want.size, blocks: parseCid(want.blocks) }
      let network = 0
      try {
        await receiveFile(this.site, this.files, peerIdFromString(view.peer), expect, {
          onResume: offset => { view.done = offset },
          onBytes: n => { view.done += n; network += n }
        })
      } finally {
        this.stats.of(view.peer).bytesReceived += network
      }
      this.stats.of(view.peer).filesReceived++
    }
    await this.site.docs.dropWant(cidText)
    const ids = new Set([...want.ids, ...(await this.site.docs.docsForCid(cidText)).map(d => d.id)])
    for (const id of ids) await this.site.docs.touch(id)
  }
}
