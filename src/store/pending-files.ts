/**
 * Files stored ahead of the record that will name them. A local put or update (and a home taking a
 * partner's update through its lock) stores the data file first, then commits the document: a
 * crash or a failed commit between the two leaves a whole file that no record names. The audit
 * never deletes a file it cannot account for (an emptied or rebuilt database must not read as
 * "delete everything"), so such a file would stay for good. Instead each one is noted here,
 * durably, before it gets its final name, and the note goes when its caller is done. A note left
 * behind names exactly the files that may be orphans: at node start every one that no revision
 * names is removed (battery C3: "garbage-collected or adopted within one Δt").
 */
import type { Level } from 'level'
import type { Db } from './db.js'
import type { FileStore, StoredBlob } from './file-store.js'
import type { Documents } from './documents.js'
import type { Blobs } from './blobs.js'
import { parseCid } from '../model/cids.js'

/** Passed as PutOptions.beforeVisible by a caller that records its files afterwards. */
export type NoteFiles = (refs: StoredBlob[]) => Promise<void>

/** Outcomes after which a record naming the files may still come (from the home, by sync). */
const OUTCOME_UNKNOWN = new Set(['outcome-unknown', 'store-after-commit'])

export class PendingFiles {
  private readonly notes: Level<string, { at: string }>
  private readonly files: FileStore
  private readonly docs: Documents
  private readonly blobs: Blobs
  /** while a store is rebuilt from partners, records that name files are still on their way: nothing goes */
  private readonly recovering: () => boolean
  /** CIDs noted by callers still at work in this process: their files stay, whatever else happens */
  private readonly held = new Map<string, number>()
  /** removals under way: a caller noting the same CID waits, so its new file is not the one removed */
  private readonly removing = new Map<string, Promise<boolean>>()

  constructor (db: Db, files: FileStore, docs: Documents, blobs: Blobs, recovering: () => boolean) {
    this.notes = db.sub<{ at: string }>('pendingfiles')
    this.files = files
    this.docs = docs
    this.blobs = blobs
    this.recovering = recovering
  }

  /**
   * Run `work`, which stores files with `note` as their beforeVisible and then records them. When
   * it is done, its files that no revision names go (it failed, or stored a file it did not use);
   * when its outcome is unknown they stay until the next start's {@link sweep}. Only files that
   * were not in the store before are noted: a file already there is someone else's to keep.
   */
  async track<T> (work: (note: NoteFiles) => Promise<T>): Promise<T> {
    const held: string[] = []
    const ours: string[] = []
    let open = true
    const note: NoteFiles = async refs => {
      // a late caller (a load still running after its batch failed) must not store unnoted
      if (!open) throw new Error('pending files: noted after the operation ended')
      const cids = refs.map(r => r.cid.toString())
      for (const cid of cids) {
        held.push(cid)
        this.held.set(cid, (this.held.get(cid) ?? 0) + 1)
      }
      await Promise.all(cids.map(async cid => await this.removing.get(cid)))
      const fresh: string[] = []
      for (const [i, cid] of cids.entries()) if ((await this.files.stat(refs[i].cid)) == null) fresh.push(cid)
      if (fresh.length === 0) return
      ours.push(...fresh)
      const at = new Date().toISOString()
      // synced: the note must be on disk before the file's name can be
      await this.notes.batch(fresh.map(cid => ({ type: 'put' as const, key: cid, value: { at } })), { sync: true })
    }
    let settle = true
    try {
      return await work(note)
    } catch (err: any) {
      settle = !OUTCOME_UNKNOWN.has(err?.code)
      throw err
    } finally {
      open = false
      for (const cid of held) {
        const n = (this.held.get(cid) ?? 1) - 1
        if (n > 0) this.held.set(cid, n)
        else this.held.delete(cid)
      }
      // never in the way of the caller's own result: a note left behind is retried at the next start
      if (settle) await this.resolve(ours).catch(() => {})
    }
  }

  /** Notes a crash left behind (run before anything stores files): returns the CIDs of the files removed. */
  async sweep (): Promise<string[]> {
    const cids: string[] = []
    for await (const cid of this.notes.keys()) cids.push(cid)
    return await this.resolve(cids)
  }

  private async resolve (cids: string[]): Promise<string[]> {
    if (this.recovering()) return []
    const removed: string[] = []
    for (const cid of new Set(cids)) {
      // under the documents' lock: a revision naming the file is either stored before the check
      // (the file stays) or after the removal (and then it finds the file missing and wants it)
      await this.docs.exclusive(async () => {
        if (await this.docs.isReferenced(cid)) {
          await this.notes.del(cid)
          return
        }
        // checked and claimed in one step: a caller noting this CID from now on waits for the removal
        if (this.held.has(cid) || this.removing.has(cid)) return
        const done = this.remove(cid)
        this.removing.set(cid, done)
        try {
          if (await done) removed.push(cid)
        } finally {
          this.removing.delete(cid)
        }
      })
    }
    return removed
  }

  /** Remove the file (durably, before its note goes) and its index entry; true if it was there. */
  private async remove (cid: string): Promise<boolean> {
    const there = (await this.files.stat(parseCid(cid))) != null
    await this.files.remove(parseCid(cid))
    await this.blobs.forget(cid)
    await this.notes.del(cid)
    return there
  }
}
