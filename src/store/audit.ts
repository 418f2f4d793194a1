/**
 * DEV DOCS — fixity audit (`quire audit`, and the node's scheduled audit).
 *
 * 1. Every data file in the blob index is re-hashed, streamed, against its CID: gone → `missing`,
 *    shorter → `truncated`, otherwise different → `hash-mismatch`. Damage is recorded in the
 *    index at once (quarantine: never served, never copied out, not `local`); a file that hashes
 *    right again (replaced by a repair) is cleared.
 * 2. Every file in the store that the index does not name is `unknown` — reported, never served as
 *    good, never deleted — unless a record names it and it hashes right (a crash between the
 *    rename and the index write): then it is adopted into the index.
 * 3. Every document's current record is verified against its home's signature and its metadata.
 * `after` resumes a walk from a checkpoint (the scheduled audit); `bytesPerSecond` throttles it.
 */
import { createHash } from 'node:crypto'
import type { Site } from '../site.js'
import { StoreError } from '../errors.js'
import { cidFromBytes, parseCid, rawCidFromDigest } from '../model/cids.js'
import { RecordError, verifyRevision } from '../model/record.js'
import type { DamageReason } from './blobs.js'
import { CID } from 'multiformats/cid'
import { BlockHasher, blockListCid } from '../model/blocks.js'

export interface AuditFinding {
  /** the (first) document whose current revision names the item */
  id: string | null
  ids: string[]
  cid: string | null
  kind: 'data' | 'record'
  reason: DamageReason | 'bad-signature' | 'bad-record' | 'meta-mismatch' | 'metadata-missing' | 'record-missing'
}

export interface AuditReport {
  startedAt: string
  finishedAt: string
  /** data files checked */
  checked: number
  bytes: number
  records: number
  corrupt: AuditFinding[]
  /** files in the store no record or index entry accounts for */
  unknown: string[]
  /** files found whole and named by a record but missing from the index, now indexed */
  adopted: string[]
  /** the file store itself is gone (no marker: renamed, emptied, unmounted): every file reads as missing, none is marked */
  storeMissing?: boolean
}

export interface AuditOptions {
  bytesPerSecond?: number
  signal?: AbortSignal
  onProgress?: (p: { checked: number, bytes: number }) => void
  /** only the data files (the scheduled audit's increments) */
  dataOnly?: boolean
  /** start after this CID in the index, stop after `limit` files (scheduled audit) */
  after?: string
  limit?: number
  /** called with the last CID checked, for checkpoints */
  onCheckpoint?: (cid: string) => Promise<void>
}

/** Read a stored file through `update`, honouring the throttle and the signal; its size. */
async function readThrough (site: Site, cid: CID, update: (chunk: Uint8Array) => void, throttle?: Throttle, signal?: AbortSignal): Promise<number> {
  let size = 0
  for await (const chunk of site.files.read(cid)) {
    signal?.throwIfAborted()
    update(chunk)
    size += chunk.byteLength
    await throttle?.spend(chunk.byteLength)
  }
  return size
}

/** Hash a stored file whole and block by block (to adopt it: its block list goes in the index). */
export async function hashFile (site: Site, cid: CID, throttle?: Throttle, signal?: AbortSignal): Promise<{ ok: boolean, size: number, blockList: Uint8Array }> {
  const st = await site.files.stat(cid)
  const hasher = new BlockHasher(st?.size ?? 0)
  const size = await readThrough(site, cid, chunk => hasher.update(chunk), throttle, signal)
  const { digest, blocks } = hasher.finish()
  return { ok: rawCidFromDigest(digest).equals(cid), size, blockList: blocks }
}

/**
 * Hash a file found under its final name and, if it matches its CID, index it (size and block
 * list): what an audit, the file server and the fetcher do with a file the index lacks.
 */
export async function adoptStored (site: Site, cid: CID, throttle?: Throttle, signal?: AbortSignal): Promise<{ ok: boolean, size: number, blockList: Uint8Array }> {
  const hashed = await hashFile(site, cid, throttle, signal)
  if (hashed.ok) await site.blobs.noteStored([{ cid, size: hashed.size, blocks: blockListCid(hashed.blockList), blockList: hashed.blockList }])
  return hashed
}

/** Does a stored file hash to its CID? One SHA-256 pass: the audit needs no block list. */
async function matchesCid (site: Site, cid: CID, throttle?: Throttle, signal?: AbortSignal): Promise<boolean> {
  const whole = createHash('sha256')
  await readThrough(site, cid, chunk => whole.update(chunk), throttle, signal)
  return rawCidFromDigest(whole.digest()).equals(cid)
}

