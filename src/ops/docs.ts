import { createReadStream, readFileSync, statSync } from 'node:fs'
import { open, readFile, rename, unlink } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import type { OpContext, Operation } from './context.js'
import type { DocEntry } from '../store/documents.js'
import { READ_CHUNK_BYTES, SMALL_PUT_BYTES, finishRef, type BlobRef, type FileBatch, type PutOptions } from '../store/file-store.js'
import { changeDocument, checkMetadataSize, insertDocuments } from '../store/commit.js'
import { parseDocId, parseNamespace } from '../model/doc-id.js'
import { parseCid, rawCidFromDigest } from '../model/cids.js'
import { BlockHasher } from '../model/blocks.js'
import { InputError, NotFoundError, QuireError, StoreError, UnreachableError } from '../errors.js'
import { changeAtHome } from '../node/remote-change.js'
import { reporter } from '../progress.js'

export interface DocView {
  id: string
  rev: number
  home: string
  deleted: boolean
  /** the CID of the signed record: two sites holding the same (id, rev) hold the same record */
  record: string
  data: { cid: string, size: number, local: boolean, damaged?: true } | null
}

export async function viewDoc (ctx: OpContext, e: DocEntry): Promise<DocView> {
  return {
    id: e.id,
    rev: e.rev,
    home: e.home,
    deleted: e.deleted,
    record: e.recordCid,
    data: e.data == null ? null : { cid: e.data.cid, size: e.data.size, local: await ctx.site.docs.dataLocal(e), ...(ctx.site.blobs.isDamaged(e.data.cid) ? { damaged: true as const } : {}) }
  }
}

/** A file path from the CLI or the API: a non-empty string without NUL (node refuses those). */
export function requirePath (value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new InputError(`${what} needs a file path`, 'usage')
  if (value.includes('\0')) throw new InputError(`${what}: a file path cannot contain a NUL character`, 'usage')
  return value
}

/** Read a metadata file (its size checked against the metadata limit before reading it). */
export async function readMetadataFile (path: string): Promise<Uint8Array> {
  try {
    const st = statSync(path)
    if (!st.isFile()) throw new InputError(`metadata ${path} is not a file`, 'bad-file')
    checkMetadataSize(st.size)
    // metadata is small (a few KiB typically): a synchronous read costs less than the promise API
    return st.size <= SMALL_PUT_BYTES ? readFileSync(path) : await readFile(path)
  } catch (err: any) {
    if (err instanceof QuireError) throw err
    throw new InputError(`cannot read metadata file ${path}: ${err.code ?? err.message}`, 'bad-file')
  }
}

/** Stream a data file into the file store, hashing it on the way; never a large file whole in memory. */
export async function storeDataFile (ctx: OpContext, path: string, opts: PutOptions = {}, batch?: FileBatch): Promise<BlobRef> {
  let size: number
  try {
    const st = statSync(path)
    if (!st.isFile()) throw new InputError(`data ${path} is not a file`, 'bad-file')
    size = st.size
    // batches of small files: one synchronous read (microseconds), no stream machinery
    if (size <= SMALL_PUT_BYTES) return await (batch != null ? batch.putBytes(readFileSync(path)) : ctx.site.files.putBytes(readFileSync(path), opts))
  } catch (err: any) {
    if (err instanceof QuireError) throw err
    throw new InputError(`cannot read data file ${path}: ${err.code ?? err.message}`, 'bad-file')
  }
  const read = (): AsyncIterable<Uint8Array> => createReadStream(path, { highWaterMark: READ_CHUNK_BYTES })
  const expect = opts.expect ?? (ctx.site.files.wantsCidFirst?.(size) === true ? await hashLocal(ctx, read(), size) : undefined)
  const progress = reporter(ctx.onProgress, 'storing data file', size, 'bytes')
  try {
    // the size read above fixes the block size; a file that grows or shrinks while it is read is refused
    return await ctx.site.files.put(read(), { ...opts, size, ...(expect != null ? { expect } : {}), onBytes: n => { progress.add(n); opts.onBytes?.(n) } })
  } finally {
    progress.end()
  }
}

