/**
 * DEV DOCS — the file store's interface, shared by its two implementations: the local file system
 * (store/files.ts, the default) and an S3-compatible object store (store/s3/, issue "the file
 * store on an object store"). Callers (fetcher, file server, audit, repair, put) see only this.
 *
 * Whatever the backend, the store keeps one promise: a file is visible under its CID only once it
 * is whole, verified against that CID, and durable. Everything else (staging, resumable
 * transfers, the marker that tells a present store from a vanished one) serves that promise.
 */
import { createHash } from 'node:crypto'
import type { CID } from 'multiformats/cid'
import { rawCidFromDigest } from '../model/cids.js'
import { BlockHasher, blockCount, blockDigest, blockListCid, blockSize } from '../model/blocks.js'
import { QuireError } from '../errors.js'

/** Reads for hashing and serving; large enough to amortise syscalls, small enough to bound memory. */
export const READ_CHUNK_BYTES = 256 * 1024
/** Largest file {@link FileStore.putBytes} takes in memory; larger ones stream through put. */
export const SMALL_PUT_BYTES = 64 * 1024

/** A stored data file: its CID, size, and the CID of its block list. */
export interface BlobRef { cid: CID, size: number, blocks: CID }
/** What the store reports when a file became visible: the block list itself too. */
export interface StoredBlob extends BlobRef { blockList: Uint8Array }

export interface PutOptions {
  /** the file must be exactly this: otherwise nothing becomes visible and FileMismatchError is thrown */
  expect?: { cid: CID, size: number, blocks?: CID }
  /** the file's size when nothing is expected (a local file): it fixes the block size */
  size?: number
  signal?: AbortSignal
  onBytes?: (n: number) => void
  /**
   * false: leave making the file's name durable to a later {@link FileStore.syncDirs}. The caller
   * must call it before it records the file anywhere (a rename that is not yet durable could vanish).
   */
  syncDir?: boolean
  /**
   * Awaited with the verified file's reference before it can become visible under its name: a
   * caller that records it only afterwards notes it there (store/pending-files.ts).
   */
  beforeVisible?: (refs: StoredBlob[]) => Promise<void>
}

/** Many small files made visible together: {@link FileBatch.commit} before recording any of them. */
export interface FileBatch {
  readonly size: number
  /** stage `bytes` (checked against `expect`, if given: FileMismatchError otherwise) */
  putBytes: (bytes: Uint8Array, expect?: PutOptions['expect']) => Promise<BlobRef>
  commit: () => Promise<void>
  abort: () => void
}

/**
 * A transfer into the store that survives interruptions: it starts at `offset` (the verified prefix
 * kept from an earlier attempt), takes the rest in order, and makes the file visible at `finish`.
 */
export interface FileWriter {
  /** bytes verified and kept: where the sender must continue */
  readonly offset: number
  write: (chunk: Uint8Array) => Promise<void>
  finish: (syncDir?: boolean) => Promise<BlobRef>
  /** stop: keep the verified prefix for a later resume (`keep`), or throw it all away */
  close: (keep: boolean) => Promise<void>
}

