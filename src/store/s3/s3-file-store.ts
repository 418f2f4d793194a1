/**
 * DEV DOCS — the file store on an S3-compatible object store (Ceph RGW, or any S3 with path-style
 * addressing), for sites whose files outgrow one machine's disks. Chosen by `objectStore` in
 * config.json (README "Files on an object store"); the metadata stays in the home's LevelDB.
 *
 * Keys under the configured prefix:
 *   data/<cid>            a data file, named by its CID: whole, verified, never rewritten
 *   staging/…             uploads on their way (put: random names; transfers: <cid>.part/.blocks)
 *   quire-store           the store marker (epoch), as files/.quire-store on a disk
 *
 * The same promise as the disk store: nothing is under `data/` unless its bytes hash to its name.
 *   put       streams a multipart upload (lib-storage, part size chosen by partSizeFor) to a
 *             staging key, hashing as it goes; the upload is completed only if the CID matches
 *             (a mismatch aborts it: nothing visible), then copied server-side to `data/<cid>`.
 *   putBytes  small files already in memory: hashed first, then one PUT straight to `data/<cid>`
 *             (a PUT is atomic: the object appears whole or not at all; Content-MD5 guards the way).
 *   receive   a partner's transfer, resumable across broken connections and restarts (s3-writer.ts).
 * Reads are ranged GETs, so serving from any offset, resuming and audit stream; nothing is ever
 * held whole in memory. Every failure of the object store is a typed one-line error (bucket.ts),
 * never "file absent": an unreachable store must not turn into files marked damaged.
 */
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { Upload } from '@aws-sdk/lib-storage'
import type { CID } from 'multiformats/cid'
import { BlockHasher, blockListCid, blockListProblem } from '../../model/blocks.js'
import { crashPoint } from '../../faults.js'
import { FileMismatchError, FileMissingError, SMALL_PUT_BYTES, finishRef, hashedSource, refOf, type BlobRef, type FileBatch, type FileStore, type FileWriter, type PutOptions, type StoredBlob } from '../file-store.js'
import { Bucket, MAX_COPY_BYTES } from './bucket.js'
import { loadCredentials, type ObjectStoreConfig } from './s3-config.js'
import { S3ReceiveWriter, partSizeFor } from './s3-writer.js'

/** Reads are handed on in chunks of about this size: an HTTP body arrives in 16–64 KiB pieces. */
const READ_COALESCE_BYTES = 1024 * 1024
/** Parts of one put uploading at once (lib-storage's queue): memory is this times the part size. */
const PUT_QUEUE = 2
/**
 * A put's parts are larger than a transfer's (partSizeFor): a put is not resumed, so a larger part
 * loses nothing, and half the requests: 71 MB/s into Ceph RGW here, against 49 with 8 MiB parts.
 */
const PUT_PART_MIN = 16 * 1024 * 1024

export class S3FileStore implements FileStore {
  readonly bucket: Bucket
  readonly prefix: string
  readonly where: string
  /** files larger than this with a known CID are uploaded at their own key (lowered by tests) */
  directAbove = MAX_COPY_BYTES
  private readonly stagePrefix = `put-${process.pid}-${randomBytes(4).toString('hex')}`
  private staged = 0
  onStored: (refs: StoredBlob[]) => Promise<void> = async () => {}

  constructor (cfg: ObjectStoreConfig, bucket: Bucket) {
    this.bucket = bucket
    this.prefix = cfg.prefix
    this.where = `s3://${cfg.bucket}/${cfg.prefix} at ${cfg.endpoint}`
  }

  /** Reads the credentials (never the network: a node offline can still say what is wrong). */
  static async open (cfg: ObjectStoreConfig): Promise<S3FileStore> {
    return new S3FileStore(cfg, new Bucket(cfg, await loadCredentials(cfg)))
  }

  keyOf (cid: CID | string): string { return `${this.prefix}data/${cid.toString()}` }
  stagingKey (name: string): string { return `${this.prefix}staging/${name}` }
  private get markerKey (): string { return `${this.prefix}quire-store` }

  async create (): Promise<void> { await this.bucket.ensure() }

