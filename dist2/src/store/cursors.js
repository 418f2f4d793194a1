import { crashPoint } from '../faults.js';
export const EMPTY_PULL_STATE = Object.freeze({ epoch: '', seq: 0, policy: 0, namespaces: [], lastChecked: null, upToDate: false });
export class Cursors {
    pulls;
    constructor(db) {
        this.pulls = db.sub('pullcursors');
    }
    async pull(peerId) {
        return (await this.pulls.get(peerId)) ?? { ...EMPTY_PULL_STATE, namespaces: [] };
    }
    async setPull(peerId, state) {
        await this.pulls.put(peerId, state);
        crashPoint('cursor.advanced');
    }
    async dropPull(peerId) {
        await this.pulls.del(peerId);
    }
}
//# sourceMappingURL=cursors.js.map