/**
 * The file-system shim of C8 power-loss-sim (nightly-power-loss.spec.ts), preloaded into a child
 * process only: `node --import <file URL of this module, compiled> …`.
 *
 * It wraps the node:fs, node:fs/promises and node:child_process functions the file store calls
 * (src/store/files.ts, src/home/atomic-write.ts). Each call on a path under QUIRE_SHIM_ROOT (a
 * home's files/) is appended to QUIRE_SHIM_TRACE, synchronously, before it is performed (lines of
 * power-loss-model.ts's TraceEntry); a `sync -f` of that file system (syncfs) too. With
 * QUIRE_SHIM_CRASH_AT=k the process SIGKILLs itself at the kth operation, which is neither
 * performed nor traced. Calls elsewhere pass through untouched.
 * Traced operations still under way at the kth (a serving node fetches several files at once)
 * finish first: the kth and every later traced one are parked, never performed (an async call never
 * settles; a synchronous one throws, which the product sees as a failed system call), and the kill
 * comes when none is in flight. So every traced operation took effect, and the model can be held to
 * the files the killed process left; the cut falls between operations, not inside one.
 *
 * The product is not changed for this: its ESM named imports (`import { rename } from
 * 'node:fs/promises'`) are bound to the builtins' exports, and module.syncBuiltinESMExports()
 * points them at the wrappers put on the CommonJS objects (its documented purpose; it covers
 * node:fs/promises, whose object is `fs.promises`). This module must load before the product's.
 * File handles are wrapped one by one when opened. Calls the model does not know (a handle's
 * truncate or appendFile, fs/promises writeFile, copyFile, link, an open for writing through the
 * callback API…) throw under the root rather than go unrecorded; anything missed would also show
 * in the spec's check of the model against the real files/ after each run.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module'
import { dirname, relative, resolve, sep } from 'node:path'
import { promisify } from 'node:util'
import type { FileHandle } from 'node:fs/promises'
import type { TraceEntry } from './power-loss-model.js'

const require = createRequire(import.meta.url)
const fs: typeof import('node:fs') = require('node:fs')
const cp: typeof import('node:child_process') = require('node:child_process')
const fsp = fs.promises
const real = {
  openSync: fs.openSync, writeSync: fs.writeSync, fsync: fs.fsync, closeSync: fs.closeSync,
  renameSync: fs.renameSync, unlinkSync: fs.unlinkSync, existsSync: fs.existsSync, statSync: fs.statSync, fstatSync: fs.fstatSync,
  open: fsp.open, rename: fsp.rename, unlink: fsp.unlink, rm: fsp.rm, mkdir: fsp.mkdir, execFile: cp.execFile
}

const ROOT = process.env.QUIRE_SHIM_ROOT
const TRACE = process.env.QUIRE_SHIM_TRACE
const CRASH_AT = Number(process.env.QUIRE_SHIM_CRASH_AT ?? 0)
if (ROOT == null || TRACE == null) throw new Error('fs-shim: set QUIRE_SHIM_ROOT (the files/ to trace) and QUIRE_SHIM_TRACE (the trace file)')
const traceFd = real.openSync(TRACE, 'a')
let ops = 0
let handles = 0
/** operations traced and under way (async calls not yet settled) */
let inflight = 0
let crashing = false
/** Thrown at and after the crash point by trace(): the operation is not performed. */
const PARKED = new Error('fs-shim: parked at the crash point')
const killWhenIdle = (): void => { if (crashing && inflight === 0) process.kill(process.pid, 'SIGKILL') }

/** A trace entry before it is numbered. */
type Unnumbered<T> = T extends { seq: number } ? Omit<T, 'seq'> : T
type Entry = Unnumbered<TraceEntry>

function trace (e: Entry): void {
  let line: object = e
  if (e.op !== 'open' && e.op !== 'done') {
    if (crashing) throw PARKED
    if (++ops === CRASH_AT) {
      crashing = true
      killWhenIdle()
      throw PARKED
    }
    line = { seq: ops, ...e }
  }
  real.writeSync(traceFd, JSON.stringify(line) + '\n')
}