/** Re-hash one stored file and record the result in the blob index; null if it is good. */
export async function auditFile (site: Site, cidText: string, expectedSize: number, throttle?: Throttle, signal?: AbortSignal): Promise<DamageReason | null> {
  const cid = parseCid(cidText)
  const st = await site.files.stat(cid)
  let reason: DamageReason | null = null
  // a store renamed away or unmounted is not N missing files: a running node stops on it
  // (QuireNode.checkHealth) and its audit refuses; an offline audit (diagnosing) reports every file
  // missing but records nothing, or the marks would outlive the store's return
  if (st == null && !(await site.storePresent())) {
    if (!site.diagnosing) throw storeMissing(site)
    return 'missing'
  }
  if (st == null) reason = 'missing'
  else if (st.size < expectedSize) reason = 'truncated'
  else if (st.size > expectedSize || !(await matchesCid(site, cid, throttle, signal))) reason = 'hash-mismatch'
  if (reason != null) await site.blobs.markDamaged(cidText, reason, expectedSize)
  else if (site.blobs.isDamaged(cidText)) await site.blobs.clearDamage(cidText, expectedSize)
  return reason
}

function storeMissing (site: Site): StoreError {
  return new StoreError(`store missing: ${site.files.where} or ${site.paths.db} is gone (renamed, emptied or unmounted); nothing was audited as damaged`, 'store-missing')
}

export async function audit (site: Site, opts: AuditOptions = {}): Promise<AuditReport> {
  const present = await site.storePresent()
  if (!present && !site.diagnosing) throw storeMissing(site)
  const report: AuditReport = { startedAt: new Date().toISOString(), finishedAt: '', checked: 0, bytes: 0, records: 0, corrupt: [], unknown: [], adopted: [], ...(present ? {} : { storeMissing: true }) }
  const throttle = opts.bytesPerSecond != null && opts.bytesPerSecond > 0 ? new Throttle(opts.bytesPerSecond) : undefined
  const finding = async (cid: string, reason: DamageReason): Promise<void> => {
    const ids = (await site.docs.docsForCid(cid)).map(d => d.id)
    report.corrupt.push({ id: ids[0] ?? null, ids, cid, kind: 'data', reason })
  }

  for await (const [cid, info] of site.blobs.entries(opts.after)) {
    opts.signal?.throwIfAborted()
    const reason = await auditFile(site, cid, info.size, throttle, opts.signal)
    if (reason != null) await finding(cid, reason)
    report.checked++
    report.bytes += info.size
    opts.onProgress?.({ checked: report.checked, bytes: report.bytes })
    await opts.onCheckpoint?.(cid)
    if (opts.limit != null && report.checked >= opts.limit) break
  }
  if (opts.dataOnly === true) return finish(report)

  for await (const name of site.files.list()) {
    if ((await site.blobs.get(name)) != null) continue
    const cid = parseFileName(name)
    const hashed = cid != null && await site.docs.isReferenced(name) ? await adoptStored(site, cid, throttle, opts.signal) : null
    if (hashed?.ok === true) {
      report.adopted.push(name)
    } else {
      report.unknown.push(name)
    }
  }

  let after: string | undefined
  while (true) {
    const page = await site.docs.list({ after, limit: 1000 })
    if (page.length === 0) break
    for (const doc of page) {
      opts.signal?.throwIfAborted()
      report.records++
      const bad = (reason: AuditFinding['reason']): void => { report.corrupt.push({ id: doc.id, ids: [doc.id], cid: null, kind: 'record', reason }) }
      const [signed, metadata] = await Promise.all([site.docs.signed(doc.id, doc.rev), site.docs.metadata(doc.meta)])
      if (signed == null) { bad('record-missing'); continue }
      if (metadata == null) { bad('metadata-missing'); continue }
      try {
        const v = await verifyRevision(signed, metadata)
        if (v.recordCid.toString() !== doc.recordCid) bad('bad-record')
      } catch (err) {
        if (!(err instanceof RecordError)) throw err
        bad(err.reason)
      }
    }
    after = page[page.length - 1].id
  }
  return finish(report)
}

function finish (report: AuditReport): AuditReport {
  report.finishedAt = new Date().toISOString()
  return report
}

function parseFileName (name: string): CID | null {
  try {
    return cidFromBytes(CID.parse(name).bytes)
  } catch {
    return null
  }
}

/** Holds a reader to `bytesPerSecond` on average. */
export class Throttle {
  private readonly rate: number
  private readonly start = performance.now()
  private spent = 0

  constructor (bytesPerSecond: number) {
    this.rate = bytesPerSecond
  }

  async spend (n: number): Promise<void> {
    this.spent += n
    const due = (this.spent / this.rate) * 1000 - (performance.now() - this.start)
    if (due > 5) await new Promise(resolve => setTimeout(resolve, due))
  }
}
