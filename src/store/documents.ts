/**
 * DEV DOCS — the document store.
 *
 * LevelDB sublevels (all written through one atomic batch per change):
 *   docs      id → DocEntry                 current revision of each document
 *   revs      id NUL rev(hex) → RevBlob     every signed revision held (history), with where it came from
 *   metadata  meta CID → bytes              metadata, content-addressed (identical documents share it)
 *   changes   seq(hex) → id                 change log: one entry per document, at its latest change
 *   cidrefs   data CID NUL id → rev         which documents name a data file (serving rules, audit)
 *   wants     data CID → Want               data files to fetch, and who offered them
 *   pushed    peer ID → seq                 how far the push to each partner got
 *
 * Every stored change takes a new sequence number and moves the document's single entry in
 * `changes` to it, so `changesSince(n)` is the list of documents changed after n (CouchDB's
 * `_changes` shape) and reading from 0 is the whole inventory. Writes are serialised by one mutex:
 * a decision (accept? which rev next?) and its batch happen with nothing in between.
 * `local` (is the data file here?) is never stored: it is the file store's own answer, and a file
 * exists there only whole and verified, so a record can never point at a partial file as local.
 */
import { EventEmitter } from 'node:events'
import * as dagCbor from '@ipld/dag-cbor'
import type { Level } from 'level'
import type { Db } from './db.js'
import type { FileStore } from './file-store.js'
import type { Blobs } from './blobs.js'
import type { VerifiedRevision } from '../model/record.js'
import { namespaceOf } from '../model/doc-id.js'
import { acceptDecision, type AcceptContext, type AcceptDecision } from '../model/accept-policy.js'
import { parseCid } from '../model/cids.js'
import { crashPoint, failPoint } from '../faults.js'

export interface DocEntry {
  id: string
  rev: number
  home: string
  deleted: boolean
  meta: string
  data: { cid: string, size: number, blocks: string } | null
  recordCid: string
  /** this document's position in the change log */
  seq: number
  /** partner the current revision came from; null if committed here */
  receivedFrom: string | null
  storedAt: string
}

export interface RevBlob {
  bytes: Uint8Array
  signature: Uint8Array
  from: string | null
  at: string
  /** committed here at the request of this partner (through the home's lock) */
  requestedBy?: string
}

/** A data file to fetch: its size and block list CID (from the signed record), who offered it, which documents name it. */
export interface Want { size: number, blocks: string, sources: string[], ids: string[] }

export interface ListOptions { namespace?: string, after?: string, limit?: number }

const SEQ_WIDTH = 13 // hex digits: 2^52 changes
/** Backlogs up to this many documents are counted exactly (about 50 ms of reads at the most). */
const CHANGES_COUNTED = 10_000
const seqKey = (seq: number): string => seq.toString(16).padStart(SEQ_WIDTH, '0')
const revKey = (id: string, rev: number): string => `${id}\x00${rev.toString(16).padStart(SEQ_WIDTH, '0')}`

export interface DocumentEvents {
  /** a document got a new place in the change log (new revision, or its data became local) */
  change: [entry: DocEntry]
}

export class Documents extends EventEmitter<DocumentEvents> {
  private readonly db: Db
  readonly files: FileStore
  private readonly docs: Level<string, DocEntry>
  private readonly revs: Level<string, Uint8Array>
  private readonly metadataSub: Level<string, Uint8Array>
  private readonly changes: Level<string, string>
  private readonly cidrefs: Level<string, number>
  private readonly wantsSub: Level<string, Want>
  private readonly pushed: Level<string, number | { seq: number, policy: number }>
  private seq = 0
  /** the change-log position as of the last synced write: what a power cut cannot take back */
  private synced = 0
  private count = 0
  private tail: Promise<unknown> = Promise.resolve()

  private readonly blobs: Blobs

  private constructor (db: Db, files: FileStore, blobs: Blobs) {
    super()
    this.blobs = blobs
    this.db = db
    this.files = files
    this.docs = db.sub<DocEntry>('docs')
    this.revs = db.sub<Uint8Array>('revs', true)
    this.metadataSub = db.sub<Uint8Array>('metadata', true)
    this.changes = db.sub<string>('changes')
    this.cidrefs = db.sub<number>('cidrefs')
    this.wantsSub = db.sub<Want>('wants')
    this.pushed = db.sub<number | { seq: number, policy: number }>('pushed')
  }

