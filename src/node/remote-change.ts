/**
 * DEV DOCS — changing a document homed on another node (the requester's side of
 * /quire/lock/1.0.0). Locks never travel through hubs: this node must list the home with an
 * address and talks to it directly.
 *   1. Acquire a lease at our revision of the document. LOCKED: retry until `waitMs` runs out.
 *      OUTDATED: fail at once (sync first). Unreachable home: fail within the dial timeout.
 *   2. Commit under the lease, streaming the new data file (already verified into our own file
 *      store) to the home, which verifies it again, signs the new revision and replies with it.
 *   3. Store the signed revision from the reply, so `get` here shows it when the command returns.
 * A commit whose reply is lost is sent again once with the same token (the home answers a
 * repeated token with the first result, never a second revision); if that fails too, the outcome
 * is unknown (exit 4).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { QuireNode } from './quire-node.js'
import { LockStatus, type Commit, type LockResponse } from '../protocols/lock/index.js'
import type { BlobRef } from '../store/file-store.js'
import { DEFAULT_LEASE_MS } from '../model/leases.js'
import { Outcome } from '../../protocols/inventory.js'
import { InputError, NotFoundError, OutcomeUnknownError, QuireError, UnreachableError } from '../errors.js'
import { LockedError } from './lock-server.js'
import { crashPoint } from '../faults.js'

export interface RemoteChange {
  id: string
  metadata?: Uint8Array
  /** the new data file, already in our file store */
  data?: BlobRef
  deleted?: boolean
  /** how long to keep retrying while another holder has the lease */
  waitMs: number
}

const LOCKED_RETRY_MS = 250

export async function changeAtHome (node: QuireNode, change: RemoteChange): Promise<{ id: string, rev: number }> {
  const site = node.site
  const held = await site.docs.get(change.id)
  if (held == null) throw new NotFoundError(`no document ${change.id}`)
  const home = held.home
  const row = site.peers.get(home)
  if (row == null || row.addrs.length === 0) {
    throw new InputError(`${change.id} is homed at ${home}; to change it this node must list its home with an address (quire peer add ${home} --addr …)`, 'home-not-listed')
  }
  const homeId = peerIdFromString(home)
  const lock = node.services.lock
  const call = async (what: string, fn: () => Promise<LockResponse>): Promise<LockResponse> => {
    try {
      return await fn()
    } catch (err: any) {
      throw new UnreachableError(`home ${home} unreachable: ${what}: ${err.message}`, 'home-unreachable')
    }
  }

  // 1. the lease
  const deadline = performance.now() + change.waitMs
  let lease: LockResponse
  while (true) {
    lease = await call('lock', async () => await lock.acquire(homeId, { id: change.id, baseRev: BigInt(held.rev), ttlMs: DEFAULT_LEASE_MS }))
    if (lease.status === LockStatus.GRANTED) {
      crashPoint('lock.acquired') // failure tests: the requester dies holding a lease
      break
    }
    if (lease.status === LockStatus.LOCKED) {
      if (performance.now() + LOCKED_RETRY_MS > deadline) throw new LockedError(change.id, lease.holder, new Date(Date.now() + lease.ttlMs))
      await new Promise(resolve => setTimeout(resolve, LOCKED_RETRY_MS))
      continue
    }
    throw refusal(lease, change.id, home, held.rev)
  }

  // 2. the commit
  const commit: Commit = {
    id: change.id,
    token: lease.token,
    metadata: change.metadata as Uint8Array<ArrayBuffer> | undefined,
    dataSize: BigInt(change.data?.size ?? 0),
    dropData: false,
    delete: change.deleted === true,
    ...(change.data != null ? { dataCid: change.data.cid.bytes } : {})
  }
  const send = async (): Promise<LockResponse> => await lock.commit(homeId, commit, change.data != null ? site.files.read(change.data.cid) : null)
  let res: LockResponse
  try {
    res = await send()
  } catch {
    try {
      res = await send() // same token: the home cannot commit it twice
    } catch (err: any) {
      throw new OutcomeUnknownError(`outcome unknown: the home ${home} did not answer the commit (${err.message}); check with "quire get ${change.id}" after sync`)
    }
  }
  if (res.status !== LockStatus.COMMITTED) throw refusal(res, change.id, home, held.rev)

  // 3. the new revision, stored here as any revision from the home
  const [verdict] = await node.receiver.receive(home, [{ record: res.record, signature: res.signature, metadata: res.metadata, dataOffered: false }])
  // `older`: a still newer revision from the home got here first; ours was committed all the same
  const kept = verdict.outcome === Outcome.STORED || verdict.outcome === Outcome.DUPLICATE || (verdict.outcome === Outcome.REJECTED && verdict.reason === 'older')
  if (!kept) {
    throw new QuireError(`the home committed rev ${res.currentRev} but this node could not store it (${verdict.reason || verdict.outcome}); it arrives by sync`, 'store-after-commit', 1)
  }
  return { id: change.id, rev: Number(res.currentRev) }
}

function refusal (res: LockResponse, id: string, home: string, ourRev: number): QuireError {
  switch (res.status) {
    case LockStatus.OUTDATED: return new QuireError(`home has rev ${res.currentRev}, this node has rev ${ourRev}: sync and retry`, 'outdated', 3)
    case LockStatus.REFUSED: return new UnreachableError(`home ${home} refused: it does not grant this node locks (its row for us has updates off)`, 'lock-refused')
    case LockStatus.NOT_HOME: return new UnreachableError(`${home} says it is not the home of ${id}`, 'not-home')
    case LockStatus.NOT_FOUND: return new UnreachableError(`home ${home} has no document ${id}`, 'not-found-at-home')
    case LockStatus.DELETED: return new UnreachableError(`${id} is deleted at its home (rev ${res.currentRev}): sync`, 'deleted')
    case LockStatus.QUOTA: return new UnreachableError(`home ${home} refused: too many live leases from this node`, 'lock-quota')
    case LockStatus.BAD_TOKEN: return new UnreachableError(`home ${home} refused the commit: ${res.message} (nothing changed; retry)`, 'lease-lost')
    default: return new UnreachableError(`home ${home} refused: ${res.status} ${res.message}`, 'lock-refused')
  }
}
