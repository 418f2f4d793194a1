/**
 * DEV DOCS — fetching data files offered by partners (the transfer queue).
 *
 * Wants are persisted in the store (cid → size, block list CID, who offered it, which documents
 * name it), so a restart resumes them. Each scan walks the wants and starts transfers up to
 * MAX_FETCHES at once and MAX_FETCHES_PER_PEER per partner:
 *   - small files (≤ MAX_BATCH_FILE_BYTES) go in batches, many to one stream, checked against
 *     their signed references, staged without an fsync each and made durable together (one
 *     file-system flush per batch): thousands of small files cost a few streams and flushes;
 *   - larger files go one per stream, resumable from their last verified block (receive-file.ts).
 * When files arrive, their wants go and the documents that name them are touched in the change
 * log, so partners that get data from us (hub rows) hear of them. A failed transfer backs off per
 * file, doubling from FETCH_RETRY_MIN_MS to FETCH_RETRY_MAX_MS, but starts over at the minimum when
 *   - the attempt got further into the file than every attempt before it (since the file was
 *     last offered or its source came back), counted in bytes, not whole blocks: a flaky link that
 *     cuts a large file again and again, sometimes twice within a block, must not push the next
 *     try away while tries get further;
 *   - the source's connection comes back (partnerReady; tried at once): most failures of a large
 *     file are its link going down (a cut, a crash, a partition), and what they earned says
 *     nothing of the new link. A partner that drops every transfer is then tried as often as it
 *     reconnects (our redials run every LINK_CHECK_INTERVAL_MS, partners.ts); one that stays
 *     connected and keeps failing (busy, refusing, its bytes cut short with no gain) is backed off.
 * A source that is not eligible, lacks the file, or sends wrong bytes is dropped from it.
 * Metadata never waits behind files: this queue is separate from the inventory exchange.
 */
import type { Logger } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Site } from '../site.js'
import type { FileTransfer } from '../protocols/file/index.js'
import { FileStatus } from '../protocols/file/index.js'
import { MAX_BATCH_FILE_BYTES, MAX_BATCH_FILES, TARGET_BATCH_BYTES } from '../protocols/file/constants.js'
import type { Want } from '../store/documents.js'
import type { PartnerLinks } from './partners.js'
import type { ReplicationStats } from './stats.js'
import type { WantedFile } from './receiver.js'
import { parseCid } from '../model/cids.js'
import { RemoteRefusedError } from '../protocols/errors.js'
import { receiveFile } from './receive-file.js'
import { adoptStored } from '../store/audit.js'

export const MAX_FETCHES = 4
export const MAX_FETCHES_PER_PEER = 2
export const FETCH_RETRY_MIN_MS = 1_000
/**
 * The ceiling is short on purpose: a backed-off file is tried again within this plus one scan
 * interval (13 s), far inside delta-T (300 s by default) and inside the 20–30 s the test battery
 * gives a fetch once faults stop (P2, N3). It was 5 min, a whole default delta-T: a few failures in
 * a row parked a file for longer than any test waits. The cost of a partner that keeps failing
 * stays one request per file every 8 s, under the MAX_FETCHES caps.
 */
export const FETCH_RETRY_MAX_MS = 8_000
/** Re-examine wants this often, for sources that reconnected and backoffs that ran out. */
export const FETCH_SCAN_INTERVAL_MS = 5_000

export interface TransferView { cid: string, peer: string, size: number, done: number, startedAt: number, files: number }

type Job = Array<[string, Want]>

