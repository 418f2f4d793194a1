import { Outcome } from '../../protocols/inventory.js';
import { RecordError, verifyRevision } from '../model/record.js';
/** Reasons that mean a partner (or one it relays) sent something it should not have. */
const ALARMS = new Set(['fork', 'home-mismatch', 'bad-signature', 'bad-record', 'meta-mismatch']);
export class Receiver {
    site;
    stats;
    log;
    hooks;
    recovering = false;
    constructor(site, stats, hooks, log) {
        this.site = site;
        this.stats = stats;
        this.hooks = hooks;
        this.log = log;
    }
    async receive(from, entries) {
        const verdicts = new Array(entries.length);
        const verified = [];
        const counters = this.stats.of(from);
        const reject = (index, reason, detail) => {
            verdicts[index] = { outcome: Outcome.REJECTED, reason };
            this.stats.reject(from, reason);
            if (ALARMS.has(reason))
                this.log.error('ALARM: rejected a revision from %s: %s (%s)', from, reason, detail);
        };
        if (!this.site.peers.has(from)) {
            // the gate admits listed peers only; a row removed a moment ago can still have a stream open
            entries.forEach((_, index) => reject(index, 'not-listed', 'sender not in the peer table'));
            return verdicts;
        }
        for (const [index, entry] of entries.entries()) {
            try {
                verified.push({ index, v: await verifyRevision({ bytes: entry.record, signature: entry.signature }, entry.metadata), entry });
            }
            catch (err) {
                if (!(err instanceof RecordError))
                    throw err;
                reject(index, err.reason, err.message);
            }
        }
        const decisions = await this.site.docs.receive(verified.map(({ v, entry }) => ({ v, metadata: entry.metadata })), { self: this.site.peerId, fromRow: this.site.peers.get(from), recovering: this.recovering }, from);
        const wanted = [];
        for (const [i, d] of decisions.entries()) {
            const { index, v, entry } = verified[i];
            const r = v.revision;
            switch (d.verdict) {
                case 'store':
                    verdicts[index] = { outcome: Outcome.STORED, reason: '' };
                    counters.stored++;
                    break;
                case 'duplicate':
                    verdicts[index] = { outcome: Outcome.DUPLICATE, reason: '' };
                    counters.duplicates++;
                    break;
                case 'failed':
                    verdicts[index] = { outcome: Outcome.FAILED, reason: '' };
                    counters.failed++;
                    this.log('storing %s rev %d failed: %s', r.id, r.rev, d.error);
                    break;
                case 'reject':
                    reject(index, d.reason, `${r.id} rev ${r.rev} home ${r.home}`);
                    break;
            }
            if ((d.verdict === 'store' || d.verdict === 'duplicate') && entry.dataOffered && r.data != null && !r.deleted) {
                if (this.site.blobs.isDamaged(r.data.cid.toString()) || (await this.site.files.stat(r.data.cid)) == null) {
                    wanted.push({ cid: r.data.cid.toString(), size: r.data.size, blocks: r.data.blocks.toString(), source: from, id: r.id });
                }
            }
        }
        await this.hooks.wantData(wanted);
        return verdicts;
    }
}
//# sourceMappingURL=receiver.js.map