  static async open (db: Db, files: FileStore, blobs: Blobs): Promise<Documents> {
    const d = new Documents(db, files, blobs)
    for await (const key of d.changes.keys({ reverse: true, limit: 1 })) d.seq = parseInt(key, 16)
    d.count = ((await db.meta.get('docCount')) as number | undefined) ?? 0
    return d
  }

  get lastSeq (): number { return this.seq }
  get syncedSeq (): number { return this.synced }
  get size (): number { return this.count }

  /** Run `fn` with no other write in between. */
  async exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn)
    this.tail = run.catch(() => {})
    return await run
  }

  async get (id: string): Promise<DocEntry | undefined> {
    return await this.docs.get(id)
  }

  async getMany (ids: string[]): Promise<Array<DocEntry | undefined>> {
    return await this.docs.getMany(ids)
  }

  async signed (id: string, rev: number): Promise<RevBlob | undefined> {
    const v = await this.revs.get(revKey(id, rev))
    return v == null ? undefined : dagCbor.decode<RevBlob>(v)
  }

  async history (id: string): Promise<RevBlob[]> {
    const out: RevBlob[] = []
    for await (const v of this.revs.values({ gt: `${id}\x00`, lt: `${id}\x01` })) out.push(dagCbor.decode<RevBlob>(v))
    return out
  }

  async metadata (metaCid: string): Promise<Uint8Array | undefined> {
    return await this.metadataSub.get(metaCid)
  }

  /** Is this document's data file stored here, whole, verified and not found damaged since? */
  async dataLocal (entry: DocEntry): Promise<boolean> {
    if (entry.data == null || this.blobs.isDamaged(entry.data.cid)) return false
    return (await this.files.stat(parseCid(entry.data.cid))) != null
  }

  /**
   * Store verified revisions received from a partner, each if the accept rules allow it, in one
   * atomic batch. The decisions and the write happen under the store's mutex. A store failure
   * for one document (an injected fault, in tests) fails it alone: it gets the verdict `failed`
   * and the others are still stored.
   */
  async receive (items: Array<{ v: VerifiedRevision, metadata: Uint8Array }>, ctx: Omit<AcceptContext, 'held'>, from: string): Promise<Array<AcceptDecision | { verdict: 'failed', error: string }>> {
    return await this.exclusive(async () => {
      const heldList = await this.docs.getMany(items.map(i => i.v.revision.id))
      const held = new Map<string, DocEntry | undefined>()
      items.forEach((item, i) => { if (!held.has(item.v.revision.id)) held.set(item.v.revision.id, heldList[i]) })
      const toWrite: Parameters<Documents['write']>[0] = []
      const verdicts = items.map(({ v, metadata }) => {
        const r = v.revision
        const h = held.get(r.id)
        const decision = acceptDecision({ ...ctx, held: h }, { id: r.id, rev: r.rev, home: r.home, recordCid: v.recordCid.toString() })
        if (decision.verdict !== 'store') return decision
        try {
          failPoint('store.put', r.id)
        } catch (err: any) {
          return { verdict: 'failed' as const, error: err.message as string }
        }
        toWrite.push({ v, metadata, from, held: h })
        // a later item for the same id in this batch is judged against this one
        held.set(r.id, { ...(h as DocEntry), id: r.id, rev: r.rev, home: r.home, recordCid: v.recordCid.toString(), seq: h?.seq ?? -1 })
        return decision
      })
      if (toWrite.length > 0) await this.write(toWrite)
      return verdicts
    })
  }

  /** Store revisions this node committed (as home), in one atomic batch. Caller holds {@link exclusive}. */
  async commitLocal (items: Array<{ v: VerifiedRevision, metadata: Uint8Array, requestedBy?: string }>): Promise<DocEntry[]> {
    const held = await this.docs.getMany(items.map(i => i.v.revision.id))
    return await this.write(items.map((item, i) => ({ ...item, from: null, held: held[i] })))
  }

  private async write (items: Array<{ v: VerifiedRevision, metadata: Uint8Array, from: string | null, held: DocEntry | undefined, requestedBy?: string }>): Promise<DocEntry[]> {
    const at = new Date().toISOString()
    const b = this.db.level.batch()
    const entries: DocEntry[] = []
    let seq = this.seq
    let added = 0
    const seqOf = new Map<string, number>()
    for (const { v, metadata, from, held, requestedBy } of items) {
      const r = v.revision
      seq++
      const entry: DocEntry = {
        id: r.id,
        rev: r.rev,
        home: r.home,
        deleted: r.deleted,
        meta: r.meta.toString(),
        data: r.data == null ? null : { cid: r.data.cid.toString(), size: r.data.size, blocks: r.data.blocks.toString() },
        recordCid: v.recordCid.toString(),
        seq,
        receivedFrom: from,
        storedAt: at
      }
      b.put(entry.id, entry as any, { sublevel: this.docs as any })
      b.put(revKey(r.id, r.rev), dagCbor.encode<RevBlob>({ bytes: v.bytes, signature: v.signature, from, at, ...(requestedBy != null ? { requestedBy } : {}) }) as any, { sublevel: this.revs as any })
      b.put(entry.meta, metadata as any, { sublevel: this.metadataSub as any })
      const previousSeq = seqOf.get(r.id) ?? held?.seq
      if (previousSeq != null && previousSeq >= 0) b.del(seqKey(previousSeq), { sublevel: this.changes as any })
      b.put(seqKey(seq), entry.id as any, { sublevel: this.changes as any })
      if (entry.data != null) b.put(`${entry.data.cid}\x00${entry.id}`, r.rev as any, { sublevel: this.cidrefs as any })
      if (held == null && !seqOf.has(r.id)) added++
      seqOf.set(r.id, seq)
      entries.push(entry)
    }
    if (added > 0) b.put('docCount', this.count + added, { sublevel: this.db.meta as any })
    // sync: an acknowledged revision must survive a power cut, not only a process crash
    await b.write({ sync: true })
    crashPoint('db.batch.written')
    this.seq = seq
    // the largest change-log position is now durable, which is what the high-water mark compares
    this.synced = seq
    this.count += added
    for (const e of entries) this.emit('change', e)
    return entries
  }

  /**
   * Give a document a new place in the change log without a new revision: its data file became
   * local, so partners that get data from us should hear of it again.
   */
  async touch (ids: string[]): Promise<void> {
    if (ids.length === 0) return
    await this.exclusive(async () => {
      const held = await this.docs.getMany([...new Set(ids)])
      const b = this.db.level.batch()
      const touched: DocEntry[] = []
      let seq = this.seq
      for (const entry of held) {
        if (entry == null) continue
        seq++
        b.del(seqKey(entry.seq), { sublevel: this.changes as any })
        b.put(seqKey(seq), entry.id as any, { sublevel: this.changes as any })
        const moved = { ...entry, seq }
        b.put(entry.id, moved as any, { sublevel: this.docs as any })
        touched.push(moved)
      }
      await b.write()
      this.seq = seq
      for (const e of touched) this.emit('change', e)
    })
  }

  /** Documents changed after `since`, oldest change first. */
  async changesSince (since: number, limit: number): Promise<Array<{ seq: number, id: string }>> {
    const out: Array<{ seq: number, id: string }> = []
    for await (const [key, id] of this.changes.iterator({ gt: seqKey(since), limit })) out.push({ seq: parseInt(key, 16), id })
    return out
  }

  /**
   * Rebuild the document count and drop change-log entries whose document has moved on (or is
   * gone): after a store lost records and `sync --full` brought them back. O(documents).
   */
  async recount (): Promise<{ documents: number, staleChanges: number }> {
    return await this.exclusive(async () => {
      let documents = 0
      const live = new Set<number>()
      for await (const entry of this.docs.values()) { documents++; live.add(entry.seq) }
      const stale: string[] = []
      for await (const [key] of this.changes.iterator()) if (!live.has(parseInt(key, 16))) stale.push(key)
      const b = this.db.level.batch()
      for (const key of stale) b.del(key, { sublevel: this.changes as any })
      b.put('docCount', documents, { sublevel: this.db.meta as any })
      await b.write()
      this.count = documents
      return { documents, staleChanges: stale.length }
    })
  }

  /**
   * How many documents changed after `since`: counted one by one up to `countUpTo`; past it, the
   * change-log distance `lastSeq - since`, an upper bound read at once. `status` and /metrics ask
   * this for every partner, and counting a partner's backlog of millions would take them seconds.
   */
  async changesAfterCount (since: number, countUpTo = CHANGES_COUNTED): Promise<number> {
    let n = 0
    for await (const _ of this.changes.keys({ gt: seqKey(since), limit: countUpTo })) n++
    return n < countUpTo ? n : Math.max(n, this.seq - since)
  }

  /** Current entries of the documents whose current revision names `cid`. */
  async docsForCid (cid: string): Promise<DocEntry[]> {
    const ids: string[] = []
    for await (const key of this.cidrefs.keys({ gt: `${cid}\x00`, lt: `${cid}\x01` })) ids.push(key.slice(cid.length + 1))
    const entries = await this.docs.getMany(ids)
    return entries.filter((e): e is DocEntry => e?.data?.cid === cid)
  }

  /** Is `cid` named by any revision held here, current or past? */
  async isReferenced (cid: string): Promise<boolean> {
    for await (const _ of this.cidrefs.keys({ gt: `${cid}\x00`, lt: `${cid}\x01`, limit: 1 })) return true
    return false
  }

  async list (opts: ListOptions = {}): Promise<DocEntry[]> {
    const limit = opts.limit ?? 1000
    const out: DocEntry[] = []
    const range: Record<string, string> = {}
    if (opts.namespace != null && opts.namespace !== '-') {
      range.gte = `${opts.namespace}.`
      range.lt = `${opts.namespace}/` // '/' sorts right after '.'
    }
    if (opts.after != null && (range.gte == null || opts.after >= range.gte)) {
      delete range.gte
      range.gt = opts.after
    }
    for await (const entry of this.docs.values(range)) {
      if (opts.namespace === '-' && namespaceOf(entry.id) !== '-') continue
      out.push(entry)
      if (out.length >= limit) break
    }
    return out
  }

  // --- data files to fetch -------------------------------------------------------------------

  /** Note data files to fetch (one batch for all of a received batch's offers). */
  async addWants (items: Array<{ cid: string, size: number, blocks: string, source: string, id: string }>): Promise<void> {
    if (items.length === 0) return
    await this.exclusive(async () => {
      const cids = [...new Set(items.map(i => i.cid))]
      const held = new Map(cids.map((c, i) => [c, undefined as Want | undefined]))
      const got = await this.wantsSub.getMany(cids)
      cids.forEach((c, i) => held.set(c, got[i]))
      // decided here, under the mutex, not by the caller: a file that arrived since the caller
      // looked (its want already dropped) must not be wanted again, or it would be fetched twice
      const present = new Set<string>()
      for (const cid of cids) if (!this.blobs.isDamaged(cid) && (await this.files.stat(parseCid(cid))) != null) present.add(cid)
      for (const { cid, size, blocks, source, id } of items) {
        if (present.has(cid)) continue
        const w = held.get(cid) ?? { size, blocks, sources: [], ids: [] }
        if (!w.sources.includes(source)) w.sources.push(source)
        if (!w.ids.includes(id)) w.ids.push(id)
        held.set(cid, w)
      }
      await this.wantsSub.batch([...held].filter(([key]) => !present.has(key)).map(([key, value]) => ({ type: 'put' as const, key, value: value! })))
    })
  }

  async putWant (cid: string, want: Want): Promise<void> {
    await this.wantsSub.put(cid, want)
  }

  async getWant (cid: string): Promise<Want | undefined> {
    return await this.wantsSub.get(cid)
  }

  async dropWant (cid: string): Promise<void> {
    await this.wantsSub.del(cid)
  }

  async dropWants (cids: string[]): Promise<void> {
    await this.exclusive(async () => { await this.wantsSub.batch(cids.map(key => ({ type: 'del' as const, key }))) })
  }

  async wants (): Promise<Array<[string, Want]>> {
    const out: Array<[string, Want]> = []
    for await (const kv of this.wantsSub.iterator()) out.push(kv)
    return out
  }

  // --- push cursors --------------------------------------------------------------------------

  /**
   * How far the push to a partner got, under which policy generation of its row: a cursor built
   * under another generation (the row widened, or was removed and added again, even while the node
   * was down) starts again from 0.
   */
  async pushCursor (peerId: string, policy?: number): Promise<number> {
    const v = await this.pushed.get(peerId)
    if (v == null) return 0
    if (typeof v === 'number') return v
    return policy == null || v.policy === policy ? v.seq : 0
  }

  async setPushCursor (peerId: string, seq: number, policy = 0): Promise<void> {
    await this.pushed.put(peerId, { seq, policy })
  }
}
