/**
 * The power-cut model of C8 power-loss-sim (nightly-power-loss.spec.ts): which state of a home's
 * `files/` may survive a power cut, given the operations fs-shim.ts traced before the process was
 * killed. Per inode, as LazyFS and TigerBeetle's storage model do: a file has current bytes (the
 * page cache) and durable bytes (fsync: durable = current); a directory has current and durable
 * entries (fsync of the directory: durable = current); a rename moves an inode between entries;
 * syncfs makes everything durable. An fsync counts only once it returned (`done` in the trace):
 * one still in flight at the kill may not have reached the disk. It then persists what it was
 * asked for, the state when it was called. Every other operation takes effect when it is called
 * (the trace is written just before it is performed). That is sound for what the product must
 * make durable, since it calls a directory fsync only after the renames it must cover returned;
 * but a rename still in flight beside an fsync of its directory counts as covered, which the
 * kernel need not honour (optimistic for such a rename, none of which the product relies on).
 *
 * Three states after the cut ({@link Mode}):
 *   drop  durable entries, durable bytes: every unsynced write and directory change lost;
 *   keep  current entries and bytes: nothing lost (kill -9: the page cache survives);
 *   tear  LazyFS's own model: directory changes as the process left them (LazyFS passes them
 *         straight to the backing file system), unsynced bytes lost, and the last unsynced write
 *         torn: a prefix of it kept, or its whole range present but the tail garbled.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { seededBytes, type Rng } from '../../fixtures/seed.js'

/** One line of the trace. Paths are relative to files/ ('' is files/ itself), '/'-separated. */
export type TraceEntry =
  | { seq: number, op: 'mkdir' | 'unlink' | 'syncfs', path: string }
  | { seq: number, op: 'rename', path: string, to: string }
  /** a file created by an open; `h` names the handle in later entries */
  | { seq: number, op: 'create', path: string, h: number }
  | { seq: number, op: 'write', path: string, h: number, offset: number, data: string }
  | { seq: number, op: 'fsync' | 'fsyncdir' | 'close', path: string, h: number }
  /** an existing file or directory opened: not an operation, it only names the handle */
  | { op: 'open', path: string, h: number }
  /** the fsync, fsyncdir or syncfs `of` returned */
  | { op: 'done', of: number }

export type Mode = 'drop' | 'keep' | 'tear'
export const MODES: Mode[] = ['drop', 'keep', 'tear']

interface FileNode { kind: 'file', current: Buffer, durable: Buffer, version: number, durableVersion: number }
interface DirNode { kind: 'dir', current: Map<string, Inode>, durable: Map<string, Inode>, version: number, durableVersion: number }
type Inode = FileNode | DirNode

/** How the last unsynced write is torn: `keep` bytes of it land; `garble`: the rest of its range holds junk. */
export interface Tear { keep: (length: number) => number, garble: boolean, junk: (length: number) => Buffer }

/** A reconstructed tree: directories and files by relative path. */
export interface Tree { dirs: string[], files: Map<string, Buffer> }

const newFile = (): FileNode => ({ kind: 'file', current: Buffer.alloc(0), durable: Buffer.alloc(0), version: 0, durableVersion: 0 })
const newDir = (): DirNode => ({ kind: 'dir', current: new Map(), durable: new Map(), version: 0, durableVersion: 0 })

export class PowerCutModel {
  private readonly root: DirNode
  private readonly inodes: Inode[] = []
  private readonly handles = new Map<number, Inode>()
  /** fsyncs called and not yet returned: what each would make durable */
  private readonly inFlight = new Map<number, () => void>()
  private readonly writes: Array<{ node: FileNode, offset: number, data: Buffer }> = []

  private constructor (root: DirNode) {
    this.root = root
    this.walk(root)
  }

