export function newPeerRow(peerId) {
    return { peerId, addrs: [], replicate: false, datareplicate: false, hub: false, updates: true, namespaces: [], policy: 0 };
}
/** Did the row start sending something it did not before? */
export function widened(before, after) {
    return ['replicate', 'datareplicate', 'hub'].some(f => after[f] && !before[f]);
}
/** Does `after` subscribe to something `before` did not? (empty = all namespaces) */
export function subscriptionWidened(before, after) {
    if (after.length === 0)
        return before.length > 0;
    return before.length > 0 && after.some(ns => !before.includes(ns));
}
/** Flags that are set but mean nothing, as Metacat documents: `datareplicate`/`hub` need `replicate`. */
export function flagsWithoutEffect(row) {
    if (row.replicate)
        return [];
    return ['datareplicate', 'hub'].filter(f => row[f]);
}
export function isAcceptOnly(row) {
    return row.addrs.length === 0;
}
//# sourceMappingURL=peer-row.js.map