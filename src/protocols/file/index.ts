/**
 * @packageDocumentation
 * /quire/file/1.0.0: a data file by CID from an offset, streamed directly between two peers.
 * Wire only: who may have which file is the handler's business (node/replicator.ts); the
 * receiver verifies what arrives against the CID (store/files.ts).
 */
import type { ComponentLogger, PeerId } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'
import type { CID } from 'multiformats/cid'
import type { FileStatus } from '../../../protocols/file.js'
import { FileService } from './file.js'

export { PROTOCOL } from './constants.js'
export { FileStatus } from '../../../protocols/file.js'

export interface RepairProof { record: Uint8Array, signature: Uint8Array }

export type OpenResult =
  | { status: 'ok', size: number, blockList: Uint8Array, source: AsyncIterable<Uint8Array> }
  | { status: Exclude<FileStatus, FileStatus.OK>, message: string }

export interface FileRange { offset: number, length: number }

export interface FileHandler {
  /**
   * May `from` have `cid`? If so its size, block list and the bytes of the range (length 0: to the
   * end). The handler checks the range against the file's block boundaries.
   */
  open: (from: string, cid: CID, range: FileRange, proof?: RepairProof) => Promise<OpenResult>
}

export interface FileInit {
  handler: { current?: FileHandler }
  idleTimeout?: number
  onInbound?: (from: string) => void
}

export interface FileComponents {
  registrar: Registrar
  connectionManager: ConnectionManager
  logger: ComponentLogger
}

export interface Download {
  /** size of the whole file */
  size: number
  /** the block list, if asked for (not yet verified: check it against the record) */
  blockList: Uint8Array | null
  /** the bytes of the requested range; throws if the stream breaks or over-runs */
  bytes: AsyncIterable<Uint8Array>
  abort: (err: Error) => void
}

export interface FetchOptions {
  offset?: number
  /** 0 or absent: to the end */
  length?: number
  wantBlocks?: boolean
  proof?: RepairProof
  signal?: AbortSignal
  /** body bytes as they arrive from the network, before anyone consumes them */
  onReceived?: (n: number) => void
}

/** One file of a batch: its status and, if OK, its bytes (not yet verified). */
export interface BatchItem { cid: CID, status: FileStatus, message: string, bytes?: Uint8Array }

export interface FileTransfer {
  fetch: (peer: PeerId, cid: CID, opts?: FetchOptions) => Promise<Download>
  /** many small files on one stream, in order; throws if the stream breaks */
  fetchBatch: (peer: PeerId, cids: CID[], signal?: AbortSignal) => AsyncIterable<BatchItem>
  /** transfers being served now */
  serving: () => number
}

export function fileTransfer (init: FileInit): (components: FileComponents) => FileTransfer {
  return (components) => new FileService(components, init)
}
