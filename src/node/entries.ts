import type { Entry } from '../protocols/inventory/index.js'
import type { DocEntry, Documents } from '../store/documents.js'
import { sendDecision } from '../model/sending-policy.js'
import type { PeerRow } from '../model/peer-row.js'

/**
 * The wire entry for a document's current revision as this node would send it to `row`'s
 * partner, or null if the sending rules say nothing goes. Data is offered only when the rules allow
 * it and the file is here (a hub that never received the data offers none).
 */
export async function entryFor (docs: Documents, self: string, row: PeerRow, doc: DocEntry, decide: typeof sendDecision = sendDecision): Promise<Entry | null> {
  const decision = decide(self, row, doc)
  if (!decision.meta) return null
  const [signed, metadata] = await Promise.all([docs.signed(doc.id, doc.rev), docs.metadata(doc.meta)])
  if (signed == null || metadata == null) return null
  const dataOffered = decision.data && doc.data != null && await docs.dataLocal(doc)
  return { record: signed.bytes as Uint8Array<ArrayBuffer>, signature: signed.signature as Uint8Array<ArrayBuffer>, metadata: metadata as Uint8Array<ArrayBuffer>, dataOffered }
}

export function entryBytes (e: Entry): number {
  return e.record.byteLength + e.signature.byteLength + e.metadata.byteLength + 8
}