  /** The model of a real tree (the pristine store), everything in it durable. */
  static async load (dir: string): Promise<PowerCutModel> {
    const read = async (path: string): Promise<DirNode> => {
      const node = newDir()
      for (const e of await readdir(path, { withFileTypes: true })) {
        const child: Inode = e.isDirectory() ? await read(join(path, e.name)) : { ...newFile(), current: await readFile(join(path, e.name)) }
        if (child.kind === 'file') child.durable = child.current
        node.current.set(e.name, child)
      }
      node.durable = new Map(node.current)
      return node
    }
    return new PowerCutModel(await read(dir))
  }

  private walk (dir: DirNode): void {
    this.inodes.push(dir)
    for (const n of dir.current.values()) n.kind === 'dir' ? this.walk(n) : this.inodes.push(n)
  }

  private lookup (path: string): Inode {
    let node: Inode = this.root
    for (const part of path === '' ? [] : path.split('/')) {
      const next: Inode | undefined = node.kind === 'dir' ? node.current.get(part) : undefined
      if (next == null) throw new Error(`trace names ${path}, which the model does not hold`)
      node = next
    }
    return node
  }

  private parentOf (path: string): { dir: DirNode, name: string } {
    const cut = path.lastIndexOf('/')
    const dir = this.lookup(cut < 0 ? '' : path.slice(0, cut))
    if (dir.kind !== 'dir') throw new Error(`trace: the parent of ${path} is not a directory`)
    return { dir, name: path.slice(cut + 1) }
  }

  private place (path: string, node: Inode): void {
    const { dir, name } = this.parentOf(path)
    dir.current.set(name, node)
    dir.version++
    this.inodes.push(node)
  }

  private handle (h: number): Inode {
    const node = this.handles.get(h)
    if (node == null) throw new Error(`trace: handle ${h} was never opened`)
    return node
  }

  /** The durable state `node` would get from a sync called now. */
  private syncOf (node: Inode): () => void {
    const version = node.version
    if (node.kind === 'file') {
      const bytes = node.current
      return () => { if (version > node.durableVersion) { node.durable = bytes; node.durableVersion = version } }
    }
    const entries = new Map(node.current)
    return () => { if (version > node.durableVersion) { node.durable = entries; node.durableVersion = version } }
  }

  apply (e: TraceEntry): void {
    switch (e.op) {
      case 'mkdir': this.place(e.path, newDir()); break
      case 'create': { const f = newFile(); this.place(e.path, f); this.handles.set(e.h, f); break }
      case 'open': this.handles.set(e.h, this.lookup(e.path)); break
      case 'write': {
        const node = this.handle(e.h)
        if (node.kind !== 'file') throw new Error(`trace: write to the directory ${e.path}`)
        const data = Buffer.from(e.data, 'base64')
        node.current = overlay(node.current, e.offset, data)
        node.version++
        this.writes.push({ node, offset: e.offset, data })
        break
      }
      case 'fsync': case 'fsyncdir': this.inFlight.set(e.seq, this.syncOf(this.handle(e.h))); break
      case 'syncfs': { const all = this.inodes.map(n => this.syncOf(n)); this.inFlight.set(e.seq, () => { for (const s of all) s() }); break }
      case 'done': this.inFlight.get(e.of)?.(); this.inFlight.delete(e.of); break
      case 'rename': {
        const from = this.parentOf(e.path)
        const node = from.dir.current.get(from.name)
        if (node == null) throw new Error(`trace: rename of ${e.path}, which the model does not hold`)
        from.dir.current.delete(from.name)
        from.dir.version++
        const to = this.parentOf(e.to)
        to.dir.current.set(to.name, node)
        to.dir.version++
        break
      }
      case 'unlink': { const { dir, name } = this.parentOf(e.path); dir.current.delete(name); dir.version++; break }
      case 'close': break
    }
  }

  /**
   * The process was killed and another one starts: its fsyncs still in flight never return, its
   * handles are gone (the next trace numbers both afresh); the page cache stays.
   */
  restart (): void {
    this.inFlight.clear()
    this.handles.clear()
  }