export class Fetcher {
  private readonly site: Site
  private readonly files: FileTransfer
  private readonly links: PartnerLinks
  private readonly stats: ReplicationStats
  private readonly log: Logger
  /** transfers in progress (a batch counts as one) */
  private readonly running = new Set<TransferView>()
  /** CIDs being fetched, in any transfer */
  private readonly busy = new Set<string>()
  /** per wanted file: the next try, the current delay, the source that failed, the furthest byte any try reached */
  private readonly backoff = new Map<string, { until: number, delay: number, peer: string, reached: number }>()
  private timer?: NodeJS.Timeout
  /** wakes the scan when a back-off shorter than the scan interval runs out */
  private retryTimer?: NodeJS.Timeout
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
    clearTimeout(this.retryTimer)
  }

  transfers (): TransferView[] {
    return [...this.running].map(t => ({ ...t }))
  }

  async want (files: WantedFile[]): Promise<void> {
    if (files.length === 0) return
    await this.site.docs.addWants(files)
    for (const f of files) this.backoff.delete(f.cid)
    this.kick()
  }

  /**
   * A partner's connection is up and identified again: files that failed from it are tried at once
   * (DEV DOCS: their back-off was earned on the link that went down).
   */
  partnerReady (peerId: string): void {
    for (const [cid, b] of this.backoff) if (b.peer === peerId) this.backoff.delete(cid)
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
    for (const t of this.running) if (t.peer === peer) n++
    return n
  }

  private async scan (): Promise<void> {
    const now = Date.now()
    const batches = new Map<string, { job: Job, bytes: number }>()
    const slotFree = (peer: string): boolean => this.running.size < MAX_FETCHES && this.perPeer(peer) < MAX_FETCHES_PER_PEER
    for (const [cid, want] of await this.site.docs.wants()) {
      if (this.running.size >= MAX_FETCHES) break
      if (this.busy.has(cid) || (this.backoff.get(cid)?.until ?? 0) > now) continue
      const source = want.sources.find(p => this.site.peers.has(p) && this.links.isConnected(p) && slotFree(p))
      if (source == null) continue
      if (want.size > MAX_BATCH_FILE_BYTES) {
        this.launch(source, [[cid, want]])
        continue
      }
      const b = batches.get(source) ?? { job: [], bytes: 0 }
      b.job.push([cid, want])
      b.bytes += want.size
      batches.set(source, b)
      if (b.job.length >= MAX_BATCH_FILES || b.bytes >= TARGET_BATCH_BYTES) {
        batches.delete(source)
        this.launch(source, b.job)
      }
    }
    for (const [source, b] of batches) if (slotFree(source)) this.launch(source, b.job)
  }

  private launch (source: string, job: Job): void {
    const view: TransferView = {
      cid: job.length === 1 ? job[0][0] : `${job.length} files`,
      peer: source,
      size: job.reduce((n, [, w]) => n + w.size, 0),
      done: 0,
      startedAt: Date.now(),
      files: job.length
    }
    for (const [cid] of job) this.busy.add(cid)
    this.running.add(view)
    const run = job.length === 1 && job[0][1].size > MAX_BATCH_FILE_BYTES ? this.fetchOne(job[0], view) : this.fetchBatch(job, view)
    run.catch(async err => {
      this.log('fetch of %s from %s failed: %s', view.cid, source, err.message)
      // a full disk needs the operator: say so on stderr whatever DEBUG says (battery C9)
      if (err?.code === 'disk-full' || err?.code === 'disk-reserve') process.stderr.write(`quire: fetch of ${view.cid} from ${source} failed: ${err.message}\n`)
      // a lone large file's done is how far into it this try got (resumed offset + bytes read)
      const reached = job.length === 1 && job[0][1].size > MAX_BATCH_FILE_BYTES ? view.done : 0
      for (const [cid] of job) await this.failed(cid, source, err, reached)
    }).finally(() => {
      this.running.delete(view)
      for (const [cid] of job) this.busy.delete(cid)
      this.kick()
    })
  }

  /**
   * A file did not come from `source`: back off, and drop the source if it will never serve it.
   * `reached`: how far into the file this try got, in bytes (0 for batches).
   */
  private async failed (cid: string, source: string, err: any, reached = 0): Promise<void> {
    if (err?.code === 'file-mismatch') {
      // bytes that are not what the signed record names: a broken or hostile partner
      this.stats.of(source).filesRejected++
      this.log.error('ALARM: partner %s served bytes that do not match %s; not asking it for this file again', source, cid)
      await this.dropSource(cid, source)
    } else if (err?.name === 'RemoteRefusedError' && (err.status === FileStatus.NOT_ELIGIBLE || err.status === FileStatus.NOT_FOUND || err.status === FileStatus.DAMAGED)) {
      await this.dropSource(cid, source)
    }
    const prev = this.backoff.get(cid)
    // it got further than every try before it: retry soon, whatever the failures before (DEV DOCS)
    const further = prev != null && reached > prev.reached
    const delay = prev == null || further ? FETCH_RETRY_MIN_MS : Math.min(FETCH_RETRY_MAX_MS, prev.delay * 2)
    this.backoff.set(cid, { until: Date.now() + delay, delay, peer: source, reached: Math.max(reached, prev?.reached ?? 0) })
    if (delay < FETCH_SCAN_INTERVAL_MS && this.retryTimer == null) {
      this.retryTimer = setTimeout(() => { this.retryTimer = undefined; this.kick() }, delay)
      this.retryTimer.unref()
    }
  }

  private async dropSource (cid: string, source: string): Promise<void> {
    await this.site.docs.exclusive(async () => {
      const w = await this.site.docs.getWant(cid)
      if (w == null) return
      w.sources = w.sources.filter(s => s !== source)
      if (w.sources.length === 0) {
        // no one left to ask: delta-T brings the offer again; a staged part would only linger
        await this.site.docs.dropWant(cid)
        await this.site.files.discardStaged(cid)
      } else {
        await this.site.docs.putWant(cid, w)
      }
    })
  }

  private needed (cid: string): Promise<boolean> | boolean {
    return this.site.blobs.isDamaged(cid) || this.site.files.stat(parseCid(cid)).then(st => st == null)
  }

  private async fetchOne ([cidText, want]: [string, Want], view: TransferView): Promise<void> {
    if (await this.needed(cidText)) {
      const expect = { cid: parseCid(cidText), size: want.size, blocks: parseCid(want.blocks) }
      let network = 0
      try {
        await receiveFile(this.site, this.files, peerIdFromString(view.peer), expect, {
          // bytes may be counted before the resume is known: they come on top of the offset
          onResume: offset => { view.done = offset + network },
          onBytes: n => { view.done += n; network += n }
        })
      } finally {
        this.stats.of(view.peer).bytesReceived += network
      }
      this.stats.of(view.peer).filesReceived++
    } else {
      await this.adopt(cidText)
    }
    await this.arrived([[cidText, want]])
  }

  private async fetchBatch (job: Job, view: TransferView): Promise<void> {
    const wants = new Map(job)
    const todo: Job = []
    const have: Job = []
    for (const item of job) ((await this.needed(item[0])) ? todo : have).push(item)
    for (const [cid] of have) await this.adopt(cid)
    const staged = this.site.files.batch()
    const got: Job = []
    const counters = this.stats.of(view.peer)
    try {
      if (todo.length > 0) {
        for await (const item of this.files.fetchBatch(peerIdFromString(view.peer), todo.map(([cid]) => parseCid(cid)))) {
          const cid = item.cid.toString()
          const want = wants.get(cid)!
          if (item.status !== FileStatus.OK || item.bytes == null) {
            await this.failed(cid, view.peer, new RemoteRefusedError(item.status, item.message))
            continue
          }
          try {
            await staged.putBytes(item.bytes, { cid: item.cid, size: want.size, blocks: parseCid(want.blocks) })
          } catch (err) {
            await this.failed(cid, view.peer, err)
            continue
          }
          view.done += item.bytes.byteLength
          counters.bytesReceived += item.bytes.byteLength
          got.push([cid, want])
        }
      }
      // durable and visible together, then recorded
      await staged.commit()
    } catch (err) {
      staged.abort()
      throw err
    }
    counters.filesReceived += got.length
    await this.arrived([...have, ...got])
  }

  /**
   * A wanted file is already under its final name: a crash came after its rename and before it was
   * recorded (the blob index entry, the want dropped, the staged block list removed). Index it if
   * the index lacks it (hashed first: audit must know what this node holds) and drop the leftovers.
   */
  private async adopt (cidText: string): Promise<void> {
    if ((await this.site.blobs.get(cidText)) == null) {
      const hashed = await adoptStored(this.site, parseCid(cidText))
      if (!hashed.ok) {
        await this.site.blobs.markDamaged(cidText, 'hash-mismatch', hashed.size)
        // not the source's fault (no file-mismatch code: that would drop the source): fetch it again
        throw new Error(`the stored ${cidText} does not hash to its name; fetching it again`)
      }
    }
    await this.site.files.discardStaged(cidText)
  }

  /** Files are here: their wants go, and the documents naming them move up the change log. */
  private async arrived (job: Job): Promise<void> {
    if (job.length === 0) return
    for (const [cid] of job) this.backoff.delete(cid)
    await this.site.docs.dropWants(job.map(([cid]) => cid))
    const ids = new Set(job.flatMap(([, w]) => w.ids))
    for (const [cid] of job) for (const d of await this.site.docs.docsForCid(cid)) ids.add(d.id)
    await this.site.docs.touch([...ids])
  }
}
