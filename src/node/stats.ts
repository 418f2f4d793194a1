import type { RejectReason } from '../model/accept-policy.js'

/** What one partner sent us since this node started (shown by `status`). */
export interface PartnerCounters {
  stored: number
  duplicates: number
  /** transient failures at our end: the revision will come again */
  failed: number
  rejected: Partial<Record<RejectReason, number>>
  /** revisions we pushed that it stored */
  pushed: number
  filesReceived: number
  /** data file bytes read from this partner's streams (resumed prefixes are not read again) */
  bytesReceived: number
  /** files it served us whose bytes did not match their content ID (discarded) */
  filesRejected: number
  filesServed: number
  bytesServed: number
}

export class ReplicationStats {
  private readonly byPeer = new Map<string, PartnerCounters>()

  of (peerId: string): PartnerCounters {
    let c = this.byPeer.get(peerId)
    if (c == null) {
      c = { stored: 0, duplicates: 0, failed: 0, rejected: {}, pushed: 0, filesReceived: 0, bytesReceived: 0, filesRejected: 0, filesServed: 0, bytesServed: 0 }
      this.byPeer.set(peerId, c)
    }
    return c
  }

  reject (peerId: string, reason: RejectReason): void {
    const r = this.of(peerId).rejected
    r[reason] = (r[reason] ?? 0) + 1
  }

  snapshot (peerId: string): PartnerCounters {
    return structuredClone(this.of(peerId))
  }
}
