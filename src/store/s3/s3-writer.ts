/**
 * A transfer from a partner into the object store, resumable (the S3 side of FileWriter).
 *
 * The bytes go to a multipart upload at `staging/<cid>.part`, the block list beside it at
 * `staging/<cid>.blocks`. Each block is checked against the signed block list before it joins a
 * part, so every part the server holds is verified data; parts are a whole number of blocks
 * (partSizeFor), up to two upload while the next one fills. After a broken connection or a
 * restart, the upload's parts (ListParts) are the verified prefix: numbers 1..k, each whole.
 *
 * `finish` checks the whole-file CID (hashed while streaming), completes the upload at the
 * staging key — nothing is at the file's own key yet — and copies it to its content-addressed key
 * (S3FileStore.promote). A transfer resumed in another process has no hash of its prefix: its
 * staged object is read back and hashed before the copy. A mismatch deletes the staging object.
 *
 * Files above MAX_COPY_BYTES (bucket.ts) are uploaded at their own key instead (a copy would move every byte
 * again): an upload is invisible until completed, and it is completed only once every byte was
 * verified — per block against the signed block list, and whole against the CID. Only a resumed
 * one of those is completed on its blocks alone and hashed right after; should it not match its
 * CID (a home that signed a block list and a CID of different bytes), it is deleted at once.
 */
import type { CompletedPart } from '@aws-sdk/client-s3'
import { createHash } from 'node:crypto'
import type { CID } from 'multiformats/cid'
import { rawCidFromDigest } from '../../model/cids.js'
import { blockSize } from '../../model/blocks.js'
import { crashPoint } from '../../faults.js'
import { BlockVerifier, FileMismatchError, checkCid, type BlobRef, type FileWriter } from '../file-store.js'
import type { S3FileStore } from './s3-file-store.js'

/**
 * Parts of at least this size: S3's minimum is 5 MiB. Larger parts mean fewer requests; smaller
 * ones less lost when a transfer is cut (the part being filled is sent again) and less memory
 * (2 uploading + 1 filling: 24 MiB).
 */
export const MIN_PART_BYTES = 8 * 1024 * 1024
/** S3 allows 10,000 parts; stay below it with room to spare. */
const MAX_PARTS = 9_000
/** Parts uploading at once while the next one fills. */
const PARTS_IN_FLIGHT = 2

/**
 * The part size for a file of `size` bytes, chosen on purpose: at least MIN_PART_BYTES, large
 * enough that the file needs at most MAX_PARTS parts (the SDK's default of 5 MiB stops near
 * 49 GiB), and a whole number of blocks, so that a part holds only verified blocks.
 */
export function partSizeFor (size: number): number {
  const b = blockSize(size)
  const want = Math.max(MIN_PART_BYTES, Math.ceil(size / MAX_PARTS))
  return Math.ceil(want / b) * b
}

export class S3ReceiveWriter implements FileWriter {
  private readonly store: S3FileStore
  private readonly verifier: BlockVerifier
  /** where the parts go: a staging key, or the file's own key for a file too large to copy */
  private readonly partKey: string
  private readonly direct: boolean
  private readonly blocksKey: string
  private readonly partBytes: number
  private uploadId = ''
  private readonly done: CompletedPart[] = []
  private inFlight: Array<Promise<CompletedPart>> = []
  /** the part being filled: verified blocks are copied in (the network's buffers are not kept) */
  private filling: Buffer | null = null
  private fillingBytes = 0

  private constructor (store: S3FileStore, expect: BlockVerifier['expect'], list: Uint8Array) {
    this.store = store
    this.direct = expect.size > store.directAbove
    this.partKey = this.direct ? store.keyOf(expect.cid) : store.stagingKey(`${expect.cid.toString()}.part`)
    this.blocksKey = store.stagingKey(`${expect.cid.toString()}.blocks`)
    this.partBytes = partSizeFor(expect.size)
    this.verifier = new BlockVerifier(expect, list, async pieces => { await this.take(pieces) })
  }

  get offset (): number { return this.verifier.offset }

