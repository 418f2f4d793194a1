import type { Operation } from './context.js'
import { parseDocId } from '../model/doc-id.js'
import { RecordError, verifyRevision } from '../model/record.js'
import { NotFoundError } from '../errors.js'
import type { RepairRecord } from '../node/repairer.js'

export type LogEvent =
  | { kind: 'revision', rev: number, at: string, committedAt: string, committedBy: string, from: string | null, requestedBy?: string, deleted: boolean, data: { cid: string, size: number } | null, verified: boolean }
  | { kind: 'repair', at: string, cid: string, from: string, state: string, reason?: string }
  | { kind: 'damage', at: string, cid: string, reason: string }

/**
 * `quire log DOC_ID`: the document's history on this node — every revision held, who committed it
 * (the home signs every revision), when it arrived and from which partner (null: committed here),
 * and the repairs and damage findings of its data files — oldest first.
 */
export const log: Operation<{ id: string }, { id: string, events: LogEvent[] }> = {
  offline: true,
  async run (ctx, args) {
    const id = parseDocId(args.id)
    const history = await ctx.site.docs.history(id)
    if (history.length === 0) throw new NotFoundError(`no document ${id}`)
    // revisions come in revision order (history keys); repairs and damage findings only have times
    const revisions: LogEvent[] = []
    const others: LogEvent[] = []
    const cids = new Set<string>()
    for (const h of history) {
      let verified = true
      let r
      try {
        r = (await verifyRevision(h)).revision
      } catch (err) {
        if (!(err instanceof RecordError)) throw err
        verified = false
      }
      if (r == null) continue
      const data = r.data == null ? null : { cid: r.data.cid.toString(), size: r.data.size }
      if (data != null) cids.add(data.cid)
      revisions.push({ kind: 'revision', rev: r.rev, at: h.at, committedAt: r.time, committedBy: r.home, from: h.from, ...(h.requestedBy != null ? { requestedBy: h.requestedBy } : {}), deleted: r.deleted, data, verified })
    }
    const current = ctx.site.db.sub<RepairRecord>('repairs')
    const finished = ctx.site.db.sub<RepairRecord>('repairlog')
    for (const cid of cids) {
      const reps: RepairRecord[] = []
      for await (const r of finished.values({ gt: `${cid}\x00`, lt: `${cid}\x01` })) reps.push(r)
      const now = await current.get(cid)
      // the one in progress, if it is not already in the history
      if (now != null && !reps.some(r => r.updatedAt === now.updatedAt)) reps.push(now)
      for (const rep of reps) others.push({ kind: 'repair', at: rep.updatedAt, cid, from: rep.from, state: rep.state, ...(rep.reason != null ? { reason: rep.reason } : {}) })
      for (const d of await ctx.site.blobs.damageHistory(cid)) others.push({ kind: 'damage', at: d.at, cid, reason: d.reason })
    }
    return { id, events: inOrder(revisions, others) }
  }
}

/**
 * Revisions in revision order, whatever the clocks said when they were stored (a wall clock that
 * steps back must not reorder a document's history: battery N6); repairs and damage findings,
 * which only have times, merged in by time.
 */
function inOrder (revisions: LogEvent[], others: LogEvent[]): LogEvent[] {
  others.sort((a, b) => a.at.localeCompare(b.at))
  const out: LogEvent[] = []
  let i = 0
  let j = 0
  while (i < revisions.length || j < others.length) {
    if (j < others.length && (i >= revisions.length || others[j].at < revisions[i].at)) out.push(others[j++])
    else out.push(revisions[i++])
  }
  return out
}
