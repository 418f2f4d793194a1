import { audit } from '../store/audit.js';
import { summary } from '../ops/audit.js';
/** A store never audited is first audited this long after the node starts. */
export const FIRST_AUDIT_DELAY_MS = 3600_000;
/** Files checked between two checkpoints. */
export const CHECKPOINT_EVERY = 100;
export class Auditor {
    site;
    log;
    intervalMs;
    bytesPerSecond;
    timer;
    abort = new AbortController();
    running;
    constructor(site, intervalHours, rateMBps, log) {
        this.site = site;
        this.log = log;
        this.intervalMs = intervalHours * 3600_000;
        this.bytesPerSecond = rateMBps * 1e6;
    }
    start() {
        if (!(this.intervalMs > 0))
            return;
        void this.schedule();
    }
    async stop() {
        clearTimeout(this.timer);
        this.abort.abort();
        await this.running?.catch(() => { });
    }
    async schedule() {
        const meta = this.site.db.meta;
        const last = (await meta.get('lastAudit'));
        const resuming = (await meta.get('auditCheckpoint')) != null;
        // never audited: the first audit an hour after start (or sooner with a shorter interval),
        // out of the way of the initial sync; an interrupted one continues at once
        const due = resuming ? 0 : last == null ? Math.min(this.intervalMs, FIRST_AUDIT_DELAY_MS) : Math.max(0, Date.parse(last.finishedAt) + this.intervalMs - Date.now());
        this.timer = setTimeout(() => {
            this.running = this.run().catch(err => {
                if (!this.abort.signal.aborted)
                    this.log.error('scheduled audit failed: %e', err);
            }).finally(() => { if (!this.abort.signal.aborted)
                void this.schedule(); });
        }, due);
    }
    async run() {
        const meta = this.site.db.meta;
        const after = (await meta.get('auditCheckpoint'));
        this.log('scheduled audit %s', after == null ? 'starting' : `resuming after ${after}`);
        let n = 0;
        const report = await audit(this.site, {
            bytesPerSecond: this.bytesPerSecond,
            signal: this.abort.signal,
            after,
            onCheckpoint: async (cid) => { if (++n % CHECKPOINT_EVERY === 0)
                await meta.put('auditCheckpoint', cid); }
        });
        await meta.batch([{ type: 'put', key: 'lastAudit', value: summary(report) }, { type: 'del', key: 'auditCheckpoint' }]);
        if (report.corrupt.length > 0)
            this.log.error('ALARM: scheduled audit found %d damaged items; see quire audit / quire status', report.corrupt.length);
    }
}
//# sourceMappingURL=auditor.js.map