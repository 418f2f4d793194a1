import type { Operation } from './context.js'
import type { PartnerCounters } from '../node/stats.js'
import type { TransferView } from '../node/fetcher.js'
import type { AuditSummary } from './audit.js'
import type { RepairRecord } from '../node/repairer.js'
import type { Site } from '../site.js'

export interface PartnerStatus {
  peerId: string
  connected: boolean
  lastChecked: string | null
  /** at lastChecked, the partner had nothing newer for us */
  upToDate: boolean
  acceptOnly: boolean
  /** our change-log position the push to this partner has reached (compare with `lastSeq`); null if we send it nothing */
  pushCursor: number | null
  /** documents changed after that position: what the partner may still be owed (an upper bound: some may not be eligible for it; past 10,000 the change-log distance, which also counts superseded changes) */
  pushLag: number | null
  /** what this partner sent us and we sent it, since the node started */
  counters: PartnerCounters | null
}

export interface StatusResult {
  peerId: string
  running: boolean
  startedAt: string | null
  /** set while the store is being rebuilt from partners (`serve --recover`) */
  recoveringSince: string | null
  addrs: string[]
  /** where the data files live: the home's files/ directory, or s3://bucket/prefix at an endpoint */
  fileStore: string
  partners: PartnerStatus[]
  counts: { peers: number, connected: number, documents: number, wantedFiles: number }
  /** the newest position in this node's change log */
  lastSeq: number
  transfers: TransferView[]
  /** repairs, newest first (at most 100): state requested → staging → replaced → audited, or failed */
  repairs: RepairRecord[]
  /** the last audit's result, and how many stored files are quarantined as damaged now */
  audit: { last: AuditSummary | null, damagedNow: number }
  /** connections refused at the gate since start */
  gate: { deniedInbound: number, deniedOutbound: number } | null
  /**
   * what the gate let in, since start: inbound Quire protocol streams by remote peer (only listed
   * peers can appear); how many peers the libp2p peer store holds (listed peers and ourselves: a
   * stranger refused at the gate must not make it grow); raw connections refused because their
   * host had too many handshakes open (gater.ts MAX_PENDING_INBOUND_PER_HOST)
   */
  admission: { inboundStreams: Record<string, number>, knownPeers: number, deniedPending: number } | null
}

export const status: Operation<Record<string, never>, StatusResult> = {
  offline: true,
  async run (ctx) {
    const { site, node } = ctx
    const docs = site.docs
    const partners = await Promise.all(site.peers.list().map(async row => {
      const pull = await site.cursors.pull(row.peerId)
      const pushCursor = row.replicate ? await docs.pushCursor(row.peerId, row.policy) : null
      return {
        peerId: row.peerId,
        connected: node?.links.isConnected(row.peerId) ?? false,
        lastChecked: pull.lastChecked,
        upToDate: pull.upToDate,
        acceptOnly: row.addrs.length === 0,
        pushCursor,
        pushLag: pushCursor == null ? null : await docs.changesAfterCount(pushCursor),
        counters: node?.stats.snapshot(row.peerId) ?? null
      }
    }))
    return {
      peerId: site.peerId,
      running: node != null,
      startedAt: node?.startedAt.toISOString() ?? null,
      recoveringSince: site.recoveringSince,
      addrs: node?.addrs() ?? [],
      fileStore: site.files.where,
      partners,
      counts: {
        peers: partners.length,
        connected: partners.filter(p => p.connected).length,
        documents: docs.size,
        wantedFiles: (await docs.wants()).length
      },
      lastSeq: docs.lastSeq,
      transfers: node?.fetcher.transfers() ?? [],
      repairs: await recentRepairs(site),
      audit: { last: ((await site.db.meta.get('lastAudit')) as AuditSummary | undefined) ?? null, damagedNow: site.blobs.damagedCount },
      gate: node != null ? { deniedInbound: node.gate.deniedInbound, deniedOutbound: node.gate.deniedOutbound } : null,
      admission: node != null ? { inboundStreams: Object.fromEntries(node.inboundCalls), knownPeers: (await node.host.peerStore.all()).length, deniedPending: node.gate.deniedPending ?? 0 } : null
    }
  }
}

async function recentRepairs (site: Site): Promise<RepairRecord[]> {
  const all: RepairRecord[] = []
  for await (const r of site.db.sub<RepairRecord>('repairs').values()) all.push(r)
  return all.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, 100)
}
