/**
 * `quire put --batch FILE`: insert many documents in one process. Each line of FILE is a JSON
 * object `{"id", "meta", "data"?}` naming a metadata file and optionally a data file. Lines are
 * taken in chunks: files are read and stored concurrently, then the chunk's records are signed and
 * written in one LevelDB batch (one fsync), which is what makes thousands per second possible.
 * A bad line is reported with its number and stores nothing; the other lines are stored.
 */
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import parallel from 'it-parallel'
import type { Operation, OpContext } from './context.js'
import { readMetadataFile, requirePath, storeDataFile } from './docs.js'
import { insertDocuments, type NewDoc } from '../store/commit.js'
import { parseDocId } from '../model/doc-id.js'
import { InputError, toQuireError } from '../errors.js'
import type { FileBatch } from '../store/file-store.js'
import type { NoteFiles } from '../store/pending-files.js'

/** Lines per chunk, and metadata bytes held before a write: bound memory whatever the batch size. */
export const BATCH_CHUNK_LINES = 5000
export const BATCH_CHUNK_BYTES = 64 * 1024 * 1024
/** Files read and stored at once: enough to keep the disk's queue full. */
export const BATCH_FILE_CONCURRENCY = 64

export interface BatchFailure { line: number, id?: string, error: string, code: string }
export interface BatchResult { total: number, stored: number, failed: BatchFailure[] }

interface Line { line: number, id?: string, meta?: string, data?: string, error?: BatchFailure }

function parseLine (text: string, line: number): Line {
  let o: any
  try {
    o = JSON.parse(text)
  } catch (err: any) {
    return { line, error: { line, error: `not JSON: ${err.message}`, code: 'invalid-input' } }
  }
  try {
    if (o == null || typeof o !== 'object' || Array.isArray(o)) throw new InputError('expected an object {"id", "meta", "data"?}')
    const id = parseDocId(o.id)
    if (typeof o.meta !== 'string' || o.meta === '') throw new InputError('"meta" must be a file path')
    if (o.data != null && (typeof o.data !== 'string' || o.data === '')) throw new InputError('"data" must be a file path')
    return { line, id, meta: o.meta, data: o.data ?? undefined }
  } catch (err) {
    const q = toQuireError(err)
    return { line, id: typeof o?.id === 'string' ? o.id : undefined, error: { line, id: o?.id, error: q.message, code: q.code } }
  }
}

async function storeChunk (ctx: OpContext, lines: Line[], result: BatchResult): Promise<void> {
  for (const l of lines) if (l.error != null) result.failed.push(l.error)
  await ctx.site.pending.track(async note => { await storeChunkFiles(ctx, lines, result, note) })
}

async function storeChunkFiles (ctx: OpContext, lines: Line[], result: BatchResult, note: NoteFiles): Promise<void> {
  const newBatch = (): FileBatch => ctx.site.files.batch({ beforeVisible: note })
  let files = newBatch()
  const load = lines.filter(l => l.error == null).map(l => async (): Promise<{ l: Line, doc?: NewDoc, error?: BatchFailure }> => {
    try {
      const metadata = await readMetadataFile(l.meta!)
      const data = l.data != null ? await storeDataFile(ctx, l.data, { syncDir: false, beforeVisible: note }, files) : null
      return { l, doc: { id: l.id!, metadata, data } }
    } catch (err) {
      const q = toQuireError(err)
      return { l, error: { line: l.line, id: l.id, error: q.message, code: q.code } }
    }
  })
  let pending: Array<{ l: Line, doc: NewDoc }> = []
  let pendingBytes = 0
  const flush = async (): Promise<void> => {
    // the files must be durable and in place before any record names them
    const staged = files
    files = newBatch()
    await staged.commit()
    await ctx.site.files.syncDirs()
    const stored = await insertDocuments(ctx.site, pending.map(x => x.doc))
    stored.forEach((r, i) => {
      if (r instanceof Error) {
        const q = toQuireError(r)
        result.failed.push({ line: pending[i].l.line, id: pending[i].l.id, error: q.message, code: q.code })
      } else {
        result.stored++
      }
    })
    pending = []
    pendingBytes = 0
  }
  for await (const x of parallel(load, { concurrency: BATCH_FILE_CONCURRENCY, ordered: true })) {
    if (x.error != null) { result.failed.push(x.error); continue }
    pending.push({ l: x.l, doc: x.doc! })
    pendingBytes += x.doc!.metadata.byteLength
    // metadata waits in memory until its batch is written: bound it
    if (pendingBytes >= BATCH_CHUNK_BYTES) await flush()
  }
  if (pending.length > 0) await flush()
  files.abort()
}

export const putBatch: Operation<{ file: string }, BatchResult> = {
  offline: true,
  async run (ctx, args) {
    const input = createReadStream(requirePath(args.file, '--batch'))
    const opened = new Promise<void>((resolve, reject) => {
      input.once('open', () => resolve())
      input.once('error', (err: any) => reject(new InputError(`cannot read batch file ${args.file}: ${err.code ?? err.message}`, 'bad-file')))
    })
    await opened
    const result: BatchResult = { total: 0, stored: 0, failed: [] }
    let chunk: Line[] = []
    let n = 0
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      n++
      if (text.trim() === '') continue
      result.total++
      chunk.push(parseLine(text, n))
      if (chunk.length >= BATCH_CHUNK_LINES) {
        await storeChunk(ctx, chunk, result)
        chunk = []
      }
    }
    if (chunk.length > 0) await storeChunk(ctx, chunk, result)
    result.failed.sort((a, b) => a.line - b.line)
    return result
  }
}
