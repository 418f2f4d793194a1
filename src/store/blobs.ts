/**
 * The blob index: every data file this node has stored (whole and verified), with its size, and
 * whether it was found damaged. It is what `audit` checks against — a file the index names that
 * is gone is `missing`, a file on disk that the index does not name is `unknown` — and what
 * quarantine reads: a damaged file is never served, never copied out, never counted as local.
 */
import type { Level } from 'level'
import type { Db } from './db.js'
import type { StoredBlob } from './files.js'

export type DamageReason = 'hash-mismatch' | 'missing' | 'truncated'

export interface BlobInfo {
  size: number
  storedAt: string
  damaged?: { reason: DamageReason, at: string }
}

export class Blobs {
  private readonly sub: Level<string, BlobInfo>
  /** each stored file's block list (model/blocks.ts), binary */
  private readonly lists: Level<string, Uint8Array>
  /** damaged CIDs, kept in memory: the hot paths (serving, `local`) must not wait on disk */
  private readonly damagedSet = new Set<string>()

  private readonly db: Db

  private constructor (db: Db) {
    this.db = db
    this.sub = db.sub<BlobInfo>('blobs')
    this.lists = db.sub<Uint8Array>('blocklists', true)
  }

  static async open (db: Db): Promise<Blobs> {
    const b = new Blobs(db)
    for await (const [cid, info] of b.sub.iterator()) if (info.damaged != null) b.damagedSet.add(cid)
    return b
  }

  async noteStored (refs: StoredBlob[]): Promise<void> {
    const at = new Date().toISOString()
    const b = this.db.level.batch()
    for (const r of refs) {
      b.put(r.cid.toString(), { size: r.size, storedAt: at } as any, { sublevel: this.sub as any })
      b.put(r.cid.toString(), r.blockList as any, { sublevel: this.lists as any })
    }
    await b.write()
    for (const r of refs) this.damagedSet.delete(r.cid.toString())
  }

  async blockList (cid: string): Promise<Uint8Array | undefined> {
    return await this.lists.get(cid)
  }

  async get (cid: string): Promise<BlobInfo | undefined> {
    return await this.sub.get(cid)
  }

  isDamaged (cid: string): boolean {
    return this.damagedSet.has(cid)
  }

  async markDamaged (cid: string, reason: DamageReason, size?: number): Promise<void> {
    const info = (await this.sub.get(cid)) ?? { size: size ?? 0, storedAt: new Date().toISOString() }
    info.damaged = { reason, at: new Date().toISOString() }
    await this.sub.put(cid, info)
    this.damagedSet.add(cid)
  }

  async clearDamage (cid: string, size: number): Promise<void> {
    await this.sub.put(cid, { size, storedAt: new Date().toISOString() })
    this.damagedSet.delete(cid)
  }

  /** The index in CID order from `after` (exclusive): audits walk it with a checkpoint. */
  async * entries (after?: string): AsyncIterable<[string, BlobInfo]> {
    yield * this.sub.iterator(after != null ? { gt: after } : {})
  }

  get damagedCount (): number { return this.damagedSet.size }
}