/** A local file's CID, size and block list, read once before it is stored (FileStore.wantsCidFirst). */
async function hashLocal (ctx: OpContext, source: AsyncIterable<Uint8Array>, size: number): Promise<NonNullable<PutOptions['expect']>> {
  const progress = reporter(ctx.onProgress, 'hashing data file', size, 'bytes')
  const hasher = new BlockHasher(size)
  try {
    for await (const chunk of source) { hasher.update(chunk); progress.add(chunk.byteLength) }
  } finally {
    progress.end()
  }
  return finishRef(hasher, size)
}

export interface PutArgs { id: string, meta: string, data?: string }

export const put: Operation<PutArgs, { id: string, rev: number, home: string }> = {
  offline: true,
  async run (ctx, args) {
    const id = parseDocId(args.id)
    const metadata = await readMetadataFile(requirePath(args.meta, '--meta'))
    const existing = await ctx.site.docs.get(id)
    if (existing != null) throw new InputError(`document ${id} already exists (rev ${existing.rev}); use "quire update"`, 'exists')
    return await ctx.site.pending.track(async note => {
      const data = args.data != null ? await storeDataFile(ctx, requirePath(args.data, '--data'), { beforeVisible: note }) : null
      const [result] = await insertDocuments(ctx.site, [{ id, metadata, data }])
      if (result instanceof QuireError) throw result
      return { id: result.id, rev: result.rev, home: result.home }
    })
  }
}

/** How long `update`/`rm` wait for another holder's lease by default (`--wait`). */
export const DEFAULT_WAIT_SECONDS = 10

export interface UpdateArgs { id: string, meta?: string, data?: string, wait?: number }

/**
 * A new revision of a document: committed here if it is homed here (under this node's own lease
 * when a node runs, so local and remote changes are serialised), or through its home's lock.
 */
async function change (ctx: OpContext, id: string, what: { metadata?: Uint8Array, dataPath?: string, deleted?: boolean }, waitSeconds: unknown): Promise<DocEntry | { id: string, rev: number }> {
  const wait = waitSeconds ?? DEFAULT_WAIT_SECONDS
  if (typeof wait !== 'number' || !Number.isFinite(wait) || wait < 0) throw new InputError('--wait must be a number of seconds', 'usage')
  const held = await ctx.site.docs.get(id)
  if (held == null) throw new NotFoundError(`no document ${id}`)
  if (held.home !== ctx.site.peerId && ctx.node == null) {
    throw new UnreachableError(`${id} is homed at ${held.home}: changing it goes through its home's lock, which needs a running node ("quire serve")`, 'node-not-running')
  }
  return await ctx.site.pending.track(async note => {
    // the new data file goes into our own store first: verified, and local here afterwards
    const data = what.dataPath != null ? await storeDataFile(ctx, what.dataPath, { beforeVisible: note }) : undefined
    const doc = { id, metadata: what.metadata, data, deleted: what.deleted }
    if (held.home !== ctx.site.peerId) return await changeAtHome(ctx.node!, { ...doc, waitMs: wait * 1000 })
    if (ctx.node != null) return await ctx.node.lockServer.local(id, wait * 1000, doc)
    return await changeDocument(ctx.site, doc)
  })
}

export const update: Operation<UpdateArgs, { id: string, rev: number }> = {
  offline: true,
  async run (ctx, args) {
    const id = parseDocId(args.id)
    if (args.meta == null && args.data == null) throw new InputError('update needs --meta and/or --data', 'usage')
    const metadata = args.meta != null ? await readMetadataFile(args.meta) : undefined
    const entry = await change(ctx, id, { metadata, dataPath: args.data }, args.wait)
    return { id: entry.id, rev: entry.rev }
  }
}

