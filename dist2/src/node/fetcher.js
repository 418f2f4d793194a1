import { peerIdFromString } from '@libp2p/peer-id';
import { FileStatus } from '../protocols/file/index.js';
import { MAX_BATCH_FILE_BYTES, MAX_BATCH_FILES, TARGET_BATCH_BYTES } from '../protocols/file/constants.js';
import { MIN_BLOCK_SIZE } from '../model/blocks.js';
import { parseCid } from '../model/cids.js';
import { RemoteRefusedError } from '../protocols/errors.js';
import { receiveFile } from './receive-file.js';
export const MAX_FETCHES = 4;
export const MAX_FETCHES_PER_PEER = 2;
export const FETCH_RETRY_MIN_MS = 1_000;
export const FETCH_RETRY_MAX_MS = 5 * 60_000;
/** Re-examine wants this often, for sources that reconnected and backoffs that ran out. */
export const FETCH_SCAN_INTERVAL_MS = 5_000;
export class Fetcher {
    site;
    files;
    links;
    stats;
    log;
    /** transfers in progress (a batch counts as one) */
    running = new Set();
    /** CIDs being fetched, in any transfer */
    busy = new Set();
    backoff = new Map();
    timer;
    /** wakes the scan when a back-off shorter than the scan interval runs out */
    retryTimer;
    scanning = false;
    rescan = false;
    stopped = false;
    constructor(site, files, links, stats, log) {
        this.site = site;
        this.files = files;
        this.links = links;
        this.stats = stats;
        this.log = log;
    }
    start() {
        this.timer = setInterval(() => { this.kick(); }, FETCH_SCAN_INTERVAL_MS);
        this.kick();
    }
    stop() {
        this.stopped = true;
        clearInterval(this.timer);
        clearTimeout(this.retryTimer);
    }
    transfers() {
        return [...this.running].map(t => ({ ...t }));
    }
    async want(files) {
        if (files.length === 0)
            return;
        await this.site.docs.addWants(files);
        for (const f of files)
            this.backoff.delete(f.cid);
        this.kick();
    }
    kick() {
        if (this.stopped)
            return;
        if (this.scanning) {
            this.rescan = true;
            return;
        }
        this.scanning = true;
        this.scan().catch(err => this.log.error('fetch scan failed: %e', err)).finally(() => {
            this.scanning = false;
            if (this.rescan) {
                this.rescan = false;
                this.kick();
            }
        });
    }
    perPeer(peer) {
        let n = 0;
        for (const t of this.running)
            if (t.peer === peer)
                n++;
        return n;
    }
    async scan() {
        const now = Date.now();
        const batches = new Map();
        const slotFree = (peer) => this.running.size < MAX_FETCHES && this.perPeer(peer) < MAX_FETCHES_PER_PEER;
        for (const [cid, want] of await this.site.docs.wants()) {
            if (this.running.size >= MAX_FETCHES)
                break;
            if (this.busy.has(cid) || (this.backoff.get(cid)?.until ?? 0) > now)
                continue;
            const source = want.sources.find(p => this.site.peers.has(p) && this.links.isConnected(p) && slotFree(p));
            if (source == null)
                continue;
            if (want.size > MAX_BATCH_FILE_BYTES) {
                this.launch(source, [[cid, want]]);
                continue;
            }
            const b = batches.get(source) ?? { job: [], bytes: 0 };
            b.job.push([cid, want]);
            b.bytes += want.size;
            batches.set(source, b);
            if (b.job.length >= MAX_BATCH_FILES || b.bytes >= TARGET_BATCH_BYTES) {
                batches.delete(source);
                this.launch(source, b.job);
            }
        }
        for (const [source, b] of batches)
            if (slotFree(source))
                this.launch(source, b.job);
    }
    launch(source, job) {
        const view = {
            cid: job.length === 1 ? job[0][0] : `${job.length} files`,
            peer: source,
            size: job.reduce((n, [, w]) => n + w.size, 0),
            done: 0,
            startedAt: Date.now(),
            files: job.length
        };
        for (const [cid] of job)
            this.busy.add(cid);
        this.running.add(view);
        const run = job.length === 1 && job[0][1].size > MAX_BATCH_FILE_BYTES ? this.fetchOne(job[0], view) : this.fetchBatch(job, view);
        run.catch(async (err) => {
            this.log('fetch of %s from %s failed: %s', view.cid, source, err.message);
            // a full disk needs the operator: say so on stderr whatever DEBUG says (battery C9)
            if (err?.code === 'disk-full' || err?.code === 'disk-reserve')
                process.stderr.write(`quire: fetch of ${view.cid} from ${source} failed: ${err.message}\n`);
            for (const [cid] of job)
                await this.failed(cid, source, err);
        }).finally(() => {
            this.running.delete(view);
            for (const [cid] of job)
                this.busy.delete(cid);
            this.kick();
        });
    }
    /** A file did not come from `source`: back off, and drop the source if it will never serve it. */
    async failed(cid, source, err) {
        if (err?.code === 'file-mismatch') {
            // bytes that are not what the signed record names: a broken or hostile partner
            this.stats.of(source).filesRejected++;
            this.log.error('ALARM: partner %s served bytes that do not match %s; not asking it for this file again', source, cid);
            await this.dropSource(cid, source);
        }
        else if (err?.name === 'RemoteRefusedError' && (err.status === FileStatus.NOT_ELIGIBLE || err.status === FileStatus.NOT_FOUND || err.status === FileStatus.DAMAGED)) {
            await this.dropSource(cid, source);
        }
        const prev = this.backoff.get(cid);
        const delay = Math.min(FETCH_RETRY_MAX_MS, prev == null ? FETCH_RETRY_MIN_MS : prev.delay * 2);
        this.backoff.set(cid, { until: Date.now() + delay, delay });
        if (delay < FETCH_SCAN_INTERVAL_MS && this.retryTimer == null) {
            this.retryTimer = setTimeout(() => { this.retryTimer = undefined; this.kick(); }, delay);
            this.retryTimer.unref();
        }
    }
    async dropSource(cid, source) {
        await this.site.docs.exclusive(async () => {
            const w = await this.site.docs.getWant(cid);
            if (w == null)
                return;
            w.sources = w.sources.filter(s => s !== source);
            if (w.sources.length === 0) {
                // no one left to ask: delta-T brings the offer again; a staged part would only linger
                await this.site.docs.dropWant(cid);
                await this.site.files.discardStaged(cid);
            }
            else {
                await this.site.docs.putWant(cid, w);
            }
        });
    }
    needed(cid) {
        return this.site.blobs.isDamaged(cid) || this.site.files.stat(parseCid(cid)).then(st => st == null);
    }
    async fetchOne([cidText, want], view) {
        if (await this.needed(cidText)) {
            const expect = { cid: parseCid(cidText), size: want.size, blocks: parseCid(want.blocks) };
            let network = 0;
            try {
                await receiveFile(this.site, this.files, peerIdFromString(view.peer), expect, {
                    onResume: offset => { view.done = offset; },
                    onBytes: n => { view.done += n; network += n; }
                });
            }
            catch (err) {
                // it got further this time: retry soon, whatever the failures before
                if (network >= MIN_BLOCK_SIZE)
                    this.backoff.delete(cidText);
                throw err;
            }
            finally {
                this.stats.of(view.peer).bytesReceived += network;
            }
            this.stats.of(view.peer).filesReceived++;
        }
        await this.arrived([[cidText, want]]);
    }
    async fetchBatch(job, view) {
        const wants = new Map(job);
        const todo = [];
        const have = [];
        for (const item of job)
            ((await this.needed(item[0])) ? todo : have).push(item);
        const staged = this.site.files.batch();
        const got = [];
        const counters = this.stats.of(view.peer);
        try {
            if (todo.length > 0) {
                for await (const item of this.files.fetchBatch(peerIdFromString(view.peer), todo.map(([cid]) => parseCid(cid)))) {
                    const cid = item.cid.toString();
                    const want = wants.get(cid);
                    if (item.status !== FileStatus.OK || item.bytes == null) {
                        await this.failed(cid, view.peer, new RemoteRefusedError(item.status, item.message));
                        continue;
                    }
                    try {
                        await staged.putBytes(item.bytes, { cid: item.cid, size: want.size, blocks: parseCid(want.blocks) });
                    }
                    catch (err) {
                        await this.failed(cid, view.peer, err);
                        continue;
                    }
                    view.done += item.bytes.byteLength;
                    counters.bytesReceived += item.bytes.byteLength;
                    got.push([cid, want]);
                }
            }
            // durable and visible together, then recorded
            await staged.commit();
        }
        catch (err) {
            staged.abort();
            throw err;
        }
        counters.filesReceived += got.length;
        await this.arrived([...have, ...got]);
    }
    /** Files are here: their wants go, and the documents naming them move up the change log. */
    async arrived(job) {
        if (job.length === 0)
            return;
        for (const [cid] of job)
            this.backoff.delete(cid);
        await this.site.docs.dropWants(job.map(([cid]) => cid));
        const ids = new Set(job.flatMap(([, w]) => w.ids));
        for (const [cid] of job)
            for (const d of await this.site.docs.docsForCid(cid))
                ids.add(d.id);
        await this.site.docs.touch([...ids]);
    }
}
//# sourceMappingURL=fetcher.js.map