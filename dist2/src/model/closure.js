/**
 * Where documents end up: the closure of the sending and accepting rules over a network's peer
 * tables (BRIEF "The model"). Pure; used by `quire demo` to say what should happen, and by tests
 * as the model a real network must match.
 */
import { namespaceOf } from './doc-id.js';
import { sendDecision } from './sending-policy.js';
/** For one document: what each node holds once replication has settled. */
export function closure(net, doc) {
    const held = {};
    for (const node of Object.keys(net.tables))
        held[node] = 'none';
    held[doc.home] = doc.hasData ? 'data' : 'meta';
    let changed = true;
    while (changed) {
        changed = false;
        for (const [sender, rows] of Object.entries(net.tables)) {
            if (held[sender] === 'none')
                continue;
            for (const row of rows) {
                const receiver = row.peerId;
                if (!(receiver in held))
                    continue;
                const decision = sendDecision(sender, row, { home: doc.home });
                if (!decision.meta)
                    continue;
                // the receiver accepts only from partners it lists, in namespaces it subscribes to
                const back = net.tables[receiver].find(r => r.peerId === sender);
                if (back == null)
                    continue;
                if (back.namespaces.length > 0 && !back.namespaces.includes(namespaceOf(doc.id)))
                    continue;
                const gets = decision.data && held[sender] === 'data' ? 'data' : 'meta';
                if (rank(gets) > rank(held[receiver])) {
                    held[receiver] = gets;
                    changed = true;
                }
            }
        }
    }
    return held;
}
function rank(r) {
    return r === 'data' ? 2 : r === 'meta' ? 1 : 0;
}
//# sourceMappingURL=closure.js.map