export const rm: Operation<{ id: string, wait?: number }, { id: string, rev: number, deleted: true }> = {
  offline: true,
  async run (ctx, args) {
    const entry = await change(ctx, parseDocId(args.id), { deleted: true }, args.wait)
    return { id: entry.id, rev: entry.rev, deleted: true }
  }
}

export interface GetArgs { id: string, metaOut?: string, dataOut?: string }

export const get: Operation<GetArgs, DocView> = {
  offline: true,
  async run (ctx, args) {
    const id = parseDocId(args.id)
    const entry = await ctx.site.docs.get(id)
    if (entry == null) throw new NotFoundError(`no document ${id}`)
    if (args.metaOut != null) requirePath(args.metaOut, '--meta-out')
    if (args.dataOut != null) requirePath(args.dataOut, '--data-out')
    if (args.metaOut != null) {
      const bytes = await ctx.site.docs.metadata(entry.meta)
      if (bytes == null) throw new StoreError(`metadata of ${id} is missing from the store`, 'metadata-missing')
      await writeOut(args.metaOut, async fh => { await fh.writeFile(bytes) })
    }
    if (args.dataOut != null) await copyDataOut(ctx, entry, args.dataOut)
    return await viewDoc(ctx, entry)
  }
}

/** Copy a data file out, verifying it against its CID; damaged bytes never reach the operator. */
async function copyDataOut (ctx: OpContext, entry: DocEntry, path: string): Promise<void> {
  if (entry.data == null) throw new InputError(`document ${entry.id} has no data file`, 'no-data')
  const cid = parseCid(entry.data.cid)
  if (ctx.site.blobs.isDamaged(entry.data.cid)) throw new StoreError(`the data file of ${entry.id} is damaged (found by audit or while serving); repair it: quire repair ${entry.id} --from PEER`, 'damaged')
  if ((await ctx.site.files.stat(cid)) == null) throw new NotFoundError(`the data file of ${entry.id} is not stored on this node (not yet replicated?)`, 'data-not-local')
  await writeOut(path, async fh => {
    const hash = createHash('sha256')
    for await (const chunk of ctx.site.files.read(cid)) {
      hash.update(chunk)
      await fh.write(chunk)
    }
    if (!rawCidFromDigest(hash.digest()).equals(cid)) {
      await ctx.site.blobs.markDamaged(entry.data!.cid, 'hash-mismatch', entry.data!.size)
      throw new StoreError(`the data file of ${entry.id} is damaged (its bytes do not match ${entry.data!.cid}); repair it: quire repair ${entry.id} --from PEER`, 'damaged')
    }
  })
}

async function writeOut (path: string, fill: (fh: Awaited<ReturnType<typeof open>>) => Promise<void>): Promise<void> {
  const staged = `${path}.quire-partial`
  let fh
  try {
    fh = await open(staged, 'w', 0o644)
  } catch (err: any) {
    throw new InputError(`cannot write ${path}: ${err.code ?? err.message}`, 'bad-file')
  }
  try {
    await fill(fh)
    await fh.close()
    await rename(staged, path)
  } catch (err) {
    await fh.close().catch(() => {})
    await unlink(staged).catch(() => {})
    throw err
  }
}

export interface LsArgs { namespace?: string, limit?: number, after?: string }

export const MAX_LS_LIMIT = 100_000

export const ls: Operation<LsArgs, DocView[]> = {
  offline: true,
  async run (ctx, args) {
    const limit = args.limit ?? 1000
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LS_LIMIT) throw new InputError(`--limit must be 1..${MAX_LS_LIMIT}`, 'usage')
    const entries = await ctx.site.docs.list({
      namespace: args.namespace != null ? parseNamespace(args.namespace) : undefined,
      after: args.after,
      limit
    })
    return await Promise.all(entries.map(async e => await viewDoc(ctx, e)))
  }
}