  async readMarker (): Promise<string | null> {
    let bytes: Uint8Array | null
    try {
      bytes = await this.bucket.getSmall(this.markerKey)
    } catch (err: any) {
      // a deleted bucket is a vanished store; an unreachable one is not (that error goes up)
      if (err?.code === 'object-store-bucket-missing') return null
      throw err
    }
    try {
      const epoch = JSON.parse(Buffer.from(bytes ?? []).toString('utf8'))?.epoch
      return typeof epoch === 'string' ? epoch : null
    } catch {
      return null
    }
  }

  async writeMarker (epoch: string): Promise<void> {
    await this.bucket.put(this.markerKey, Buffer.from(JSON.stringify({ epoch }) + '\n'))
  }

  async stat (cid: CID): Promise<{ size: number } | null> {
    return await this.bucket.head(this.keyOf(cid))
  }

  /** A verified object at a staging key becomes `data/<cid>`; the staging key goes. */
  async promote (staged: string, ref: StoredBlob): Promise<BlobRef> {
    // always copied, even over an object already there: that one may be the damaged copy a repair replaces
    await this.bucket.copy(staged, this.keyOf(ref.cid), ref.size)
    await this.bucket.delete(staged)
    return await this.published(ref)
  }

  /** A verified file is at its key: the node indexes it. */
  async published (ref: StoredBlob): Promise<BlobRef> {
    crashPoint('file.renamed')
    await this.onStored([ref])
    return { cid: ref.cid, size: ref.size, blocks: ref.blocks }
  }

  wantsCidFirst (size: number): boolean { return size > this.directAbove }