export interface FileStore {
  /** where the files are, for messages: a directory, or s3://bucket/prefix at an endpoint */
  readonly where: string
  /** awaited once files are visible, before put returns: the node indexes them (store/blobs.ts) */
  onStored: (refs: StoredBlob[]) => Promise<void>
  /** size of the file stored under `cid`, or null; throws if the store cannot be asked */
  stat: (cid: CID) => Promise<{ size: number } | null>
  /**
   * true if a file of `size` bytes is stored much faster when its CID is known before it streams
   * in (an object store copies a large staged object byte by byte): `put` then reads a local file
   * twice, once to hash it and once to store it under `expect`
   */
  wantsCidFirst?: (size: number) => boolean
  /** stream `source` in; visible under its CID only once whole, verified and durable */
  put: (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts?: PutOptions) => Promise<BlobRef>
  /** {@link put} for bytes already in memory (at most SMALL_PUT_BYTES is cheapest) */
  putBytes: (bytes: Uint8Array, opts?: PutOptions) => Promise<BlobRef>
  batch: (opts?: Pick<PutOptions, 'beforeVisible'>) => FileBatch
  /** make every file stored with `syncDir: false` durable under its name */
  syncDirs: () => Promise<void>
  /**
   * Receive a file from a partner, resumably. `blockList` must already be checked against
   * `expect.blocks` (the signed record's).
   */
  receive: (expect: { cid: CID, size: number, blocks: CID }, blockList: Uint8Array) => Promise<FileWriter>
  /** the block list kept beside a staged transfer of `expect`, if it is the record's */
  stagedBlockList: (expect: { cid: CID, blocks: CID }) => Promise<Uint8Array | null>
  /** throw away a staged transfer of `cid`: it will not be resumed */
  discardStaged: (cid: CID | string) => Promise<void>
  /** the file's bytes from `offset` (`length` of them, or to the end); throws FileMissingError if absent */
  read: (cid: CID, offset?: number, length?: number) => AsyncIterable<Uint8Array>
  remove: (cid: CID) => Promise<void>
  /** every name under the store (CID strings, or whatever else was put there) */
  list: () => AsyncIterable<string>
  /** remove staged leftovers, except transfers still wanted (by CID); returns how many went */
  cleanStaging: (keep?: Set<string>) => Promise<number>
  /** create the store where it is to live (a new home, a recovery) */
  create: () => Promise<void>
  /** the store epoch written in the store's marker, or null if there is no marker (store missing) */
  readMarker: () => Promise<string | null>
  writeMarker: (epoch: string) => Promise<void>
}

export class FileMismatchError extends QuireError {
  static readonly name: string = 'FileMismatchError'
  constructor (message: string) { super(message, 'file-mismatch', 1) }
}

export class FileMissingError extends QuireError {
  static readonly name: string = 'FileMissingError'
  constructor (cid: string) { super(`data file ${cid} is not in the file store`, 'file-missing', 1) }
}

export class BlockMismatchError extends FileMismatchError {
  static readonly name: string = 'BlockMismatchError'
  readonly index: number
  constructor (index: number) {
    super(`block ${index} does not match its hash in the signed block list`)
    this.index = index
  }
}

/** The reference of hashed bytes, checked against what was expected. */
export function finishRef (hasher: BlockHasher, size: number, expect?: PutOptions['expect']): StoredBlob {
  const { digest, blocks: blockList } = hasher.finish()
  const ref: StoredBlob = { cid: rawCidFromDigest(digest), size, blocks: blockListCid(blockList), blockList }
  if (expect != null) {
    if (size !== expect.size) throw new FileMismatchError(`data is ${size} bytes, expected ${expect.size}`)
    const expected = expect.cid.toString()
    if (ref.cid.toString() !== expected) throw new FileMismatchError(`data hashes to ${ref.cid.toString()}, expected ${expected}`)
    if (expect.blocks != null && !ref.blocks.equals(expect.blocks)) throw new FileMismatchError('the data\'s block list does not match the record')
  }
  return ref
}

export function refOf (bytes: Uint8Array, expect?: PutOptions['expect']): StoredBlob {
  const h = new BlockHasher(bytes.byteLength)
  h.update(bytes)
  return finishRef(h, bytes.byteLength, expect)
}

/** Hash `source` as it streams by, against `declared` bytes: throws once it is longer or shorter. */
export async function * hashedSource (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, declared: number, hasher: BlockHasher, opts: PutOptions): AsyncGenerator<Uint8Array> {
  let size = 0
  for await (const chunk of source) {
    opts.signal?.throwIfAborted()
    size += chunk.byteLength
    if (size > declared) throw new FileMismatchError(`data is longer than the expected ${declared} bytes`)
    hasher.update(chunk)
    yield chunk
    opts.onBytes?.(chunk.byteLength)
  }
  if (size !== declared) throw new FileMismatchError(`data is ${size} bytes, expected ${declared}`)
}

