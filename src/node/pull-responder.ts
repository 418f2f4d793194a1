/**
 * Answering a partner's Pull (protocols/inventory.md#pull): the changes after its cursor that this
 * node's row for it says to send, filtered by the namespaces it subscribes to, in change-log
 * order, in a bounded batch. A cursor from another epoch of our store, or built under an older
 * policy generation of our row, restarts from 0. Work per request is bounded by MAX_SCAN changes,
 * so an idle pass costs one range read whatever the inventory.
 */
import type { Site } from '../site.js'
import type { Batch, Entry, Pull } from '../protocols/inventory/index.js'
import { MAX_ENTRIES, TARGET_MESSAGE_BYTES } from '../protocols/inventory/constants.js'
import { recoveryDecision, sendDecision } from '../model/sending-policy.js'
import { namespaceOf } from '../model/doc-id.js'
import { entryBytes, entryFor } from './entries.js'

/** Changes examined per Pull at most, sent or not. */
export const MAX_SCAN = 10_000
/** Documents whose entries are read at once (see answerPull). */
const READ_SLICE = 64

export async function answerPull (site: Site, from: string, pull: Pull): Promise<Batch> {
  const meta = await site.db.readMeta()
  // a store being recovered sends nothing until it is whole again (no half-restored inventory)
  const row = site.recoveringSince == null ? site.peers.get(from) : undefined
  const policy = row?.policy ?? 0
  // a cursor from another epoch, another policy generation, or past our newest change (a store
  // restored from an old backup keeps its epoch) starts again from the beginning
  const sameStore = pull.epoch === meta.epoch && Number(pull.policy) === policy && Number(pull.since) <= site.docs.lastSeq
  const since = sameStore ? Number(pull.since) : 0
  const limit = Math.min(pull.limit > 0 ? pull.limit : MAX_ENTRIES, MAX_ENTRIES)
  const entries: Entry[] = []
  let bytes = 0
  let upTo = since
  let full = false
  const subs = pull.namespaces
  if (row != null) {
    const decide = pull.recovering ? recoveryDecision : sendDecision
    scan: while (!full) {
      const changes = await site.docs.changesSince(upTo, Math.min(1000, MAX_SCAN - (upTo - since)))
      if (changes.length === 0) break
      const docs = await site.docs.getMany(changes.map(c => c.id))
      // records and metadata are read a slice at a time, concurrently within it: one LevelDB get
      // after another left this node mostly idle, and a whole scan at once could hold a thousand
      // metadata blobs (up to 4 MiB each) for a batch that fills after a few
      for (let at = 0; at < changes.length; at += READ_SLICE) {
        const built = await Promise.all(docs.slice(at, at + READ_SLICE).map(async doc =>
          doc != null && (subs.length === 0 || subs.includes(namespaceOf(doc.id))) ? await entryFor(site.docs, site.peerId, row, doc, decide) : null))
        for (const [j, entry] of built.entries()) {
          const change = changes[at + j]
          if (entry != null) {
            if (entries.length >= limit || (entries.length > 0 && bytes + entryBytes(entry) > TARGET_MESSAGE_BYTES)) {
              full = true
              break scan
            }
            entry.seq = BigInt(change.seq)
            entries.push(entry)
            bytes += entryBytes(entry)
          }
          upTo = change.seq
        }
      }
      if (changes.length < 1000 || upTo - since >= MAX_SCAN) break
    }
  }
  // nothing is owed to an unlisted requester, nor by a store being recovered: "no more", or the
  // requester would ask again and again for a batch that never comes
  const more = row != null && (await site.docs.changesSince(upTo, 1)).length > 0
  return { entries, epoch: meta.epoch, upTo: BigInt(upTo), more, policy: BigInt(policy) }
}
