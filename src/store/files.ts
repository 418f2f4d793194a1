/**
 * The content-addressed file store (README "The home directory").
 *
 * Data files live at `files/<last two CID characters>/<CID>`, named by CIDv1 raw sha2-256 of their
 * bytes. A file becomes visible only whole and verified: bytes go to `files/.staging/`, are hashed
 * while they are written, fsynced, and renamed into place only if the hash (and size) match what
 * was expected. So a file under a final name always hashes to its name, whatever crashes happen;
 * a crash leaves at most a staged file, which {@link FsFileStore.cleanStaging} removes at start.
 * Callers use the narrow {@link FileStore} interface, so the failure tests can wrap it with faults.
 */
import { closeSync, createReadStream, fsync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { promisify } from 'node:util'
import { execFile } from 'node:child_process'
import { mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises'
import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { CID } from 'multiformats/cid'
import { rawCidFromDigest, rawCidOf } from '../model/cids.js'
import { fsyncDir } from '../home/atomic-write.js'
import { crashPoint } from '../faults.js'
import { QuireError } from '../errors.js'

export const STAGING_DIR = '.staging'
/** Reads for hashing and serving; large enough to amortise syscalls, small enough to bound memory. */
export const READ_CHUNK_BYTES = 256 * 1024
/** Largest file {@link FsFileStore.putBytes} writes with synchronous calls (a few µs each). */
export const SMALL_PUT_BYTES = 64 * 1024

const fsyncFd = promisify(fsync)
const execFileAsync = promisify(execFile)

export interface BlobRef { cid: CID, size: number }

export interface PutOptions {
  /** the file must be exactly this: otherwise nothing becomes visible and FileMismatchError is thrown */
  expect?: BlobRef
  signal?: AbortSignal
  onBytes?: (n: number) => void
  /**
   * false: leave the directory fsync to a later {@link FsFileStore.syncDirs} — a batch of small
   * files then pays one directory fsync per shard instead of one per file. The caller must call
   * it before it records the files anywhere (a rename that is not yet durable could vanish).
   */
  syncDir?: boolean
}

export interface FileStore {
  /** size of the file stored under `cid`, or null */
  stat: (cid: CID) => Promise<{ size: number } | null>
  /** stream `source` in; visible under its CID only once whole, verified and durable */
  put: (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts?: PutOptions) => Promise<BlobRef>
  /** the file's bytes from `offset`; throws FileMissingError if absent */
  read: (cid: CID, offset?: number) => AsyncIterable<Uint8Array>
  remove: (cid: CID) => Promise<void>
  /** every name under the store (CID strings, or whatever else was put there) */
  list: () => AsyncIterable<string>
  /** remove staged leftovers of interrupted writes; returns how many */
  cleanStaging: () => Promise<number>
}

export class FileMismatchError extends QuireError {
  static readonly name: string = 'FileMismatchError'
  constructor (message: string) { super(message, 'file-mismatch', 1) }
}

export class FileMissingError extends QuireError {
  static readonly name: string = 'FileMissingError'
  constructor (cid: string) { super(`data file ${cid} is not in the file store`, 'file-missing', 1) }
}

export class FsFileStore implements FileStore {
  readonly root: string
  readonly staging: string
  /** shard directories known to exist: saves a mkdir per file on busy stores */
  private readonly shards = new Set<string>()
  /** directories with renames not yet fsynced (see PutOptions.syncDir) */
  private readonly dirtyDirs = new Set<string>()
  private readonly stagePrefix = `${process.pid}-${randomBytes(4).toString('hex')}`
  private staged = 0
  /**
   * Awaited after files become visible, before put() returns: the node records them in its blob
   * index (store/blobs.ts), so that audit knows what it must hold.
   */
  onStored: (refs: BlobRef[]) => Promise<void> = async () => {}

  constructor (root: string) {
    this.root = root
    this.staging = join(root, STAGING_DIR)
  }

  pathOf (cid: CID | string): string {
    const s = cid.toString()
    return join(this.root, s.slice(-2), s)
  }

  async stat (cid: CID): Promise<{ size: number } | null> {
    try {
      const st = await stat(this.pathOf(cid))
      return st.isFile() ? { size: st.size } : null
    } catch {
      return null
    }
  }

  /**
   * {@link put} for bytes already in memory (small files). Same guarantees; the cheap steps are
   * synchronous calls, only the fsync goes to the thread pool: for batches of thousands of small
   * files the per-call cost of the promise API was the bottleneck, not the disk.
   */
  async putBytes (bytes: Uint8Array, opts: PutOptions = {}): Promise<BlobRef> {
    if (bytes.byteLength > SMALL_PUT_BYTES) return await this.put([bytes], opts)
    const cid = rawCidOf(bytes)
    const size = bytes.byteLength
    if (opts.expect != null && (size !== opts.expect.size || cid.toString() !== opts.expect.cid.toString())) {
      throw new FileMismatchError(`data (${size} bytes, ${cid.toString()}) is not the expected ${opts.expect.size} bytes ${opts.expect.cid.toString()}`)
    }
    await this.ensureStaging()
    const staged = join(this.staging, `${this.stagePrefix}-${this.staged++}.part`)
    const fd = openSync(staged, 'wx', 0o600)
    let open = true
    try {
      let off = 0
      while (off < size) off += writeSync(fd, bytes, off, size - off)
      crashPoint('file.staged')
      await fsyncFd(fd)
      crashPoint('file.fsynced')
      closeSync(fd)
      open = false
      await this.ensureShard(cid)
      renameSync(staged, this.pathOf(cid))
      this.dirtyDirs.add(this.shardOf(cid))
      crashPoint('file.renamed')
      if (opts.syncDir !== false) await this.syncDirs()
      opts.onBytes?.(size)
      await this.onStored([{ cid, size }])
      return { cid, size }
    } catch (err) {
      if (open) closeSync(fd)
      try { unlinkSync(staged) } catch {}
      throw err
    }
  }

  /**
   * A batch of small files made durable together: each is hashed and written to staging without
   * its own fsync; {@link StagedBatch.commit} then flushes the whole file system once (syncfs),
   * renames every file into place and fsyncs the directories. Per-file fsync caps a disk at a few
   * thousand files a second; one flush per batch does not.
   */
  batch (): StagedBatch {
    return new StagedBatch(this)
  }

  /** @internal used by StagedBatch */
  async stageBytes (bytes: Uint8Array): Promise<{ cid: CID, size: number, staged: string }> {
    await this.ensureStaging()
    const cid = rawCidOf(bytes)
    const staged = join(this.staging, `${this.stagePrefix}-${this.staged++}.part`)
    const fd = openSync(staged, 'wx', 0o600)
    try {
      let off = 0
      while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off)
    } catch (err) {
      closeSync(fd)
      try { unlinkSync(staged) } catch {}
      throw err
    }
    closeSync(fd)
    return { cid, size: bytes.byteLength, staged }
  }

  /** @internal used by StagedBatch: staged files are durable; move them into place */
  async promoteStaged (items: Array<{ cid: CID, size: number, staged: string }>): Promise<void> {
    for (const { cid, staged } of items) {
      await this.ensureShard(cid)
      renameSync(staged, this.pathOf(cid))
      this.dirtyDirs.add(this.shardOf(cid))
    }
    crashPoint('file.renamed')
    await this.syncDirs()
    await this.onStored(items.map(({ cid, size }) => ({ cid, size })))
  }

  private stagingReady = false

  private async ensureStaging (): Promise<void> {
    if (this.stagingReady) return
    await mkdir(this.staging, { recursive: true, mode: 0o700 })
    this.stagingReady = true
  }

  private shardOf (cid: CID): string {
    return join(this.root, cid.toString().slice(-2))
  }

  private async ensureShard (cid: CID): Promise<void> {
    const dir = this.shardOf(cid)
    if (this.shards.has(dir)) return
    try {
      await mkdir(dir, { mode: 0o700 })
      this.dirtyDirs.add(this.root)
    } catch (err: any) {
      if (err.code !== 'EEXIST') throw err
    }
    this.shards.add(dir)
  }

  async put (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts: PutOptions = {}): Promise<BlobRef> {
    await this.ensureStaging()
    const staged = join(this.staging, `${this.stagePrefix}-${this.staged++}.part`)
    const fh = await open(staged, 'wx', 0o600)
    let closed = false
    try {
      const hash = createHash('sha256')
      let size = 0
      const limit = opts.expect?.size
      for await (const chunk of source) {
        opts.signal?.throwIfAborted()
        size += chunk.byteLength
        if (limit != null && size > limit) throw new FileMismatchError(`data is longer than the expected ${limit} bytes`)
        hash.update(chunk)
        await writeAll(fh, chunk)
        opts.onBytes?.(chunk.byteLength)
      }
      const cid = rawCidFromDigest(hash.digest())
      if (opts.expect != null) {
        if (size !== opts.expect.size) throw new FileMismatchError(`data is ${size} bytes, expected ${opts.expect.size}`)
        const expected = opts.expect.cid.toString()
        if (cid.toString() !== expected) throw new FileMismatchError(`data hashes to ${cid.toString()}, expected ${expected}`)
      }
      crashPoint('file.staged')
      // fsync before rename: if it fails we throw and the staged file goes, never a file whose
      // bytes may not be on disk under a name that claims they are
      await fh.sync()
      crashPoint('file.fsynced')
      await fh.close()
      closed = true
      await this.promote(staged, cid, opts.syncDir !== false)
      crashPoint('file.renamed')
      await this.onStored([{ cid, size }])
      return { cid, size }
    } catch (err) {
      if (!closed) await fh.close().catch(() => {})
      await unlink(staged).catch(() => {})
      throw err
    }
  }

  private async promote (staged: string, cid: CID, syncDir: boolean): Promise<void> {
    await this.ensureShard(cid)
    await rename(staged, this.pathOf(cid))
    this.dirtyDirs.add(this.shardOf(cid))
    if (syncDir) await this.syncDirs()
  }

  /** Make every rename so far durable (see PutOptions.syncDir). */
  async syncDirs (): Promise<void> {
    const dirs = [...this.dirtyDirs]
    this.dirtyDirs.clear()
    await Promise.all(dirs.map(async d => { await fsyncDir(d) }))
  }

  async * read (cid: CID, offset = 0): AsyncIterable<Uint8Array> {
    let fh
    try {
      fh = await open(this.pathOf(cid), 'r')
    } catch (err: any) {
      if (err.code === 'ENOENT') throw new FileMissingError(cid.toString())
      throw err
    }
    // the stream owns the FileHandle and closes it (a raw fd would be closed twice: by the
    // stream, then by the handle's garbage collection, which kills the process with EBADF)
    yield * createReadStream('', { fd: fh, start: offset, highWaterMark: READ_CHUNK_BYTES, autoClose: true }) as AsyncIterable<Buffer>
  }

  async remove (cid: CID): Promise<void> {
    await unlink(this.pathOf(cid)).catch((err: any) => { if (err.code !== 'ENOENT') throw err })
  }

  async * list (): AsyncIterable<string> {
    for (const shard of await readdir(this.root)) {
      if (shard.startsWith('.')) continue // staging, the store marker
      let names: string[]
      try {
        names = await readdir(join(this.root, shard))
      } catch {
        yield shard // a stray file at the top level
        continue
      }
      for (const name of names) yield name
    }
  }

  async cleanStaging (): Promise<number> {
    let names: string[]
    try {
      names = await readdir(this.staging)
    } catch {
      return 0
    }
    await Promise.all(names.map(async n => await rm(join(this.staging, n), { force: true })))
    return names.length
  }
}

async function writeAll (fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let off = 0
  while (off < chunk.byteLength) {
    const { bytesWritten } = await fh.write(chunk, off, chunk.byteLength - off)
    off += bytesWritten
  }
}


/** See {@link FsFileStore.batch}. */
export class StagedBatch {
  private readonly store: FsFileStore
  private items: Array<{ cid: CID, size: number, staged: string }> = []

  constructor (store: FsFileStore) {
    this.store = store
  }

  get size (): number { return this.items.length }

  async putBytes (bytes: Uint8Array): Promise<BlobRef> {
    const item = await this.store.stageBytes(bytes)
    this.items.push(item)
    return { cid: item.cid, size: item.size }
  }

  /** Make every staged file durable and visible. Call before recording any of them. */
  async commit (): Promise<void> {
    const items = this.items
    this.items = []
    if (items.length === 0) return
    try {
      await syncFileSystem(this.store.staging, items.map(i => i.staged))
      crashPoint('file.fsynced')
      await this.store.promoteStaged(items)
    } catch (err) {
      for (const i of items) { try { unlinkSync(i.staged) } catch {} }
      throw err
    }
  }

  abort (): void {
    for (const i of this.items) { try { unlinkSync(i.staged) } catch {} }
    this.items = []
  }
}

/**
 * Flush the file system holding `dir` (syncfs, through coreutils `sync -f`); where that is not
 * available, fsync each of `files` instead. Either way the files' bytes are on disk afterwards.
 */
async function syncFileSystem (dir: string, files: string[]): Promise<void> {
  try {
    await execFileAsync('sync', ['-f', dir])
    return
  } catch {}
  await Promise.all(files.map(async f => {
    const fh = await open(f, 'r+')
    try { await fh.sync() } finally { await fh.close() }
  }))
}