export function sha256Equals (bytes: Uint8Array, digest: Uint8Array): boolean {
  return createHash('sha256').update(bytes).digest().equals(digest)
}

/**
 * The checking half of a resumable transfer: takes bytes in order, cuts them into blocks, checks
 * each block against the signed block list before handing it on (`onBlock`), and hashes the whole
 * file. Each byte is hashed twice in all (its block, the whole file); the block list itself is the
 * verified one, so it is not computed again.
 */
export class BlockVerifier {
  readonly expect: { cid: CID, size: number, blocks: CID }
  readonly list: Uint8Array
  readonly bsize: number
  /** SHA-256 of the verified bytes so far; null once a resumed prefix was not hashed here */
  private whole: ReturnType<typeof createHash> | null = createHash('sha256')
  /** SHA-256 of the block being received, fed chunk by chunk (no copy into one buffer) */
  private block = createHash('sha256')
  private pending: Uint8Array[] = []
  pendingBytes = 0
  /** bytes verified and handed on */
  offset = 0
  private readonly onBlock: (pieces: Uint8Array[], length: number) => Promise<void>

  constructor (expect: BlockVerifier['expect'], list: Uint8Array, onBlock: BlockVerifier['onBlock']) {
    this.expect = expect
    this.list = list
    this.bsize = blockSize(expect.size)
    this.onBlock = onBlock
  }

  /** A verified prefix kept from before, whose bytes are hashed here (the local store re-reads them). */
  acceptHashed (block: Uint8Array): void {
    this.whole?.update(block)
    this.offset += block.byteLength
  }

  /** A verified prefix kept from before that is not read back: the whole-file hash is then unknown. */
  acceptUnhashed (bytes: number): void {
    if (bytes > 0) this.whole = null
    this.offset += bytes
  }

  blockLength (i: number): number {
    return Math.min(this.bsize, this.expect.size - i * this.bsize)
  }

  /** Take the next bytes of the file (in order from `offset`). */
  async write (chunk: Uint8Array): Promise<void> {
    let off = 0
    while (off < chunk.byteLength) {
      const index = Math.floor(this.offset / this.bsize)
      if (index >= blockCount(this.expect.size)) throw new FileMismatchError(`data is longer than the expected ${this.expect.size} bytes`)
      const need = this.blockLength(index) - this.pendingBytes
      const take = Math.min(need, chunk.byteLength - off)
      const piece = chunk.subarray(off, off + take)
      this.block.update(piece)
      this.pending.push(piece)
      this.pendingBytes += take
      off += take
      if (this.pendingBytes === this.blockLength(index)) await this.flushBlock(index)
    }
  }

  private async flushBlock (index: number): Promise<void> {
    const pieces = this.pending
    const length = this.pendingBytes
    this.pending = []
    this.pendingBytes = 0
    const digest = this.block.digest()
    this.block = createHash('sha256')
    if (!digest.equals(blockDigest(this.list, index))) throw new BlockMismatchError(index)
    for (const p of pieces) this.whole?.update(p)
    await this.onBlock(pieces, length)
    this.offset += length
  }

  /**
   * All bytes are in: the whole file checked against its CID. Returns false when the prefix was
   * not hashed here (the caller must hash the stored bytes before making them visible).
   */
  checkComplete (): boolean {
    if (this.pendingBytes > 0 || this.offset !== this.expect.size) {
      throw new FileMismatchError(`transfer ended at ${this.offset + this.pendingBytes} of ${this.expect.size} bytes`)
    }
    if (this.whole == null) return false
    checkCid(rawCidFromDigest(this.whole.digest()), this.expect.cid)
    return true
  }

  discardPending (): void {
    this.pending = []
    this.pendingBytes = 0
  }

  ref (): StoredBlob {
    return { cid: this.expect.cid, size: this.expect.size, blocks: this.expect.blocks, blockList: this.list }
  }
}

export function checkCid (got: CID, expected: CID): void {
  if (got.toString() !== expected.toString()) throw new FileMismatchError(`data hashes to ${got.toString()}, expected ${expected.toString()}`)
}
