import { sendDecision } from '../model/sending-policy.js';
/**
 * The wire entry for a document's current revision as this node would send it to `row`'s
 * partner, or null if the sending rules say nothing goes. Data is offered only when the rules allow
 * it and the file is here (a hub that never received the data offers none).
 */
export async function entryFor(docs, self, row, doc, decide = sendDecision) {
    const decision = decide(self, row, doc);
    if (!decision.meta)
        return null;
    const [signed, metadata] = await Promise.all([docs.signed(doc.id, doc.rev), docs.metadata(doc.meta)]);
    if (signed == null || metadata == null)
        return null;
    const dataOffered = decision.data && doc.data != null && await docs.dataLocal(doc);
    return { record: signed.bytes, signature: signed.signature, metadata: metadata, dataOffered };
}
export function entryBytes(e) {
    return e.record.byteLength + e.signature.byteLength + e.metadata.byteLength + 8;
}
//# sourceMappingURL=entries.js.map