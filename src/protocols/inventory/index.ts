/**
 * @packageDocumentation
 * /quire/inventory/1.0.0: revisions announced (push) and changes asked for (pull). Wire only: what
 * to do with a Push or a Pull is the handler's business (node/replicator.ts).
 */
import type { ComponentLogger, PeerId } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'
import type { Batch, Entry, Pull, Verdict } from '../../../protocols/inventory.js'
import { InventoryService } from './inventory.js'

export { PROTOCOL } from './constants.js'
export type { Batch, Entry, Pull, Verdict } from '../../../protocols/inventory.js'

export interface InventoryHandler {
  /** entries pushed by `from`: one verdict each, in order */
  onPush: (from: string, entries: Entry[]) => Promise<Verdict[]>
  /** a pull by `from` */
  onPull: (from: string, pull: Pull) => Promise<Batch>
}

export interface InventoryInit {
  /** who decides; set before the node starts */
  handler: { current?: InventoryHandler }
  timeout?: number
  /** counts every inbound stream handled (the failure tests read it) */
  onInbound?: (from: string) => void
}

export interface InventoryComponents {
  registrar: Registrar
  connectionManager: ConnectionManager
  logger: ComponentLogger
}

export interface Inventory {
  push: (peer: PeerId, entries: Entry[], signal?: AbortSignal) => Promise<Verdict[]>
  pull: (peer: PeerId, pull: Pull, signal?: AbortSignal) => Promise<Batch>
}

export function inventory (init: InventoryInit): (components: InventoryComponents) => Inventory {
  return (components) => new InventoryService(components, init)
}
