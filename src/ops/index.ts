import type { Operation } from './context.js'
import { id } from './id.js'
import { peerAdd, peerLs, peerRm, peerSet } from './peer.js'
import { status } from './status.js'
import { get, ls, put, rm, update } from './docs.js'
import { putBatch } from './put-batch.js'
import { sync } from './sync.js'
import { lockBreak, lockLs } from './locks.js'
import { auditOp } from './audit.js'
import { repair } from './repair.js'
import { log } from './log.js'
import { migrate } from './migrate.js'

/** Every operation by the name the CLI and the local API use. */
export const OPERATIONS: Record<string, Operation> = {
  id,
  'peer.add': peerAdd,
  'peer.set': peerSet,
  'peer.rm': peerRm,
  'peer.ls': peerLs,
  status,
  put,
  'put.batch': putBatch,
  update,
  rm,
  get,
  ls,
  sync,
  'lock.ls': lockLs,
  'lock.break': lockBreak,
  audit: auditOp,
  repair,
  log,
  migrate
}
