import { peerIdFromString } from '@libp2p/peer-id';
import { MAX_ENTRIES } from '../protocols/inventory/constants.js';
import { Outcome } from '../../protocols/inventory.js';
import { subscriptionWidened } from '../model/peer-row.js';
import { EMPTY_PULL_STATE } from '../store/cursors.js';
/** A pass never asks for more batches than this (a partner that always says "more" is broken). */
export const MAX_BATCHES_PER_PASS = 100_000;
/** The first pass after start waits this long, for connections to come up. */
export const FIRST_PASS_DELAY_MS = 2_000;
export class Puller {
    site;
    inventory;
    links;
    receiver;
    log;
    intervalMs;
    running = new Map();
    timer;
    first;
    stopped = false;
    /** we are recovering a lost store: ask partners for our own documents too */
    recovering = false;
    constructor(site, inventory, links, receiver, intervalSeconds, log) {
        this.site = site;
        this.inventory = inventory;
        this.links = links;
        this.receiver = receiver;
        this.intervalMs = Math.max(1, intervalSeconds) * 1000;
        this.log = log;
    }
    start() {
        this.first = setTimeout(() => { void this.passAll(); }, FIRST_PASS_DELAY_MS);
        this.timer = setInterval(() => { void this.passAll(); }, this.intervalMs);
    }
    stop() {
        this.stopped = true;
        this.pauseSchedule();
    }
    /** No more background passes; passes on request still run (benchmarks, tests). */
    pauseSchedule() {
        clearTimeout(this.first);
        clearInterval(this.timer);
    }
    /** A pass against every connected partner (or one), in parallel. */
    async passAll(opts = {}) {
        const rows = this.site.peers.list().filter(r => opts.peerId == null || r.peerId === opts.peerId);
        return await Promise.all(rows.filter(r => this.links.isConnected(r.peerId)).map(async (r) => await this.pass(r.peerId, opts.full === true, opts.onBatch)));
    }
    /** One pass against one partner; concurrent calls share the pass in progress. */
    async pass(peerId, full = false, onBatch) {
        const running = this.running.get(peerId);
        if (running != null && !full)
            return await running;
        if (running != null)
            await running.catch(() => { });
        const p = this.run(peerId, full, onBatch).finally(() => this.running.delete(peerId));
        this.running.set(peerId, p);
        return await p;
    }
    async run(peerId, full, onBatch) {
        const summary = { peerId, ok: false, batches: 0, received: 0, stored: 0, duplicates: 0, failed: 0, rejected: {}, upTo: 0 };
        try {
            const row = this.site.peers.require(peerId);
            let state = await this.site.cursors.pull(peerId);
            if (full || subscriptionWidened(state.namespaces, row.namespaces))
                state = { ...EMPTY_PULL_STATE, namespaces: row.namespaces };
            state.namespaces = row.namespaces;
            const peer = peerIdFromString(peerId);
            while (!this.stopped && summary.batches < MAX_BATCHES_PER_PASS) {
                const batch = await this.inventory.pull(peer, {
                    epoch: state.epoch,
                    since: BigInt(state.seq),
                    namespaces: row.namespaces,
                    limit: MAX_ENTRIES,
                    policy: BigInt(state.policy),
                    recovering: this.recovering
                });
                summary.batches++;
                summary.received += batch.entries.length;
                onBatch?.(batch.entries.length);
                const verdicts = await this.receiver.receive(peerId, batch.entries);
                const failedAt = verdicts.findIndex(v => v.outcome === Outcome.FAILED);
                for (const v of verdicts) {
                    if (v.outcome === Outcome.STORED)
                        summary.stored++;
                    else if (v.outcome === Outcome.DUPLICATE)
                        summary.duplicates++;
                    else if (v.outcome === Outcome.FAILED)
                        summary.failed++;
                    else
                        summary.rejected[v.reason] = (summary.rejected[v.reason] ?? 0) + 1;
                }
                const upTo = failedAt >= 0 ? Number(batch.entries[failedAt].seq ?? 1n) - 1 : Number(batch.upTo);
                state = { ...state, epoch: batch.epoch, policy: Number(batch.policy), seq: upTo };
                summary.upTo = upTo;
                if (failedAt >= 0) {
                    state.upToDate = false;
                    await this.site.cursors.setPull(peerId, state);
                    throw new Error(`could not store a revision from ${peerId} yet; the next pass retries from it`);
                }
                if (!batch.more) {
                    state.lastChecked = new Date().toISOString();
                    state.upToDate = true;
                    await this.site.cursors.setPull(peerId, state);
                    summary.ok = true;
                    return summary;
                }
                state.upToDate = false;
                await this.site.cursors.setPull(peerId, state);
            }
            throw new Error('pass stopped before the partner\'s newest change');
        }
        catch (err) {
            summary.error = err.message;
            this.log('pass against %s failed: %s', peerId, err.message);
            return summary;
        }
    }
}
//# sourceMappingURL=puller.js.map