  static async open (store: S3FileStore, expect: BlockVerifier['expect'], list: Uint8Array): Promise<S3ReceiveWriter> {
    const w = new S3ReceiveWriter(store, expect, list)
    const bucket = store.bucket
    const known = await bucket.getSmall(w.blocksKey)
    const uploads = (await bucket.listUploads(w.partKey)).filter(u => u.key === w.partKey)
    const resumable = known != null && Buffer.from(known).equals(Buffer.from(list)) ? uploads.pop() : undefined
    // uploads of another block list, or older duplicates: their parts are not this transfer's
    for (const u of uploads) await bucket.abortUpload(u.key, u.uploadId)
    if (resumable == null) {
      await bucket.put(w.blocksKey, list)
      w.uploadId = await bucket.createUpload(w.partKey)
      return w
    }
    w.uploadId = resumable.uploadId
    // parts 1..k, each whole, are the verified prefix (a part is uploaded only once all its
    // blocks were checked); anything after a gap is sent again
    for (const p of await bucket.listParts(w.partKey, w.uploadId)) {
      if (p.partNumber !== w.done.length + 1 || p.size !== w.partBytes) break
      w.done.push({ PartNumber: p.partNumber, ETag: p.etag })
    }
    w.verifier.acceptUnhashed(Math.min(w.done.length * w.partBytes, expect.size))
    return w
  }

  async write (chunk: Uint8Array): Promise<void> { await this.verifier.write(chunk) }

  /** A verified block: into the part being filled; a full part starts uploading. */
  private async take (pieces: Uint8Array[]): Promise<void> {
    this.filling ??= Buffer.allocUnsafe(this.partBytes)
    for (const p of pieces) {
      this.filling.set(p, this.fillingBytes)
      this.fillingBytes += p.byteLength
    }
    if (this.fillingBytes >= this.partBytes) await this.sendPart()
  }

  private async sendPart (): Promise<void> {
    const body = (this.filling ?? Buffer.alloc(0)).subarray(0, this.fillingBytes)
    this.filling = null
    this.fillingBytes = 0
    const n = this.done.length + this.inFlight.length + 1
    const upload = this.store.bucket.uploadPart(this.partKey, this.uploadId, n, body)
    upload.catch(() => {}) // awaited below or in close; never an unhandled rejection
    this.inFlight.push(upload)
    if (this.inFlight.length >= PARTS_IN_FLIGHT) this.done.push(await this.inFlight.shift()!)
  }

  private async drain (): Promise<void> {
    while (this.inFlight.length > 0) this.done.push(await this.inFlight.shift()!)
  }

  async finish (): Promise<BlobRef> {
    const hashed = this.verifier.checkComplete()
    const bucket = this.store.bucket
    if (this.fillingBytes > 0 || this.done.length + this.inFlight.length === 0) await this.sendPart()
    await this.drain()
    crashPoint('file.staged')
    await bucket.completeUpload(this.partKey, this.uploadId, this.done)
    crashPoint('file.fsynced')
    const ref = this.verifier.ref()
    try {
      if (!hashed) await this.checkStaged(ref.cid)
    } catch (err) {
      await bucket.delete(this.partKey).catch(() => {})
      await bucket.delete(this.blocksKey).catch(() => {})
      throw err
    }
    const result = this.direct ? await this.store.published(ref) : await this.store.promote(this.partKey, ref)
    await bucket.delete(this.blocksKey)
    return result
  }

  /** A resumed transfer's whole-file CID: read the staged object back and hash it. */
  private async checkStaged (cid: CID): Promise<void> {
    const whole = createHash('sha256')
    const body = await this.store.bucket.getRange(this.partKey, 0)
    if (body == null) throw new FileMismatchError(`the staged upload of ${cid.toString()} vanished before it was checked`)
    for await (const chunk of body) whole.update(chunk)
    checkCid(rawCidFromDigest(whole.digest()), cid)
  }

  async close (keep: boolean): Promise<void> {
    this.verifier.discardPending()
    this.filling = null
    this.fillingBytes = 0
    await Promise.allSettled(this.inFlight)
    this.inFlight = []
    if (!keep) await this.store.discardStaged(this.verifier.expect.cid)
  }
}
