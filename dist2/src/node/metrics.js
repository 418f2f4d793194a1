/**
 * Prometheus metrics of a running node (README "Metrics"), served by the local API at /metrics
 * with the same bearer-token rule as every other route. Values are read from the node's own state
 * when scraped, so there is no second bookkeeping to drift: counters mirror the per-partner
 * counters `status` shows (since the node started).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
export function nodeMetrics(node) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'quire_process_' });
    const site = node.site;
    const partners = () => site.peers.list().map(r => r.peerId);
    /** a counter whose value is read from the node at scrape time */
    const mirrored = (name, help, labelNames, read) => {
        // eslint-disable-next-line no-new
        new Counter({
            name, help, labelNames, registers: [registry],
            async collect() {
                this.reset();
                await read((labels, v) => this.inc(labels, v));
            }
        });
    };
    const gauge = (name, help, labelNames, read) => {
        // eslint-disable-next-line no-new
        new Gauge({
            name, help, labelNames, registers: [registry],
            async collect() {
                this.reset();
                await read((labels, v) => this.set(labels, v));
            }
        });
    };
    gauge('quire_documents', 'documents held (current revisions)', [], set => set({}, site.docs.size));
    gauge('quire_change_log_seq', 'newest position in this node\'s change log', [], set => set({}, site.docs.lastSeq));
    gauge('quire_data_files_wanted', 'data files offered by partners and not yet fetched', [], async (set) => set({}, (await site.docs.wants()).length));
    gauge('quire_data_files_damaged', 'stored data files quarantined as damaged', [], set => set({}, site.blobs.damagedCount));
    gauge('quire_transfers_in_progress', 'data file transfers being received', [], set => set({}, node.fetcher.transfers().length));
    gauge('quire_files_serving', 'data file transfers being served', [], set => set({}, node.services.file.serving()));
    gauge('quire_lock_leases', 'live leases granted as home', [], set => set({}, node.lockServer.leases.list().length));
    gauge('quire_partner_connected', '1 if the partner is connected', ['peer'], set => { for (const p of partners())
        set({ peer: p }, node.links.isConnected(p) ? 1 : 0); });
    gauge('quire_partner_push_lag', 'change-log entries after the push cursor for the partner', ['peer'], async (set) => {
        for (const r of site.peers.list())
            if (r.replicate)
                set({ peer: r.peerId }, await site.docs.changesAfterCount(await site.docs.pushCursor(r.peerId, r.policy)));
    });
    gauge('quire_partner_last_checked_timestamp_seconds', 'end of the last complete delta-T pass with the partner', ['peer'], async (set) => {
        for (const p of partners()) {
            const s = await site.cursors.pull(p);
            if (s.lastChecked != null)
                set({ peer: p }, Date.parse(s.lastChecked) / 1000);
        }
    });
    gauge('quire_partner_up_to_date', '1 if at the last pass the partner had nothing newer for us', ['peer'], async (set) => {
        for (const p of partners())
            set({ peer: p }, (await site.cursors.pull(p)).upToDate ? 1 : 0);
    });
    mirrored('quire_revisions_received_total', 'revisions received from a partner, by outcome', ['peer', 'outcome'], set => {
        for (const p of partners()) {
            const c = node.stats.of(p);
            set({ peer: p, outcome: 'stored' }, c.stored);
            set({ peer: p, outcome: 'duplicate' }, c.duplicates);
            set({ peer: p, outcome: 'failed' }, c.failed);
        }
    });
    mirrored('quire_rejections_total', 'revisions refused, by partner and reason', ['peer', 'reason'], set => {
        for (const p of partners())
            for (const [reason, n] of Object.entries(node.stats.of(p).rejected))
                set({ peer: p, reason }, n ?? 0);
    });
    mirrored('quire_revisions_pushed_total', 'revisions a partner stored from our pushes', ['peer'], set => { for (const p of partners())
        set({ peer: p }, node.stats.of(p).pushed); });
    mirrored('quire_files_received_total', 'data files received', ['peer'], set => { for (const p of partners())
        set({ peer: p }, node.stats.of(p).filesReceived); });
    mirrored('quire_bytes_received_total', 'data file bytes received', ['peer'], set => { for (const p of partners())
        set({ peer: p }, node.stats.of(p).bytesReceived); });
    mirrored('quire_files_rejected_total', 'data files a partner served with bytes not matching their CID', ['peer'], set => { for (const p of partners())
        set({ peer: p }, node.stats.of(p).filesRejected); });
    mirrored('quire_files_served_total', 'data files served', ['peer'], set => { for (const p of partners())
        set({ peer: p }, node.stats.of(p).filesServed); });
    mirrored('quire_bytes_served_total', 'data file bytes served', ['peer'], set => { for (const p of partners())
        set({ peer: p }, node.stats.of(p).bytesServed); });
    mirrored('quire_lock_waits_total', 'lock requests answered LOCKED (a partner or a local update had to wait)', [], set => set({}, node.lockServer.lockedAnswers));
    mirrored('quire_gate_denied_total', 'connections refused at the gate (unlisted peers)', ['direction'], set => {
        set({ direction: 'inbound' }, node.gate.deniedInbound);
        set({ direction: 'outbound' }, node.gate.deniedOutbound);
    });
    gauge('quire_audit_last_corrupt', 'damaged items the last audit found', [], async (set) => {
        const last = (await site.db.meta.get('lastAudit'));
        if (last != null)
            set({}, last.corrupt);
    });
    gauge('quire_audit_last_timestamp_seconds', 'when the last audit finished', [], async (set) => {
        const last = (await site.db.meta.get('lastAudit'));
        if (last != null)
            set({}, Date.parse(last.finishedAt) / 1000);
    });
    return registry;
}
//# sourceMappingURL=metrics.js.map