  /** The last write whose file has not been made durable since. */
  lastUnsyncedWrite (): { node: FileNode, offset: number, data: Buffer } | null {
    for (let i = this.writes.length - 1; i >= 0; i--) {
      const w = this.writes[i]
      if (w.node.version > w.node.durableVersion) return w
    }
    return null
  }

  /** What the store holds after a power cut in `mode`. */
  tree (mode: Mode, tear?: Tear): Tree {
    const out: Tree = { dirs: [], files: new Map() }
    const torn = mode === 'tear' ? this.lastUnsyncedWrite() : null
    const bytesOf = (f: FileNode): Buffer => {
      if (mode === 'keep') return f.current
      if (torn?.node !== f || tear == null) return f.durable
      const kept = tear.keep(torn.data.byteLength)
      const landed = tear.garble ? Buffer.concat([torn.data.subarray(0, kept), tear.junk(torn.data.byteLength - kept)]) : torn.data.subarray(0, kept)
      return overlay(f.durable, torn.offset, landed)
    }
    const visit = (dir: DirNode, prefix: string): void => {
      for (const [name, node] of mode === 'drop' ? dir.durable : dir.current) {
        const path = prefix === '' ? name : `${prefix}/${name}`
        if (node.kind === 'dir') {
          out.dirs.push(path)
          visit(node, path)
        } else {
          out.files.set(path, bytesOf(node))
        }
      }
    }
    visit(this.root, '')
    return out
  }
}

/** `base` with `data` written at `offset` (zeros in any gap), as a write(2) leaves a file. */
function overlay (base: Buffer, offset: number, data: Buffer): Buffer {
  const out = Buffer.alloc(Math.max(base.byteLength, offset + data.byteLength))
  base.copy(out)
  data.copy(out, offset)
  return out
}

/** Write `tree` under `dir` (which must not exist yet), with the store's modes. */
export async function writeTree (dir: string, tree: Tree): Promise<void> {
  await mkdir(dir, { mode: 0o700 })
  for (const d of tree.dirs) await mkdir(join(dir, d), { mode: 0o700 })
  for (const [path, bytes] of tree.files) await writeFile(join(dir, path), bytes, { mode: 0o600 })
}

/** The tree under `dir` as it is on disk. */
export async function readTree (dir: string): Promise<Tree> {
  const out: Tree = { dirs: [], files: new Map() }
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(e.parentPath, e.name).slice(dir.length + 1)
    if (e.isDirectory()) out.dirs.push(path)
    else out.files.set(path, await readFile(join(dir, path)))
  }
  return out
}

/** How two trees differ (for the shim's self-check: the model's `keep` tree against the real one). */
export function treeDiff (model: Tree, real: Tree): string[] {
  const out: string[] = []
  const dirs = new Set(real.dirs)
  for (const d of model.dirs) if (!dirs.delete(d)) out.push(`directory ${d} only in the model`)
  for (const d of dirs) out.push(`directory ${d} only on disk`)
  for (const [path, bytes] of model.files) {
    const other = real.files.get(path)
    if (other == null) out.push(`${path} only in the model`)
    else if (!other.equals(bytes)) out.push(`${path}: ${bytes.byteLength} bytes in the model, ${other.byteLength} on disk, contents differ`)
  }
  for (const path of real.files.keys()) if (!model.files.has(path)) out.push(`${path} only on disk`)
  return out
}

/** A seeded tear for crash point k: how much of the torn write lands, and whether the rest is junk. */
export function tearOf (rng: Rng, k: number): Tear {
  const share = rng.next()
  const garble = rng.next() < 0.5
  return {
    keep: length => Math.min(length - 1, Math.max(1, Math.floor(share * length))),
    garble,
    junk: length => seededBytes(rng.seed, `junk ${k}`, length)
  }
}
