export const SEND_NOTHING = Object.freeze({ meta: false, data: false });
export function sendDecision(self, row, doc) {
    if (row == null || !row.replicate)
        return SEND_NOTHING;
    if (doc.home === row.peerId)
        return SEND_NOTHING;
    if (doc.home !== self && !row.hub)
        return SEND_NOTHING;
    if (doc.receivedFrom === row.peerId)
        return SEND_NOTHING;
    return { meta: true, data: row.datareplicate };
}
/**
 * May this partner fetch a data file from us? Yes if some document naming it would be sent to
 * that partner with data, or if the partner is the home of a document naming it (a home that lost
 * its store gets its own files back, whatever our flags). Repairs have their own rule
 * (protocols/file.md#repair).
 */
export function mayServeData(self, row, docs) {
    if (row == null)
        return false;
    if (docs.some(d => d.home === row.peerId))
        return true;
    // who sent us the document does not matter here: a partner that asks for the file lacks it
    return docs.some(d => sendDecision(self, row, { home: d.home }).data);
}
/**
 * What goes back to a partner that is recovering its lost store: the documents homed at it, with
 * their data, whatever our row says; everything else under the usual rules (even if it came from
 * that partner: it lost it).
 */
export function recoveryDecision(self, row, doc) {
    if (row != null && doc.home === row.peerId)
        return { meta: true, data: true };
    return sendDecision(self, row, { home: doc.home });
}
//# sourceMappingURL=sending-policy.js.map