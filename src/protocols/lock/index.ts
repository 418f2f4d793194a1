/**
 * @packageDocumentation
 * /quire/lock/1.0.0: leases from a document's home, and commits under them. Wire only: the
 * home's rules live in node/lock-server.ts, the requester's in node/remote-change.ts.
 */
import type { ComponentLogger, PeerId } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'
import type { Acquire, Commit, LockResponse, Release } from '../../../protocols/lock.js'
import { LockService } from './lock.js'

export { PROTOCOL } from './constants.js'
export { LockStatus, type Acquire, type Commit, type Release, type LockResponse } from '../../../protocols/lock.js'

export interface LockHandler {
  acquire: (from: string, req: Acquire) => Promise<LockResponse>
  /** `data` is the uploaded data file when the commit announced one (exactly data_size bytes) */
  commit: (from: string, req: Commit, data: AsyncIterable<Uint8Array> | null) => Promise<LockResponse>
  release: (from: string, req: Release) => Promise<LockResponse>
}

export interface LockInit {
  handler: { current?: LockHandler }
  onInbound?: (from: string) => void
}

export interface LockComponents {
  registrar: Registrar
  connectionManager: ConnectionManager
  logger: ComponentLogger
}

export interface LockClient {
  acquire: (home: PeerId, req: Acquire, signal?: AbortSignal) => Promise<LockResponse>
  /** send a commit (and the data file's bytes, if any) and wait for the home's answer */
  commit: (home: PeerId, req: Commit, data: AsyncIterable<Uint8Array> | null, signal?: AbortSignal) => Promise<LockResponse>
  release: (home: PeerId, req: Release, signal?: AbortSignal) => Promise<LockResponse>
}

export function lockService (init: LockInit): (components: LockComponents) => LockClient {
  return (components) => new LockService(components, init)
}
