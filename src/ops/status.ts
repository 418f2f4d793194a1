import type { Operation } from './context.js'

export interface StatusResult {
  peerId: string
  running: boolean
  startedAt: string | null
  addrs: string[]
  partners: Array<{ peerId: string, connected: boolean, lastChecked: string | null, acceptOnly: boolean }>
  counts: { peers: number, connected: number }
  /** connections refused at the gate since start */
  gate: { deniedInbound: number, deniedOutbound: number } | null
}

export const status: Operation<Record<string, never>, StatusResult> = {
  offline: true,
  async run (ctx) {
    const { site, node } = ctx
    const partners = site.peers.list().map(row => ({
      peerId: row.peerId,
      connected: node?.links.isConnected(row.peerId) ?? false,
      lastChecked: row.lastChecked,
      acceptOnly: row.addrs.length === 0
    }))
    return {
      peerId: site.peerId,
      running: node != null,
      startedAt: node?.startedAt.toISOString() ?? null,
      addrs: node?.addrs() ?? [],
      partners,
      counts: { peers: partners.length, connected: partners.filter(p => p.connected).length },
      gate: node != null ? { ...node.gate } : null
    }
  }
}