  async put (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts: PutOptions = {}): Promise<BlobRef> {
    const declared = opts.expect?.size ?? opts.size
    if (declared == null) throw new TypeError('FileStore.put needs the size (opts.size or opts.expect)')
    // a file too large to copy cheaply goes straight to its key when that is known (MAX_COPY_BYTES):
    // it stays invisible until the upload completes, which happens only after the CID matched
    const direct = opts.expect != null && declared > this.directAbove
    const key = direct ? this.keyOf(opts.expect!.cid) : this.stagingKey(`${this.stagePrefix}-${this.staged++}`)
    const hasher = new BlockHasher(declared)
    let ref: StoredBlob | undefined
    const body = Readable.from((async function * () {
      yield * hashedSource(source, declared, hasher, opts)
      // before the stream ends, so before the upload completes: a wrong file aborts it
      ref = finishRef(hasher, declared, opts.expect)
      // a direct upload is visible once complete, so the note comes before the stream ends too
      await opts.beforeVisible?.([ref])
    })(), { objectMode: false })
    const upload = new Upload({
      client: this.bucket.client,
      params: { Bucket: this.bucket.name, Key: key, Body: body },
      partSize: Math.max(PUT_PART_MIN, partSizeFor(declared)),
      queueSize: PUT_QUEUE,
      leavePartsOnError: false
    })
    const onAbort = (): void => { void upload.abort() }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await upload.done()
    } catch (err) {
      body.destroy()
      throw this.bucket.error(err, `uploading a file to ${this.where}`)
    } finally {
      opts.signal?.removeEventListener('abort', onAbort)
    }
    crashPoint('file.fsynced')
    if (ref == null) throw new FileMismatchError('the upload ended before its data did')
    return direct ? await this.published(ref) : await this.promote(key, ref)
  }

  async putBytes (bytes: Uint8Array, opts: PutOptions = {}): Promise<BlobRef> {
    if (bytes.byteLength > SMALL_PUT_BYTES) return await this.put([bytes], { ...opts, size: bytes.byteLength })
    const ref = await this.putVerified(bytes, opts.expect, opts.beforeVisible)
    await this.onStored([ref])
    opts.onBytes?.(bytes.byteLength)
    return { cid: ref.cid, size: ref.size, blocks: ref.blocks }
  }

  /**
   * Hash `bytes`, then PUT them at their content address (atomic: whole or nothing). Not
   * conditional: an object already there may be a damaged copy this one replaces.
   */
  private async putVerified (bytes: Uint8Array, expect?: PutOptions['expect'], beforeVisible?: PutOptions['beforeVisible']): Promise<StoredBlob> {
    const ref = refOf(bytes, expect)
    await beforeVisible?.([ref])
    crashPoint('file.staged')
    await this.bucket.put(this.keyOf(ref.cid), bytes)
    crashPoint('file.renamed')
    return ref
  }

  /** Small files: each one is at its key when putBytes returns; commit indexes them together. */
  batch (opts: Pick<PutOptions, 'beforeVisible'> = {}): FileBatch {
    let refs: StoredBlob[] = []
    /** PUTs under way: a commit waits for them (they were begun before it) */
    const inFlight = new Set<Promise<unknown>>()
    return {
      get size () { return refs.length },
      putBytes: async (bytes, expect) => {
        // each file is visible once its PUT returns, so each is noted on its own
        const put = this.putVerified(bytes, expect, opts.beforeVisible).then(ref => { refs.push(ref); return ref })
        inFlight.add(put)
        try {
          const ref = await put
          return { cid: ref.cid, size: ref.size, blocks: ref.blocks }
        } finally {
          inFlight.delete(put)
        }
      },
      commit: async () => {
        await Promise.allSettled([...inFlight])
        const done = refs
        refs = []
        if (done.length > 0) await this.onStored(done)
      },
      abort: () => { refs = [] }
    }
  }

  /** Nothing to do: an object store's PUT and copy are durable when they return. */
  async syncDirs (): Promise<void> {}

  async receive (expect: { cid: CID, size: number, blocks: CID }, blockList: Uint8Array): Promise<FileWriter> {
    const problem = blockListProblem(blockList, expect)
    if (problem != null) throw new FileMismatchError(`the block list does not match the record: ${problem}`)
    return await S3ReceiveWriter.open(this, expect, blockList)
  }

  async stagedBlockList (expect: { cid: CID, blocks: CID }): Promise<Uint8Array | null> {
    const list = await this.bucket.getSmall(this.stagingKey(`${expect.cid.toString()}.blocks`))
    return list != null && blockListCid(list).equals(expect.blocks) ? list : null
  }

  async discardStaged (cid: CID | string): Promise<void> {
    const part = this.stagingKey(`${cid.toString()}.part`)
    for (const key of [part, this.keyOf(cid)]) {
      for (const u of await this.bucket.listUploads(key)) if (u.key === key) await this.bucket.abortUpload(u.key, u.uploadId)
    }
    await this.bucket.delete(part)
    await this.bucket.delete(this.stagingKey(`${cid.toString()}.blocks`))
  }

  async * read (cid: CID, offset = 0, length?: number): AsyncIterable<Uint8Array> {
    if (length === 0) return
    const body = await this.bucket.getRange(this.keyOf(cid), offset, length)
    if (body == null) throw new FileMissingError(cid.toString())
    let pieces: Uint8Array[] = []
    let held = 0
    try {
      for await (const chunk of body) {
        pieces.push(chunk)
        held += chunk.byteLength
        if (held < READ_COALESCE_BYTES) continue
        yield pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, held)
        pieces = []
        held = 0
      }
    } catch (err) {
      throw this.bucket.error(err, `reading ${cid.toString()}`)
    }
    if (held > 0) yield Buffer.concat(pieces, held)
  }

  async remove (cid: CID): Promise<void> {
    await this.bucket.delete(this.keyOf(cid))
  }

  async * list (): AsyncIterable<string> {
    const under = `${this.prefix}data/`
    for await (const o of this.bucket.listKeys(under)) yield o.key.slice(under.length)
  }

  async cleanStaging (keep: Set<string> = new Set()): Promise<number> {
    const under = this.stagingKey('')
    const dataUnder = `${this.prefix}data/`
    const cidOfKey = (key: string): string => key.startsWith(dataUnder) ? key.slice(dataUnder.length) : key.slice(under.length).replace(/\.(part|blocks)$/, '')
    const wanted = (key: string): boolean => keep.has(cidOfKey(key))
    let gone = 0
    // uploads in staging, and the large files' uploads at their own keys (never visible till completed)
    for (const u of [...await this.bucket.listUploads(under), ...await this.bucket.listUploads(dataUnder)]) {
      if (wanted(u.key)) continue
      await this.bucket.abortUpload(u.key, u.uploadId)
      gone++
    }
    for await (const o of this.bucket.listKeys(under)) {
      if (wanted(o.key)) continue
      await this.bucket.delete(o.key)
      gone++
    }
    return gone
  }
}
