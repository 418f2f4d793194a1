import { peerIdFromString } from '@libp2p/peer-id';
import { MAX_ENTRIES, TARGET_MESSAGE_BYTES } from '../protocols/inventory/constants.js';
import { Outcome } from '../../protocols/inventory.js';
import { entryBytes, entryFor } from './entries.js';
export const PUSH_RETRY_MIN_MS = 1_000;
export const PUSH_RETRY_MAX_MS = 60_000;
export class Pusher {
    site;
    inventory;
    links;
    stats;
    log;
    workers = new Map();
    stopped = false;
    onDocChange = () => { this.kickAll(); };
    onRowChange = (peerId, row) => { this.rowChanged(peerId, row); };
    constructor(site, inventory, links, stats, log) {
        this.site = site;
        this.inventory = inventory;
        this.links = links;
        this.stats = stats;
        this.log = log;
    }
    start() {
        this.site.docs.on('change', this.onDocChange);
        this.site.peers.on('change', this.onRowChange);
        this.kickAll();
    }
    stop() {
        this.stopped = true;
        this.site.docs.off('change', this.onDocChange);
        this.site.peers.off('change', this.onRowChange);
        for (const w of this.workers.values())
            clearTimeout(w.timer);
    }
    kickAll() {
        for (const row of this.site.peers.list())
            if (row.replicate)
                this.kick(row.peerId);
    }
    /** Make sure the partner's worker runs (again) soon. */
    kick(peerId) {
        if (this.stopped)
            return;
        let w = this.workers.get(peerId);
        if (w == null) {
            w = { running: false, again: false, retryDelay: PUSH_RETRY_MIN_MS };
            this.workers.set(peerId, w);
        }
        if (w.running) {
            w.again = true;
            return;
        }
        clearTimeout(w.timer);
        w.timer = undefined;
        w.running = true;
        const worker = w;
        this.run(peerId).then(() => {
            worker.retryDelay = PUSH_RETRY_MIN_MS;
        }, err => {
            this.log('push to %s failed, retry in %d ms: %s', peerId, worker.retryDelay, err.message);
            worker.timer = setTimeout(() => this.kick(peerId), worker.retryDelay);
            worker.retryDelay = Math.min(PUSH_RETRY_MAX_MS, worker.retryDelay * 2);
        }).finally(() => {
            worker.running = false;
            if (worker.again && worker.timer == null) {
                worker.again = false;
                this.kick(peerId);
            }
        });
    }
    rowChanged(peerId, row) {
        // a widened or re-added row has a new policy generation: its push cursor starts again by itself
        if (row == null)
            this.workers.delete(peerId);
        else
            this.kick(peerId);
    }
    /** Push everything owed to the partner, batch by batch, while it stays connected. */
    async run(peerId) {
        const docs = this.site.docs;
        while (!this.stopped) {
            const row = this.site.peers.get(peerId);
            if (row == null || !row.replicate || !this.links.isConnected(peerId))
                return;
            const cursor = await docs.pushCursor(peerId, row.policy);
            const changes = await docs.changesSince(cursor, MAX_ENTRIES);
            if (changes.length === 0)
                return;
            const entries = [];
            const seqs = [];
            let bytes = 0;
            let considered = cursor;
            const current = await docs.getMany(changes.map(c => c.id));
            for (const [i, change] of changes.entries()) {
                const doc = current[i];
                const entry = doc == null ? null : await entryFor(docs, this.site.peerId, row, doc);
                if (entry != null) {
                    if (entries.length > 0 && bytes + entryBytes(entry) > TARGET_MESSAGE_BYTES)
                        break;
                    entries.push(entry);
                    seqs.push(change.seq);
                    bytes += entryBytes(entry);
                }
                considered = change.seq;
            }
            let next = considered;
            if (entries.length > 0) {
                const verdicts = await this.inventory.push(peerIdFromString(peerId), entries);
                const failedAt = verdicts.findIndex(v => v.outcome === Outcome.FAILED);
                this.stats.of(peerId).pushed += verdicts.filter(v => v.outcome === Outcome.STORED).length;
                if (failedAt >= 0) {
                    next = failedAt === 0 ? cursor : seqs[failedAt - 1];
                    await docs.setPushCursor(peerId, next, row.policy);
                    throw new Error(`partner could not store ${failedAt === 0 ? 'the first entry' : `entry ${failedAt}`} yet`);
                }
            }
            await docs.setPushCursor(peerId, next, row.policy);
        }
    }
}
//# sourceMappingURL=pusher.js.map