/**
 * The blob index: every data file this node has stored (whole and verified), with its size, and
 * whether it was found damaged. It is what `audit` checks against — a file the index names that
 * is gone is `missing`, a file on disk that the index does not name is `unknown` — and what
 * quarantine reads: a damaged file is never served, never copied out, never counted as local.
 */
import type { Level } from 'level'
import type { Db } from './db.js'
import type { StoredBlob } from './file-store.js'

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
  /** damage findings, kept after repairs: cid NUL time → {reason, at} */
  private readonly history: Level<string, { reason: DamageReason, at: string }>
  /** damaged CIDs, kept in memory: the hot paths (serving, `local`) must not wait on disk */
  private readonly damagedSet = new Set<string>()

  private readonly db: Db

  private constructor (db: Db) {
    this.db = db
    this.sub = db.sub<BlobInfo>('blobs')
    this.lists = db.sub<Uint8Array>('blocklists', true)
    this.history = db.sub<{ reason: DamageReason, at: string }>('damagelog')
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
    const first = info.damaged == null
    info.damaged = { reason, at: new Date().toISOString() }
    const b = this.db.level.batch()
    b.put(cid, info as any, { sublevel: this.sub as any })
    // the finding is kept in the history even after a repair clears the mark (quire log)
    if (first) b.put(`${cid}\x00${info.damaged.at}`, info.damaged as any, { sublevel: this.history as any })
    await b.write()
    this.damagedSet.add(cid)
  }

  /** Every damage finding for a file, oldest first. */
  async damageHistory (cid: string): Promise<Array<{ reason: DamageReason, at: string }>> {
    const out: Array<{ reason: DamageReason, at: string }> = []
    for await (const v of this.history.values({ gt: `${cid}\x00`, lt: `${cid}\x01` })) out.push(v)
    return out
  }

  async clearDamage (cid: string, size: number): Promise<void> {
    await this.sub.put(cid, { size, storedAt: new Date().toISOString() })
    this.damagedSet.delete(cid)
  }

  /** Drop a file from the index (the file itself is gone: store/pending-files.ts); its damage history stays. */
  async forget (cid: string): Promise<void> {
    const b = this.db.level.batch()
    b.del(cid, { sublevel: this.sub as any })
    b.del(cid, { sublevel: this.lists as any })
    await b.write()
    this.damagedSet.delete(cid)
  }

  /** The index in CID order from `after` (exclusive): audits walk it with a checkpoint. */
  async * entries (after?: string): AsyncIterable<[string, BlobInfo]> {
    yield * this.sub.iterator(after != null ? { gt: after } : {})
  }

  get damagedCount (): number { return this.damagedSet.size }
}