const under = (p: unknown): boolean => {
  const abs = resolve(String(p))
  return abs === ROOT || abs.startsWith(ROOT + sep)
}
const rel = (p: unknown): string => relative(ROOT, resolve(String(p))).split(sep).join('/')
const unsupported = (what: string, p: unknown): Error => new Error(`fs-shim: ${what} under ${ROOT} is not modelled (${String(p)})`)

/** An open file or directory under the root; `pos` is where a write without a position lands. */
interface Handle { h: number, path: string, pos: number, append: boolean, dir: boolean, written: boolean }
const byFd = new Map<number, Handle>()

/**
 * An async operation: `traced` traces it, `call` performs it (and traces its completion), counted
 * in flight if it was traced; parked (never settles) at and after the crash point. One that traced
 * nothing (outside the root, or a no-op) is simply performed.
 */
async function performing<T> (traced: () => void, call: () => Promise<T>): Promise<T> {
  const before = ops
  try {
    traced()
  } catch (err) {
    if (err === PARKED) return await new Promise<never>(() => {})
    throw err
  }
  if (ops === before) return await call()
  inflight++
  try {
    return await call()
  } finally {
    inflight--
    killWhenIdle()
  }
}

/** Trace an open (a create if it makes the file); null if the path is not traced or the open will fail. */
function opening (path: unknown, flags: unknown): Handle | null {
  if (!under(path)) return null
  const f = typeof flags === 'number' ? flags : fs.constants.O_RDONLY
  const text = typeof flags === 'string' ? flags : 'r'
  const creates = typeof flags === 'number' ? (f & fs.constants.O_CREAT) !== 0 : /[wa]/.test(text)
  const truncates = typeof flags === 'number' ? (f & fs.constants.O_TRUNC) !== 0 : text.startsWith('w')
  const append = typeof flags === 'number' ? (f & fs.constants.O_APPEND) !== 0 : text.startsWith('a')
  const exists = real.existsSync(String(path))
  if (!exists && (!creates || !real.existsSync(dirname(String(path))))) return null
  if (exists && truncates) throw unsupported('truncating open', path)
  const handle: Handle = { h: ++handles, path: rel(path), pos: 0, append, dir: exists && real.statSync(String(path)).isDirectory(), written: !exists }
  trace(exists ? { op: 'open', path: handle.path, h: handle.h } : { op: 'create', path: handle.path, h: handle.h })
  return handle
}

