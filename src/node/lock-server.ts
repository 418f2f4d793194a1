/**
 * DEV DOCS — the home side of /quire/lock/1.0.0 (protocols/lock.md).
 *
 * Grants leases on documents homed here to partners whose row has `updates` on, and commits their
 * changes: the uploaded data file is verified against its CID while it arrives (the lease renews
 * while bytes move), then the home signs `baseRev + 1` under the store's mutex and replies with
 * the signed record; push replication sends it on. Local updates at the home take a lease too
 * (holder = this node), so local and remote changes are serialised.
 */
import type { Site } from '../site.js'
import type { Acquire, Commit, LockHandler, LockResponse, Release } from '../protocols/lock/index.js'
import { LockStatus } from '../protocols/lock/index.js'
import { lockResponse } from '../protocols/lock/lock.js'
import { Leases, type Lease } from '../model/leases.js'
import { cidFromBytes } from '../model/cids.js'
import { MAX_METADATA_BYTES } from '../model/record.js'
import { changeDocument, OutdatedError, type DocChange } from '../store/commit.js'
import type { DocEntry } from '../store/documents.js'
import { QuireError, UnreachableError } from '../errors.js'
import { crashPoint } from '../faults.js'

/** How often a local update retries a document a partner holds a lease on. */
export const LOCAL_RETRY_MS = 200

