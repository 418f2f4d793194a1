/**
 * A row of the peer table (Metacat's `xml_replication`): one per partner this node trusts.
 * The flags govern only what this node *sends* to that partner and whether it grants it locks;
 * what this node accepts is decided by the accept policy.
 */
export interface PeerRow {
  peerId: string
  /** dialable TCP multiaddrs without `/p2p/`; none = accept-only, never dialled */
  addrs: string[]
  /** send metadata documents to this partner */
  replicate: boolean
  /** also send data files (needs `replicate`) */
  datareplicate: boolean
  /** also forward documents homed elsewhere (needs `replicate`) */
  hub: boolean
  /** as a document's home, grant this partner locks */
  updates: boolean
  /** the partner's namespaces this node subscribes to; empty = all */
  namespaces: string[]
  /**
   * generation of this row's sending policy: goes up whenever the row widens (replicate,
   * datareplicate or hub turned on), so the partner's pull cursor restarts and older documents
   * that became eligible reach it (protocols/inventory.md#pull)
   */
  policy: number
}

export type PeerFlags = Pick<PeerRow, 'replicate' | 'datareplicate' | 'hub' | 'updates'>

export function newPeerRow (peerId: string): PeerRow {
  return { peerId, addrs: [], replicate: false, datareplicate: false, hub: false, updates: true, namespaces: [], policy: 0 }
}

/** Did the row start sending something it did not before? */
export function widened (before: PeerRow, after: PeerRow): boolean {
  return (['replicate', 'datareplicate', 'hub'] as const).some(f => after[f] && !before[f])
}

/** Does `after` subscribe to something `before` did not? (empty = all namespaces) */
export function subscriptionWidened (before: string[], after: string[]): boolean {
  if (after.length === 0) return before.length > 0
  return before.length > 0 && after.some(ns => !before.includes(ns))
}

/** Flags that are set but mean nothing, as Metacat documents: `datareplicate`/`hub` need `replicate`. */
export function flagsWithoutEffect (row: PeerRow): string[] {
  if (row.replicate) return []
  return (['datareplicate', 'hub'] as const).filter(f => row[f])
}

export function isAcceptOnly (row: PeerRow): boolean {
  return row.addrs.length === 0
}
