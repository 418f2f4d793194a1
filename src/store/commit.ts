/**
 * Committing revisions as a document's home: the only place this node signs records.
 * Data files are streamed into the file store before the commit (they can be large and must not
 * hold the store's mutex); the record is signed and stored under the mutex, so that the next
 * revision number is decided with nothing in between.
 */
import type { PrivateKey } from '@libp2p/interface'
import type { BlobRef } from './file-store.js'
import type { DocEntry, Documents } from './documents.js'
import { signRevision, MAX_METADATA_BYTES, type VerifiedRevision } from '../model/record.js'
import { rawCidOf, parseCid } from '../model/cids.js'
import { InputError, NotFoundError, QuireError } from '../errors.js'
import { crashPoint } from '../faults.js'

export interface Committer {
  docs: Documents
  key: PrivateKey
  peerId: string
  /** non-null while the store is being recovered: committing then could fork our own documents */
  recoveringSince: string | null
}

export class RecoveringError extends QuireError {
  static readonly name: string = 'RecoveringError'
  constructor (since: string) {
    super(`this node is recovering its store (since ${since}): it commits nothing as home until its own documents are back`, 'recovering', 3)
  }
}

function assertNotRecovering (c: Committer): void {
  if (c.recoveringSince != null) throw new RecoveringError(c.recoveringSince)
}

export interface NewDoc {
  id: string
  metadata: Uint8Array
  data: BlobRef | null
}

export interface DocChange {
  id: string
  /** new metadata; undefined keeps the current */
  metadata?: Uint8Array
  /** new data file; undefined keeps the current, null removes it */
  data?: BlobRef | null
  /** true: a tombstone */
  deleted?: boolean
  /** the revision the change was made against (a lease's); another current revision refuses it */
  baseRev?: number
  /** the partner that asked for it through the lock (recorded in the history) */
  requestedBy?: string
}

export class OutdatedError extends QuireError {
  static readonly name: string = 'OutdatedError'
  readonly currentRev: number
  constructor (id: string, currentRev: number, baseRev: number) {
    super(`document ${id} is at rev ${currentRev}, not ${baseRev}: sync and retry`, 'outdated', 3)
    this.currentRev = currentRev
  }
}

export const EMPTY_METADATA = new Uint8Array(0)

export class HomedElsewhereError extends QuireError {
  static readonly name: string = 'HomedElsewhereError'
  constructor (id: string, home: string) {
    super(`document ${id} is homed at ${home}: only its home can change it (through the home's lock)`, 'homed-elsewhere', 3)
  }
}

export function checkMetadataSize (byteLength: number): void {
  if (byteLength > MAX_METADATA_BYTES) throw new InputError(`metadata is ${byteLength} bytes; the limit is ${MAX_METADATA_BYTES}`, 'metadata-too-large')
}

async function sign (c: Committer, id: string, rev: number, metadata: Uint8Array, data: BlobRef | null, deleted: boolean): Promise<VerifiedRevision> {
  return await signRevision({ id, rev, home: c.peerId, meta: rawCidOf(metadata), data, deleted, time: new Date().toISOString() }, c.key)
}

/**
 * Insert new documents (rev 1, homed here) in one batch. Returns, per input, the stored entry or
 * the error that refused it (an id that exists); nothing is stored for a refused one.
 */
export async function insertDocuments (c: Committer, items: NewDoc[]): Promise<Array<DocEntry | QuireError>> {
  assertNotRecovering(c)
  return await c.docs.exclusive(async () => {
    const held = await c.docs.getMany(items.map(i => i.id))
    const seen = new Set<string>()
    const results: Array<DocEntry | QuireError> = []
    const accepted: Array<{ index: number, v: VerifiedRevision, metadata: Uint8Array }> = []
    for (const [index, item] of items.entries()) {
      const h = held[index]
      if (h != null || seen.has(item.id)) {
        results.push(new InputError(`document ${item.id} already exists${h != null ? ` (rev ${h.rev}, home ${h.home})` : ' earlier in this batch'}; use "quire update"`, 'exists'))
        continue
      }
      seen.add(item.id)
      results.push(undefined as unknown as DocEntry)
      accepted.push({ index, v: await sign(c, item.id, 1, item.metadata, item.data, false), metadata: item.metadata })
    }
    const stored = await c.docs.commitLocal(accepted.map(({ v, metadata }) => ({ v, metadata })))
    accepted.forEach(({ index }, i) => { results[index] = stored[i] })
    return results
  })
}

/** A new revision of a document homed here: an update, or a tombstone. */
export async function changeDocument (c: Committer, change: DocChange): Promise<DocEntry> {
  assertNotRecovering(c)
  return await c.docs.exclusive(async () => {
    const held = await c.docs.get(change.id)
    if (held == null) throw new NotFoundError(`no document ${change.id}`)
    if (held.home !== c.peerId) throw new HomedElsewhereError(change.id, held.home)
    if (held.deleted) throw new InputError(`document ${change.id} is deleted (rev ${held.rev})`, 'deleted')
    if (change.baseRev != null && change.baseRev !== held.rev) throw new OutdatedError(change.id, held.rev, change.baseRev)
    const deleted = change.deleted === true
    let metadata: Uint8Array
    let data: BlobRef | null
    if (deleted) {
      metadata = EMPTY_METADATA
      data = null
    } else {
      metadata = change.metadata ?? (await c.docs.metadata(held.meta)) ?? EMPTY_METADATA
      data = change.data !== undefined ? change.data : (held.data == null ? null : { cid: parseCid(held.data.cid), size: held.data.size, blocks: parseCid(held.data.blocks) })
    }
    const v = await sign(c, change.id, held.rev + 1, metadata, data, deleted)
    crashPoint('rev.signed')
    const [entry] = await c.docs.commitLocal([{ v, metadata, requestedBy: change.requestedBy }])
    return entry
  })
}
