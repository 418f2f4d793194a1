import { MAX_ENTRIES, TARGET_MESSAGE_BYTES } from '../protocols/inventory/constants.js';
import { recoveryDecision, sendDecision } from '../model/sending-policy.js';
import { namespaceOf } from '../model/doc-id.js';
import { entryBytes, entryFor } from './entries.js';
/** Changes examined per Pull at most, sent or not. */
export const MAX_SCAN = 10_000;
export async function answerPull(site, from, pull) {
    const meta = await site.db.readMeta();
    // a store being recovered sends nothing until it is whole again (no half-restored inventory)
    const row = site.recoveringSince == null ? site.peers.get(from) : undefined;
    const policy = row?.policy ?? 0;
    // a cursor from another epoch, another policy generation, or past our newest change (a store
    // restored from an old backup keeps its epoch) starts again from the beginning
    const sameStore = pull.epoch === meta.epoch && Number(pull.policy) === policy && Number(pull.since) <= site.docs.lastSeq;
    const since = sameStore ? Number(pull.since) : 0;
    const limit = Math.min(pull.limit > 0 ? pull.limit : MAX_ENTRIES, MAX_ENTRIES);
    const entries = [];
    let bytes = 0;
    let upTo = since;
    let full = false;
    const subs = pull.namespaces;
    if (row != null) {
        scan: while (!full) {
            const changes = await site.docs.changesSince(upTo, Math.min(1000, MAX_SCAN - (upTo - since)));
            if (changes.length === 0)
                break;
            const docs = await site.docs.getMany(changes.map(c => c.id));
            const decide = pull.recovering ? recoveryDecision : sendDecision;
            // the records and metadata of a whole scan are read at once, not one get after another: each
            // read is a trip to LevelDB's threads, and a thousand in a row left this node mostly idle
            const built = await Promise.all(docs.map(async (doc) => doc != null && (subs.length === 0 || subs.includes(namespaceOf(doc.id))) ? await entryFor(site.docs, site.peerId, row, doc, decide) : null));
            for (const [i, change] of changes.entries()) {
                const entry = built[i];
                if (entry != null) {
                    if (entries.length >= limit || (entries.length > 0 && bytes + entryBytes(entry) > TARGET_MESSAGE_BYTES)) {
                        full = true;
                        break scan;
                    }
                    entry.seq = BigInt(change.seq);
                    entries.push(entry);
                    bytes += entryBytes(entry);
                }
                upTo = change.seq;
            }
            if (changes.length < 1000 || upTo - since >= MAX_SCAN)
                break;
        }
    }
    // nothing is owed to an unlisted requester, nor by a store being recovered: "no more", or the
    // requester would ask again and again for a batch that never comes
    const more = row != null && (await site.docs.changesSince(upTo, 1)).length > 0;
    return { entries, epoch: meta.epoch, upTo: BigInt(upTo), more, policy: BigInt(policy) };
}
//# sourceMappingURL=pull-responder.js.map