export class LockedError extends QuireError {
  static readonly name: string = 'LockedError'
  constructor (id: string, holder: string, until: Date) {
    super(`${id} is locked by ${holder} until ${until.toISOString()}`, 'locked', 3)
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const bytes = (h: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(h, 'hex'))

export class LockServer implements LockHandler {
  readonly leases = new Leases<LockResponse>()
  /** LOCKED answers given (remote and local requests that had to wait): a metric */
  lockedAnswers = 0
  private readonly site: Site

  constructor (site: Site) {
    this.site = site
  }

  private async homedDoc (id: string): Promise<DocEntry | LockResponse> {
    const doc = await this.site.docs.get(id)
    if (doc == null) return lockResponse(LockStatus.NOT_FOUND, { message: `no document ${id}` })
    if (doc.home !== this.site.peerId) return lockResponse(LockStatus.NOT_HOME, { message: `${id} is homed at ${doc.home}`, holder: doc.home })
    if (doc.deleted) return lockResponse(LockStatus.DELETED, { message: `${id} is deleted`, currentRev: BigInt(doc.rev) })
    return doc
  }

  async acquire (from: string, req: Acquire): Promise<LockResponse> {
    const row = this.site.peers.get(from)
    if (row == null || !row.updates) return lockResponse(LockStatus.REFUSED, { message: 'this home does not grant you locks (updates off)' })
    if (this.site.recoveringSince != null) return lockResponse(LockStatus.ERROR, { message: 'the home is recovering its store; try later' })
    const doc = await this.homedDoc(req.id)
    if (!('rev' in doc)) return doc
    const r = this.leases.acquire(req.id, from, Number(req.baseRev), doc.rev, req.ttlMs)
    switch (r.status) {
      case 'granted':
        crashPoint('lock.granted')
        return lockResponse(LockStatus.GRANTED, { token: bytes(r.lease.token), ttlMs: r.lease.ttlMs, holder: from, currentRev: BigInt(doc.rev) })
      case 'locked':
        this.lockedAnswers++
        return lockResponse(LockStatus.LOCKED, { holder: r.holder, ttlMs: r.remainingMs, currentRev: BigInt(doc.rev) })
      case 'outdated': return lockResponse(LockStatus.OUTDATED, { currentRev: BigInt(r.currentRev) })
      case 'quota': return lockResponse(LockStatus.QUOTA, { message: 'too many live leases for this peer' })
    }
  }

  /** Attempts in progress per token: a retry may overlap an attempt that is still uploading. */
  private readonly attempts = new Map<string, number>()
  /** Per token, the critical section "already committed? lease still live? commit" runs alone. */
  private readonly committing = new Map<string, Promise<unknown>>()

  async commit (from: string, req: Commit, data: AsyncIterable<Uint8Array> | null): Promise<LockResponse> {
    const token = hex(req.token)
    const done = this.leases.committedResult(token)
    if (done != null) {
      await drain(data)
      return done
    }
    const lease = this.leases.check(req.id, token, from)
    if (lease == null) {
      await drain(data)
      return lockResponse(LockStatus.BAD_TOKEN, { message: 'no live lease with this token for you (expired, broken or foreign)' })
    }
    this.attempts.set(token, (this.attempts.get(token) ?? 0) + 1)
    let res: LockResponse | undefined
    try {
      res = await this.commitUnderLease(from, req, data, lease)
      return res
    } finally {
      const left = (this.attempts.get(token) ?? 1) - 1
      if (left === 0) this.attempts.delete(token)
      else this.attempts.set(token, left)
      // released on commit, and on a refusal or failure unless another attempt is still going:
      // a failed commit never holds the document for the rest of its lease
      if (res?.status === LockStatus.COMMITTED || left === 0) this.leases.release(req.id, token)
    }
  }

  /** Run `fn` with no other commit of `token` in between. */
  private async serialised<T> (token: string, fn: () => Promise<T>): Promise<T> {
    const before = this.committing.get(token) ?? Promise.resolve()
    const run = before.then(fn, fn)
    const tail = run.catch(() => {})
    this.committing.set(token, tail)
    try {
      return await run
    } finally {
      if (this.committing.get(token) === tail) this.committing.delete(token)
    }
  }

  private async commitUnderLease (from: string, req: Commit, data: AsyncIterable<Uint8Array> | null, lease: Lease): Promise<LockResponse> {
    // the operator may have removed the partner or turned `updates` off since the lease was granted
    if (this.site.peers.get(from)?.updates !== true) {
      await drain(data)
      return lockResponse(LockStatus.REFUSED, { message: 'this home no longer grants you locks (updates off or not listed)' })
    }
    if (req.metadata != null && req.metadata.byteLength > MAX_METADATA_BYTES) {
      await drain(data)
      return lockResponse(LockStatus.BAD_REQUEST, { message: 'metadata over the limit' })
    }
    const change: DocChange = { id: req.id, baseRev: lease.baseRev, deleted: req.delete, metadata: req.metadata, requestedBy: from }
    if (req.dropData) change.data = null
    // the partner's data is stored before the commit that names it: noted, so a failed or
    // interrupted commit leaves no orphan (store/pending-files.ts)
    return await this.site.pending.track(async note => {
      if (data != null) {
        const cid = req.dataCid != null ? cidFromBytes(req.dataCid) : null
        if (cid == null) {
          await drain(data)
          return lockResponse(LockStatus.BAD_REQUEST, { message: 'data_cid is not a CIDv1 raw sha2-256' })
        }
        try {
          change.data = await this.site.files.put(data, { expect: { cid, size: Number(req.dataSize) }, beforeVisible: note, onBytes: () => this.leases.renew(lease) })
        } catch (err: any) {
          if (err?.code === 'file-mismatch') return lockResponse(LockStatus.BAD_REQUEST, { message: err.message })
          throw err
        }
      }
      return await this.serialised(lease.token, async () => {
        // an overlapping attempt with this token may have committed while this one uploaded
        const done = this.leases.committedResult(lease.token)
        if (done != null) return done
        if (this.leases.check(req.id, lease.token, from) == null) return lockResponse(LockStatus.BAD_TOKEN, { message: 'the lease expired during the upload' })
        let entry: DocEntry
        try {
          entry = await changeDocument(this.site, change)
        } catch (err) {
          if (err instanceof OutdatedError) return lockResponse(LockStatus.OUTDATED, { currentRev: BigInt(err.currentRev) })
          throw err
        }
        const [signed, metadata] = await Promise.all([this.site.docs.signed(entry.id, entry.rev), this.site.docs.metadata(entry.meta)])
        const res = lockResponse(LockStatus.COMMITTED, {
          currentRev: BigInt(entry.rev),
          record: signed!.bytes as Uint8Array<ArrayBuffer>,
          signature: signed!.signature as Uint8Array<ArrayBuffer>,
          metadata: metadata! as Uint8Array<ArrayBuffer>
        })
        this.leases.rememberCommit(lease.token, res, signed!.bytes.byteLength + signed!.signature.byteLength + metadata!.byteLength)
        return res
      })
    })
  }

  async release (from: string, req: Release): Promise<LockResponse> {
    const ok = this.leases.check(req.id, hex(req.token), from) != null && this.leases.release(req.id, hex(req.token))
    return lockResponse(ok ? LockStatus.RELEASED : LockStatus.BAD_TOKEN)
  }

  /**
   * A change made at the home: under a lease held by this node, waiting up to `waitMs` for a
   * partner's lease to end.
   */
  async local (id: string, waitMs: number, change: Omit<DocChange, 'baseRev'>): Promise<DocEntry> {
    const deadline = performance.now() + waitMs
    while (true) {
      const doc = await this.site.docs.get(id)
      if (doc == null || doc.home !== this.site.peerId || doc.deleted) return await changeDocument(this.site, change) // its own error
      const r = this.leases.acquire(id, this.site.peerId, doc.rev, doc.rev, undefined, true)
      if (r.status === 'granted') {
        try {
          return await changeDocument(this.site, { ...change, baseRev: doc.rev })
        } finally {
          this.leases.release(id, r.lease.token)
        }
      }
      if (r.status !== 'locked') throw new UnreachableError(`cannot lock ${id}: ${r.status}`, r.status)
      this.lockedAnswers++
      if (performance.now() + Math.min(LOCAL_RETRY_MS, r.remainingMs) > deadline) throw new LockedError(id, r.holder, new Date(Date.now() + r.remainingMs))
      await new Promise(resolve => setTimeout(resolve, Math.min(LOCAL_RETRY_MS, Math.max(10, r.remainingMs))))
    }
  }
}

/** Read and discard an upload we refuse, so the requester reads our answer instead of a reset. */
async function drain (data: AsyncIterable<Uint8Array> | null): Promise<void> {
  if (data == null) return
  for await (const _ of data) {}
}
