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
import { createReadStream } from 'node:fs'
import { mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises'
import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { CID } from 'multiformats/cid'
import { rawCidFromDigest } from '../model/cids.js'
import { fsyncDir } from '../home/atomic-write.js'
import { crashPoint } from '../faults.js'
import { QuireError } from '../errors.js'

export const STAGING_DIR = '.staging'
/** Reads for hashing and serving; large enough to amortise syscalls, small enough to bound memory. */
export const READ_CHUNK_BYTES = 256 * 1024

export interface BlobRef { cid: CID, size: number }

export interface PutOptions {
  /** the file must be exactly this: otherwise nothing becomes visible and FileMismatchError is thrown */
  expect?: BlobRef
  signal?: AbortSignal
  onBytes?: (n: number) => void
}

export interface FileStore {
  /** size of the file stored under `cid`, or null */
  stat: (cid: CID) => Promise<{ size: number } | null>
  /** stream `source` in; visible under its CID only once whole, verified and durable */
  put: (source: AsyncIterable<Uint8Array>, opts?: PutOptions) => Promise<BlobRef>
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

  async put (source: AsyncIterable<Uint8Array>, opts: PutOptions = {}): Promise<BlobRef> {
    await mkdir(this.staging, { recursive: true, mode: 0o700 })
    const staged = join(this.staging, `${randomBytes(8).toString('hex')}.part`)
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
      await this.promote(staged, cid)
      crashPoint('file.renamed')
      return { cid, size }
    } catch (err) {
      if (!closed) await fh.close().catch(() => {})
      await unlink(staged).catch(() => {})
      throw err
    }
  }

  private async promote (staged: string, cid: CID): Promise<void> {
    const final = this.pathOf(cid)
    const dir = join(this.root, cid.toString().slice(-2))
    let made = false
    try {
      await mkdir(dir, { mode: 0o700 })
      made = true
    } catch (err: any) {
      if (err.code !== 'EEXIST') throw err
    }
    await rename(staged, final)
    await fsyncDir(dir)
    if (made) await fsyncDir(this.root)
  }

  async * read (cid: CID, offset = 0): AsyncIterable<Uint8Array> {
    const path = this.pathOf(cid)
    let stream
    try {
      const fh = await open(path, 'r')
      stream = createReadStream('', { fd: fh.fd, start: offset, highWaterMark: READ_CHUNK_BYTES, autoClose: true })
      // the stream now owns the descriptor
    } catch (err: any) {
      if (err.code === 'ENOENT') throw new FileMissingError(cid.toString())
      throw err
    }
    for await (const chunk of stream) yield chunk as Buffer
  }

  async remove (cid: CID): Promise<void> {
    await unlink(this.pathOf(cid)).catch((err: any) => { if (err.code !== 'ENOENT') throw err })
  }

  async * list (): AsyncIterable<string> {
    for (const shard of await readdir(this.root)) {
      if (shard === STAGING_DIR) continue
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

