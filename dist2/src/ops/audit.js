import { audit as runAudit } from '../store/audit.js';
import { InputError } from '../errors.js';
import { reporter } from '../progress.js';
/**
 * `quire audit`: re-hash every stored data file and verify every record. With a node running it
 * runs inside the node, which then quarantines what it found at once. Exit 1 when it finds damage.
 */
export const auditOp = {
    offline: true,
    open: { diagnose: true },
    async run(ctx, args) {
        if (args.rate != null && (typeof args.rate !== 'number' || !(args.rate > 0)))
            throw new InputError('--rate must be a positive number of MB/s', 'usage');
        let total = 0;
        for await (const [, info] of ctx.site.blobs.entries())
            total += info.size;
        const progress = reporter(ctx.onProgress, 'auditing data files', total, 'bytes');
        let seen = 0;
        const report = await runAudit(ctx.site, {
            bytesPerSecond: args.rate != null ? args.rate * 1e6 : undefined,
            onProgress: p => { progress.add(p.bytes - seen); seen = p.bytes; }
        });
        progress.end();
        await ctx.site.db.meta.put('lastAudit', summary(report));
        return report;
    }
};
export function summary(r) {
    return { finishedAt: r.finishedAt, checked: r.checked, bytes: r.bytes, records: r.records, corrupt: r.corrupt.length, unknown: r.unknown.length };
}
//# sourceMappingURL=audit.js.map