/** Trace a write of `data` through `handle` (`fd` to find the end of an O_APPEND file). */
function writing (handle: Handle, fd: number, data: Uint8Array, position: number | null | undefined): void {
  const offset = handle.append ? real.fstatSync(fd).size : position ?? handle.pos
  handle.written = true
  trace({ op: 'write', path: handle.path, h: handle.h, offset, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') })
}

function wrote (handle: Handle, asked: number, done: number, position: number | null | undefined): void {
  if (done !== asked) throw new Error(`fs-shim: a short write (${done} of ${asked} bytes) to ${handle.path} is not modelled`)
  if (position == null) handle.pos += done
}

const syncing = (handle: Handle): number => {
  trace({ op: handle.dir ? 'fsyncdir' : 'fsync', path: handle.path, h: handle.h })
  return ops
}
const closing = (handle: Handle): void => { if (handle.written) trace({ op: 'close', path: handle.path, h: handle.h }) }

function renaming (from: unknown, to: unknown): void {
  if (!under(from) && !under(to)) return
  if (!under(from) || !under(to)) throw unsupported('a rename across the root', `${String(from)} → ${String(to)}`)
  if (real.existsSync(String(from))) trace({ op: 'rename', path: rel(from), to: rel(to) })
}

function unlinking (path: unknown): void {
  if (!under(path) || !real.existsSync(String(path))) return
  if (real.statSync(String(path)).isDirectory()) throw unsupported('removing a directory', path)
  trace({ op: 'unlink', path: rel(path) })
}

/** Trace each directory a mkdir will make (one, or every missing one with `recursive`). */
function making (path: unknown, recursive: boolean): void {
  if (!under(path)) return
  const missing: string[] = []
  for (let p = resolve(String(path)); under(p) && !real.existsSync(p); p = dirname(p)) {
    missing.unshift(p)
    if (!recursive) break
  }
  if (missing.length > 0 && real.existsSync(dirname(missing[0]))) for (const p of missing) trace({ op: 'mkdir', path: rel(p) })
}

// --- node:fs (synchronous and callback calls) -------------------------------------------------

fs.openSync = function (path: any, flags?: any, mode?: any): number {
  const handle = opening(path, flags)
  const fd = real.openSync(path, flags, mode)
  if (handle != null) byFd.set(fd, handle)
  return fd
} as typeof fs.openSync

fs.writeSync = function (fd: number, buffer: any, offset?: any, length?: any, position?: any): number {
  const handle = byFd.get(fd)
  if (handle == null) return (real.writeSync as any)(fd, buffer, offset, length, position)
  if (!ArrayBuffer.isView(buffer) || typeof offset === 'object') throw unsupported('this form of writeSync', handle.path)
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset + (offset ?? 0), length ?? buffer.byteLength - (offset ?? 0))
  writing(handle, fd, bytes, position)
  const done = real.writeSync(fd, bytes, 0, bytes.byteLength, position)
  wrote(handle, bytes.byteLength, done, position)
  return done
} as typeof fs.writeSync

fs.fsync = function (fd: number, callback: (err: NodeJS.ErrnoException | null) => void): void {
  const handle = byFd.get(fd)
  if (handle == null) { real.fsync(fd, callback); return }
  let seq = 0
  // the callback runs once the fsync is no longer in flight: a kill that waited for it comes first
  performing(() => { seq = syncing(handle) }, async () => await new Promise<void>((resolve, reject) => {
    real.fsync(fd, err => {
      if (err != null) { reject(err); return }
      trace({ op: 'done', of: seq })
      resolve()
    })
  })).then(() => callback(null), callback)
} as typeof fs.fsync

fs.closeSync = function (fd: number): void {
  const handle = byFd.get(fd)
  if (handle != null) closing(handle)
  byFd.delete(fd)
  real.closeSync(fd)
}

fs.renameSync = function (from: any, to: any): void { renaming(from, to); real.renameSync(from, to) }
fs.unlinkSync = function (path: any): void { unlinking(path); real.unlinkSync(path) }

// --- node:fs/promises -------------------------------------------------------------------------

fsp.open = async function (path: any, flags?: any, mode?: any): Promise<FileHandle> {
  let handle: Handle | null = null
  return await performing(() => { handle = opening(path, flags) }, async () => {
    const fh = await real.open(path, flags, mode)
    if (handle != null) wrapHandle(fh, handle)
    return fh
  })
}

function wrapHandle (fh: FileHandle, handle: Handle): void {
  const { write, writev, sync, close } = { write: fh.write.bind(fh), writev: fh.writev.bind(fh), sync: fh.sync.bind(fh), close: fh.close.bind(fh) }
  fh.write = async function (buffer: any, offset?: any, length?: any, position?: any): Promise<any> {
    if (!ArrayBuffer.isView(buffer) || typeof offset === 'object') throw unsupported('this form of FileHandle.write', handle.path)
    const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset + (offset ?? 0), length ?? buffer.byteLength - (offset ?? 0))
    return await performing(() => { writing(handle, fh.fd, bytes, position) }, async () => {
      const r = await write(bytes, 0, bytes.byteLength, position)
      wrote(handle, bytes.byteLength, r.bytesWritten, position)
      return { bytesWritten: r.bytesWritten, buffer }
    })
  } as FileHandle['write']
  fh.writev = async function (buffers: readonly NodeJS.ArrayBufferView[], position?: number) {
    const bytes = Buffer.concat(buffers.map(b => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)))
    return await performing(() => { writing(handle, fh.fd, bytes, position) }, async () => {
      const r = await writev(buffers, position)
      wrote(handle, bytes.byteLength, r.bytesWritten, position)
      return r
    })
  } as FileHandle['writev']
  fh.sync = async function () {
    let seq = 0
    await performing(() => { seq = syncing(handle) }, async () => {
      await sync()
      trace({ op: 'done', of: seq })
    })
  }
  fh.close = async function () {
    await performing(() => { closing(handle) }, close)
  }
  // home/atomic-write.ts writes a whole small file so (a received file's block list): one write
  fh.writeFile = async function (data: any) {
    if (typeof data !== 'string' && !ArrayBuffer.isView(data)) throw unsupported('FileHandle.writeFile of a stream', handle.path)
    await fh.write(typeof data === 'string' ? Buffer.from(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
  } as FileHandle['writeFile']
  for (const name of ['appendFile', 'truncate', 'datasync'] as const) {
    (fh as any)[name] = async () => { throw unsupported(`FileHandle.${name}`, handle.path) }
  }
}

fsp.rename = async function (from: any, to: any): Promise<void> { await performing(() => { renaming(from, to) }, async () => { await real.rename(from, to) }) }
fsp.unlink = async function (path: any): Promise<void> { await performing(() => { unlinking(path) }, async () => { await real.unlink(path) }) }
// rm of a file as the unlink it is: the real rm unlinks through fs.unlink, which is refused below
fsp.rm = async function (path: any, opts?: any): Promise<void> {
  if (!under(path)) return await real.rm(path, opts)
  await performing(() => { unlinking(path) }, async () => {
    try {
      await real.unlink(path)
    } catch (err: any) {
      if (opts?.force !== true || err.code !== 'ENOENT') throw err
    }
  })
}
fsp.mkdir = async function (path: any, opts?: any): Promise<any> {
  return await performing(() => { making(path, typeof opts === 'object' && opts?.recursive === true) }, async () => await real.mkdir(path, opts))
} as typeof fsp.mkdir

// --- every other call that changes a path: refused under the root, so none goes untraced --------

/** Wrap `obj[name]` to throw when one of the path arguments at `at` lies under the root. */
function refuse (obj: any, where: string, names: string[], at: number[]): void {
  for (const name of names) {
    const f = obj[name]
    obj[name] = function (this: unknown, ...args: any[]) {
      for (const i of at) if (typeof args[i] === 'string' && under(args[i])) throw unsupported(`${where}.${name}`, args[i])
      return f.apply(this, args)
    }
  }
}
refuse(fs, 'fs', ['writeFileSync', 'appendFileSync', 'truncateSync', 'mkdirSync', 'rmSync', 'rmdirSync', 'createWriteStream',
  'writeFile', 'appendFile', 'truncate', 'mkdir', 'rm', 'rmdir', 'unlink'], [0])
refuse(fs, 'fs', ['copyFileSync', 'linkSync', 'symlinkSync', 'cpSync', 'copyFile', 'link', 'symlink', 'cp', 'rename'], [0, 1])
refuse(fsp, 'fs/promises', ['writeFile', 'appendFile', 'truncate', 'rmdir'], [0])
refuse(fsp, 'fs/promises', ['copyFile', 'link', 'symlink', 'cp'], [0, 1])
// fs.open reads too (createReadStream opens through it): only an open that may write is refused
const realOpen = fs.open
fs.open = function (this: unknown, path: any, flags?: any, ...rest: any[]) {
  const writes = typeof flags === 'number' ? (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) !== 0 : typeof flags === 'string' && flags !== 'r'
  if (writes && under(path)) throw unsupported('fs.open for writing', path)
  return (realOpen as any).call(this, path, flags, ...rest)
} as typeof fs.open

// --- node:child_process: `sync -f DIR` is syncfs, the flush of the whole file system ----------

const flushes = (file: unknown, args: unknown): boolean => file === 'sync' && Array.isArray(args) && args[0] === '-f' && under(args[1])
/** Trace a syncfs of `dir`; the function returned traces its return. */
function flushing (dir: unknown): () => void {
  trace({ op: 'syncfs', path: rel(dir) })
  const seq = ops
  return () => { trace({ op: 'done', of: seq }) }
}
const realExecFileAsync = (real.execFile as any)[promisify.custom]
function execFile (this: unknown, file: any, args?: any, ...rest: any[]): any {
  if (!flushes(file, args)) return (real.execFile as any).call(this, file, args, ...rest)
  // the product flushes through promisify (below); a callback-style flush would go untraced
  throw unsupported('a callback-style execFile of sync -f', args[1])
}
execFile[promisify.custom] = async function (file: any, args?: any, ...rest: any[]): Promise<any> {
  if (!flushes(file, args)) return await realExecFileAsync(file, args, ...rest)
  let flushed = (): void => {}
  return await performing(() => { flushed = flushing(args[1]) }, async () => {
    const r = await realExecFileAsync(file, args, ...rest)
    flushed()
    return r
  })
}
cp.execFile = execFile as unknown as typeof cp.execFile

syncBuiltinESMExports()
