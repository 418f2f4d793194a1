/**
 * DEV DOCS — the content-addressed file store on the local file system, the default (README "The
 * home directory"; the interface is store/file-store.ts, the object-store one store/s3/).
 *
 * Data files live at `files/<last two CID characters>/<CID>`, named by CIDv1 raw sha2-256 of their
 * bytes. A file becomes visible only whole and verified: bytes go to `files/.staging/`, are hashed
 * (whole file and per block, model/blocks.ts) while they are written, fsynced, and renamed into
 * place only if they match what was expected. So a file under a final name always hashes to its
 * name, whatever crashes happen; a crash leaves at most a staged file.
 *
 * Three ways in:
 *   put / putBytes  a local file or a buffer, one fsync per file;
 *   batch()         many small files, one file-system flush for the whole batch (put --batch);
 *   receive()       a transfer from a partner, resumable: the staging file is named after the CID
 *                   and kept with the verified block list beside it, so after a broken connection
 *                   or a restart the transfer continues from the last verified block.
 * A node keeps `reserveBytes` free: a file that would eat into it is refused before any byte is
 * written (DiskReserveError); a disk that fills anyway fails the write, and the staging file goes.
 */
import { closeSync, constants, fsync, lstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { mkdir, open, readdir, readFile, rename, rm, stat, statfs, unlink, type FileHandle } from 'node:fs/promises'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { CID } from 'multiformats/cid'
import { BlockHasher, blockCount, blockDigest, blockListCid, blockListProblem } from '../model/blocks.js'
import { fsyncDir, writeFileAtomic } from '../home/atomic-write.js'
import { crashPoint } from '../faults.js'
import { QuireError } from '../errors.js'
import { BlockVerifier, FileMismatchError, FileMissingError, SMALL_PUT_BYTES, finishRef, hashedSource, refOf, sha256Equals, type BlobRef, type FileBatch, type FileStore, type FileWriter, type PutOptions, type StoredBlob } from './file-store.js'

export const STAGING_DIR = '.staging'
/** Reads of stored files (serving, get --data-out): one block at a time. */
const SERVE_CHUNK_BYTES = 1024 * 1024

/** How long a free-space reading is trusted (see checkSpace). */
const FREE_SPACE_TTL_MS = 1_000

const fsyncFd = promisify(fsync)
const execFileAsync = promisify(execFile)

/**
 * A marker in the file store naming the store epoch it belongs to (like Syncthing's `.stfolder`):
 * an emptied, replaced or unmounted file store has no marker, and must never read as "all files
 * were deleted".
 */
export const FILE_STORE_MARKER = '.quire-store'

export class DiskReserveError extends QuireError {
  static readonly name: string = 'DiskReserveError'
  constructor (need: number, free: number, reserve: number) {
    super(`not enough disk space: storing ${need} bytes would leave ${Math.max(0, free - need)} of the ${reserve} bytes this node keeps free (reserveBytes in config.json)`, 'disk-reserve', 1)
  }
}

export class FsFileStore implements FileStore {
  readonly root: string
  readonly where: string
  readonly staging: string
  readonly reserveBytes: number
  /** shard directories known to exist: saves a mkdir per file on busy stores */
  private readonly shards = new Set<string>()
  /** directories with renames not yet fsynced (see PutOptions.syncDir) */
  private readonly dirtyDirs = new Set<string>()
  /** directory fsyncs begun by {@link syncDirs} and not yet finished */
  private readonly dirSyncs = new Set<Promise<void>>()
  private readonly stagePrefix = `${process.pid}-${randomBytes(4).toString('hex')}`
  private staged = 0
  private stagingReady = false
  /**
   * Awaited after files become visible, before put() returns: the node records them, with their
   * block lists, in its blob index (store/blobs.ts), so that audit knows what it must hold.
   */
  onStored: (refs: StoredBlob[]) => Promise<void> = async () => {}

  constructor (root: string, reserveBytes: number) {
    this.root = root
    this.where = root
    this.staging = join(root, STAGING_DIR)
    this.reserveBytes = reserveBytes
  }

  pathOf (cid: CID | string): string {
    const s = cid.toString()
    return join(this.root, s.slice(-2), s)
  }

  private shardOf (cid: CID): string {
    return join(this.root, cid.toString().slice(-2))
  }

  private nextStagingName (): string {
    return join(this.staging, `${this.stagePrefix}-${this.staged++}.part`)
  }

  async create (): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 })
  }

  async readMarker (): Promise<string | null> {
    try {
      const epoch = JSON.parse(await readFile(join(this.root, FILE_STORE_MARKER), 'utf8'))?.epoch
      return typeof epoch === 'string' ? epoch : null
    } catch {
      return null
    }
  }

  async writeMarker (epoch: string): Promise<void> {
    await writeFileAtomic(join(this.root, FILE_STORE_MARKER), JSON.stringify({ epoch }) + '\n', { mode: 0o600 })
  }

  async stat (cid: CID): Promise<{ size: number } | null> {
    try {
      const st = await stat(this.pathOf(cid))
      return st.isFile() ? { size: st.size } : null
    } catch {
      return null
    }
  }

  private free?: { bytes: number, at: number }

  /**
   * Refuse to start storing `size` more bytes if that would eat into the reserve. The free space
   * is read at most every FREE_SPACE_TTL_MS and counted down by what was staged since, so that a
   * batch of thousands of small files does not cost a statfs each.
   */
  async checkSpace (size: number): Promise<void> {
    if (this.reserveBytes <= 0) return
    const now = performance.now()
    if (this.free == null || now - this.free.at > FREE_SPACE_TTL_MS || this.free.bytes - size < this.reserveBytes) {
      const fs = await statfs(this.root)
      this.free = { bytes: Number(fs.bavail) * Number(fs.bsize), at: now }
    }
    if (this.free.bytes - size < this.reserveBytes) throw new DiskReserveError(size, this.free.bytes, this.reserveBytes)
    this.free.bytes -= size
  }

  private async ensureStaging (): Promise<void> {
    if (!this.stagingReady) await mkdir(this.staging, { recursive: true, mode: 0o700 })
    // at every write, not once: a link planted while the node serves is refused too (battery S10)
    refuseSymlink(this.staging)
    this.stagingReady = true
  }

  private async ensureShard (cid: CID): Promise<void> {
    const dir = this.shardOf(cid)
    if (this.shards.has(dir)) {
      refuseSymlink(dir) // before every rename into it, as ensureStaging
      return
    }
    try {
      await mkdir(dir, { mode: 0o700 })
    } catch (err: any) {
      if (err.code !== 'EEXIST') throw err
      refuseSymlink(dir)
    }
    // the root is fsynced before the first rename into this shard even when the shard was already
    // there: the process that made it may have died before fsyncing the root, and until then the
    // shard, and every file renamed into it, can vanish in a power cut (battery C8: a put killed
    // after its mkdir, retried and acknowledged, then a cut, lost the retried file)
    this.dirtyDirs.add(this.root)
    this.shards.add(dir)
  }

  /** Move a verified, fsynced staged file into place and report it. */
  async promote (staged: string, ref: StoredBlob, syncDir: boolean): Promise<BlobRef> {
    refuseSymlink(this.staging) // the rename's source too: a link planted during the transfer
    await this.ensureShard(ref.cid)
    await rename(staged, this.pathOf(ref.cid))
    this.dirtyDirs.add(this.shardOf(ref.cid))
    crashPoint('file.renamed')
    if (syncDir) await this.syncDirs()
    await this.onStored([ref])
    return { cid: ref.cid, size: ref.size, blocks: ref.blocks }
  }

  /**
   * Make every rename so far durable (see PutOptions.syncDir). A directory a concurrent call took
   * from the set may still be syncing: its fsync is awaited too, or a put could be acknowledged
   * before the root naming its new shard is durable. A directory whose fsync failed goes back in
   * the set, to be synced by the next call.
   */
  async syncDirs (): Promise<void> {
    const dirs = [...this.dirtyDirs]
    this.dirtyDirs.clear()
    const mine = Promise.all(dirs.map(async d => {
      try {
        await fsyncDir(d)
      } catch (err) {
        this.dirtyDirs.add(d)
        throw err
      }
    })).then(() => {})
    const others = [...this.dirSyncs]
    this.dirSyncs.add(mine)
    try {
      await Promise.all([mine, ...others])
    } finally {
      this.dirSyncs.delete(mine)
    }
  }

  async put (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts: PutOptions = {}): Promise<BlobRef> {
    const declared = opts.expect?.size ?? opts.size
    if (declared == null) throw new TypeError('FileStore.put needs the size (opts.size or opts.expect)')
    await this.checkSpace(declared)
    await this.ensureStaging()
    const staged = this.nextStagingName()
    const fh = await open(staged, 'wx', 0o600)
    let closed = false
    try {
      const hasher = new BlockHasher(declared)
      for await (const chunk of hashedSource(source, declared, hasher, opts)) await writeAll(fh, chunk)
      const ref = finishRef(hasher, declared, opts.expect)
      crashPoint('file.staged')
      // fsync before rename: if it fails we throw and the staged file goes, never a file whose
      // bytes may not be on disk under a name that claims they are
      await alongside(fh.sync(), opts.beforeVisible?.([ref]))
      crashPoint('file.fsynced')
      await fh.close()
      closed = true
      return await this.promote(staged, ref, opts.syncDir !== false)
    } catch (err) {
      if (!closed) await fh.close().catch(() => {})
      await unlink(staged).catch(() => {})
      throw err
    }
  }

  /**
   * {@link put} for bytes already in memory (small files). Same guarantees; the cheap steps are
   * synchronous calls, only the fsync goes to the thread pool: for batches of thousands of small
   * files the per-call cost of the promise API was the bottleneck, not the disk.
   */
  async putBytes (bytes: Uint8Array, opts: PutOptions = {}): Promise<BlobRef> {
    if (bytes.byteLength > SMALL_PUT_BYTES) return await this.put([bytes], { ...opts, size: bytes.byteLength })
    const ref = refOf(bytes, opts.expect)
    await this.checkSpace(bytes.byteLength)
    await this.ensureStaging()
    const staged = this.nextStagingName()
    const fd = openSync(staged, 'wx', 0o600)
    let isOpen = true
    try {
      writeAllSync(fd, bytes)
      crashPoint('file.staged')
      await alongside(fsyncFd(fd), opts.beforeVisible?.([ref]))
      crashPoint('file.fsynced')
      closeSync(fd)
      isOpen = false
      const result = await this.promote(staged, ref, opts.syncDir !== false)
      opts.onBytes?.(bytes.byteLength)
      return result
    } catch (err) {
      if (isOpen) closeSync(fd)
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
  batch (opts: Pick<PutOptions, 'beforeVisible'> = {}): StagedBatch {
    return new StagedBatch(this, {
      stage: async (bytes: Uint8Array, expect?: PutOptions['expect']) => {
        const ref = refOf(bytes, expect)
        await this.checkSpace(bytes.byteLength)
        await this.ensureStaging()
        const staged = this.nextStagingName()
        const fd = openSync(staged, 'wx', 0o600)
        try {
          writeAllSync(fd, bytes)
        } catch (err) {
          closeSync(fd)
          try { unlinkSync(staged) } catch {}
          throw err
        }
        closeSync(fd)
        return { ref, staged }
      },
      promote: async (items: Array<{ ref: StoredBlob, staged: string }>) => {
        await opts.beforeVisible?.(items.map(i => i.ref))
        refuseSymlink(this.staging)
        for (const { ref, staged } of items) {
          await this.ensureShard(ref.cid)
          renameSync(staged, this.pathOf(ref.cid))
          this.dirtyDirs.add(this.shardOf(ref.cid))
        }
        crashPoint('file.renamed')
        await this.syncDirs()
        await this.onStored(items.map(i => i.ref))
      }
    })
  }

  /**
   * Receive a file from a partner, resumably (see DEV DOCS). `blockList` must already be checked
   * against `expect.blocks` (the signed record's). The returned writer says from which offset to
   * ask for the rest.
   */
  async receive (expect: { cid: CID, size: number, blocks: CID }, blockList: Uint8Array): Promise<FileWriter> {
    const problem = blockListProblem(blockList, expect)
    if (problem != null) throw new FileMismatchError(`the block list does not match the record: ${problem}`)
    await this.ensureStaging()
    const base = join(this.staging, expect.cid.toString())
    return await ResumableWrite.open(this, base, expect, blockList)
  }

  /** The block list kept beside a staged transfer of `expect`, if it is the record's. */
  async stagedBlockList (expect: { cid: CID, blocks: CID }): Promise<Uint8Array | null> {
    try {
      const list = await readFile(join(this.staging, `${expect.cid.toString()}.blocks`))
      return blockListCid(list).equals(expect.blocks) ? list : null
    } catch {
      return null
    }
  }

  /** Throw away a staged transfer of `cid` (its part and block list): it will not be resumed. */
  async discardStaged (cid: CID | string): Promise<void> {
    const base = join(this.staging, cid.toString())
    refuseSymlink(this.staging) // as cleanStaging: never delete through a link
    await rm(`${base}.part`, { force: true })
    await rm(`${base}.blocks`, { force: true })
  }

  async * read (cid: CID, offset = 0, length?: number): AsyncIterable<Uint8Array> {
    let fh
    try {
      fh = await open(this.pathOf(cid), 'r')
    } catch (err: any) {
      if (err.code === 'ENOENT') throw new FileMissingError(cid.toString())
      throw err
    }
    // Reads of SERVE_CHUNK_BYTES into fresh buffers, the next one already under way while the
    // consumer hashes and sends this one: few large chunks cost far less CPU (allocation, garbage
    // collection, per-chunk work down the stack) than a read stream's many small ones.
    let pending: Promise<{ chunk: Uint8Array, want: number }> | null = null
    try {
      // a range need not stat: a file shorter than asked ends in a short read
      const stop = length != null ? offset + length : (await fh.stat()).size
      let pos = offset
      const next = (): typeof pending => {
        if (pos >= stop) return null
        const want = Math.min(SERVE_CHUNK_BYTES, stop - pos)
        const at = pos
        pos += want
        const buf = Buffer.allocUnsafeSlow(want)
        return fh!.read(buf, 0, want, at).then(({ bytesRead }) => ({ chunk: buf.subarray(0, bytesRead), want }))
      }
      pending = next()
      while (pending != null) {
        const { chunk, want } = await pending
        // a short read is the end of the file (it shrank): stop, the caller sees the bytes missing
        const short = chunk.byteLength < want
        pending = short ? null : next()
        if (chunk.byteLength > 0) yield chunk
        if (short) break
      }
    } finally {
      await pending?.catch(() => {})
      await fh.close()
    }
  }

  async remove (cid: CID): Promise<void> {
    try {
      await unlink(this.pathOf(cid))
    } catch (err: any) {
      if (err.code === 'ENOENT') return
      throw err
    }
    // durable before the caller forgets the file: a name that comes back after a power cut would be an orphan
    await fsyncDir(this.shardOf(cid))
  }

  async * list (): AsyncIterable<string> {
    let shards: string[]
    try {
      shards = await readdir(this.root)
    } catch (err: any) {
      if (err.code === 'ENOENT') return // a removed store lists nothing; audit reports its files missing
      throw err
    }
    for (const shard of shards) {
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

  async cleanStaging (keep: Set<string> = new Set()): Promise<number> {
    let names: string[]
    try {
      // a planted symlink is not followed: deleting "leftovers" through it would delete elsewhere
      refuseSymlink(this.staging)
      names = await readdir(this.staging)
    } catch {
      return 0
    }
    const gone = names.filter(n => !keep.has(n.replace(/\.(part|blocks)$/, '')))
    await Promise.all(gone.map(async n => await rm(join(this.staging, n), { force: true })))
    return gone.length
  }
}

/** See {@link FsFileStore.batch}. */
export class StagedBatch implements FileBatch {
  private readonly store: FsFileStore
  private readonly ops: {
    stage: (bytes: Uint8Array, expect?: PutOptions['expect']) => Promise<{ ref: StoredBlob, staged: string }>
    promote: (items: Array<{ ref: StoredBlob, staged: string }>) => Promise<void>
  }

  private items: Array<{ ref: StoredBlob, staged: string }> = []
  /** putBytes calls still staging: a commit waits for them (they were begun before it) */
  private readonly inFlight = new Set<Promise<unknown>>()

  constructor (store: FsFileStore, ops: StagedBatch['ops']) {
    this.store = store
    this.ops = ops
  }

  get size (): number { return this.items.length }

  /** Stage `bytes` (checked against `expect`, if given: FileMismatchError otherwise). */
  async putBytes (bytes: Uint8Array, expect?: PutOptions['expect']): Promise<BlobRef> {
    const staging = (async () => {
      const item = await this.ops.stage(bytes, expect)
      this.items.push(item)
      return item
    })()
    this.inFlight.add(staging)
    try {
      const item = await staging
      return { cid: item.ref.cid, size: item.ref.size, blocks: item.ref.blocks }
    } finally {
      this.inFlight.delete(staging)
    }
  }

  /** Make every staged file durable and visible. Call before recording any of them. */
  async commit (): Promise<void> {
    // a file whose putBytes began before the commit belongs to it: its caller will record it
    await Promise.allSettled([...this.inFlight])
    const items = this.items
    this.items = []
    if (items.length === 0) return
    try {
      await syncFileSystem(this.store.staging, items.map(i => i.staged))
      crashPoint('file.fsynced')
      await this.ops.promote(items)
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
 * A transfer into the local store that survives interruptions: `<cid>.part` holds the bytes
 * received, `<cid>.blocks` the block list (already verified against the signed record). Opening an
 * existing pair re-verifies the staged bytes block by block and keeps the verified prefix; each
 * block that arrives is checked against its digest before it is written (BlockVerifier); `finish`
 * checks the whole-file CID, fsyncs and renames. A block that does not match throws
 * BlockMismatchError and the staged file is cut back to its verified prefix.
 */
export class ResumableWrite implements FileWriter {
  private readonly store: FsFileStore
  private readonly part: string
  private readonly verifier: BlockVerifier
  private fh!: FileHandle

  private constructor (store: FsFileStore, base: string, expect: BlockVerifier['expect'], list: Uint8Array) {
    this.store = store
    this.part = `${base}.part`
    this.verifier = new BlockVerifier(expect, list, async (pieces, length) => { await writevAll(this.fh, pieces, length) })
  }

  get offset (): number { return this.verifier.offset }

  static async open (store: FsFileStore, base: string, expect: BlockVerifier['expect'], list: Uint8Array): Promise<ResumableWrite> {
    const w = new ResumableWrite(store, base, expect, list)
    const blocksFile = `${base}.blocks`
    let known: Uint8Array | null = null
    try { known = await readFile(blocksFile) } catch {}
    if (known == null || !Buffer.from(known).equals(Buffer.from(list))) {
      await rm(w.part, { force: true })
      await store.checkSpace(expect.size)
      await writeFileAtomic(blocksFile, list, { mode: 0o600 })
    }
    // O_NOFOLLOW: a symlink planted under the staging name is refused, not written through
    w.fh = await open(w.part, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW, 0o600)
    await w.verifyPrefix()
    return w
  }

  /** Re-hash what is staged; keep the longest run of good blocks from the start. */
  private async verifyPrefix (): Promise<void> {
    const v = this.verifier
    const { size } = await this.fh.stat()
    const whole = Math.min(Math.floor(size / v.bsize), blockCount(v.expect.size))
    const buf = Buffer.allocUnsafe(v.bsize)
    for (let i = 0; i < whole; i++) {
      const { bytesRead } = await this.fh.read(buf, 0, v.bsize, i * v.bsize)
      const block = buf.subarray(0, bytesRead)
      if (!sha256Equals(block, blockDigest(v.list, i))) break
      v.acceptHashed(block)
    }
    if (size !== v.offset) await this.fh.truncate(v.offset)
  }

  async write (chunk: Uint8Array): Promise<void> { await this.verifier.write(chunk) }

  /** All bytes are in: verify the whole file, make it durable and visible. */
  async finish (syncDir = true): Promise<BlobRef> {
    this.verifier.checkComplete()
    crashPoint('file.staged')
    await this.fh.sync()
    crashPoint('file.fsynced')
    await this.fh.close()
    const result = await this.store.promote(this.part, this.verifier.ref(), syncDir)
    await rm(this.part.replace(/\.part$/, '.blocks'), { force: true })
    return result
  }

  async close (keep: boolean): Promise<void> {
    this.verifier.discardPending()
    await this.fh.close().catch(() => {})
    if (!keep) await this.store.discardStaged(this.verifier.expect.cid)
  }
}

/**
 * Directories inside the store are the store's own: a symlink there (planted, or left by a careless
 * copy) would send writes outside the home, so it is refused, as Syncthing refuses to write
 * through one. The store root itself may be a symlink: where the operator puts it is their choice.
 */
export class StoreSymlinkError extends QuireError {
  static readonly name: string = 'StoreSymlinkError'
  constructor (path: string) { super(`${path} is a symbolic link or not a directory; the file store does not write through links (remove it)`, 'store-symlink', 1) }
}

/**
 * Synchronous on purpose: it runs before every staged write, rename and discard, and a local lstat
 * takes microseconds, less than an awaited call costs on the small-file paths (see putBytes). A
 * link planted between this check and the call it guards is not caught: Node has no
 * openat/renameat to hold the folder open.
 */
function refuseSymlink (dir: string): void {
  const st = lstatSync(dir)
  if (st.isSymbolicLink() || !st.isDirectory()) throw new StoreSymlinkError(dir)
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

/**
 * Await both (the file's fsync and the caller's note of it, each a wait on the disk, side by side);
 * never returns while either still runs, so the file is not closed under an fsync.
 */
async function alongside (a: Promise<unknown>, b: Promise<unknown> | undefined): Promise<void> {
  const [ra, rb] = await Promise.allSettled([a, b])
  if (ra.status === 'rejected') throw ra.reason
  if (rb.status === 'rejected') throw rb.reason
}

function writeAllSync (fd: number, bytes: Uint8Array): void {
  let off = 0
  while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off)
}

/** Write `pieces` (`length` bytes in all) at the file's position, in as few calls as the OS allows. */
async function writevAll (fh: FileHandle, pieces: Uint8Array[], length: number): Promise<void> {
  let { bytesWritten } = await fh.writev(pieces)
  if (bytesWritten === length) return
  // a short write (rare: signals, some file systems): finish piece by piece
  for (const p of pieces) {
    if (bytesWritten >= p.byteLength) { bytesWritten -= p.byteLength; continue }
    await writeAll(fh, p.subarray(bytesWritten))
    bytesWritten = 0
  }
}

async function writeAll (fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let off = 0
  while (off < chunk.byteLength) {
    const { bytesWritten } = await fh.write(chunk, off, chunk.byteLength - off)
    off += bytesWritten
  }
}
