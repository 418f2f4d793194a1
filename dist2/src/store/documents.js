/**
 * DEV DOCS — the document store.
 *
 * LevelDB sublevels (all written through one atomic batch per change):
 *   docs      id → DocEntry                 current revision of each document
 *   revs      id NUL rev(hex) → RevBlob     every signed revision held (history), with where it came from
 *   metadata  meta CID → bytes              metadata, content-addressed (identical documents share it)
 *   changes   seq(hex) → id                 change log: one entry per document, at its latest change
 *   cidrefs   data CID NUL id → rev         which documents name a data file (serving rules, audit)
 *   wants     data CID → Want               data files to fetch, and who offered them
 *   pushed    peer ID → seq                 how far the push to each partner got
 *
 * Every stored change takes a new sequence number and moves the document's single entry in
 * `changes` to it, so `changesSince(n)` is the list of documents changed after n (CouchDB's
 * `_changes` shape) and reading from 0 is the whole inventory. Writes are serialised by one mutex:
 * a decision (accept? which rev next?) and its batch happen with nothing in between.
 * `local` (is the data file here?) is never stored: it is the file store's own answer, and a file
 * exists there only whole and verified, so a record can never point at a partial file as local.
 */
import { EventEmitter } from 'node:events';
import * as dagCbor from '@ipld/dag-cbor';
import { namespaceOf } from '../model/doc-id.js';
import { acceptDecision } from '../model/accept-policy.js';
import { parseCid } from '../model/cids.js';
import { crashPoint, failPoint } from '../faults.js';
const SEQ_WIDTH = 13; // hex digits: 2^52 changes
const seqKey = (seq) => seq.toString(16).padStart(SEQ_WIDTH, '0');
const revKey = (id, rev) => `${id}\x00${rev.toString(16).padStart(SEQ_WIDTH, '0')}`;
export class Documents extends EventEmitter {
    db;
    files;
    docs;
    revs;
    metadataSub;
    changes;
    cidrefs;
    wantsSub;
    pushed;
    seq = 0;
    count = 0;
    tail = Promise.resolve();
    blobs;
    constructor(db, files, blobs) {
        super();
        this.blobs = blobs;
        this.db = db;
        this.files = files;
        this.docs = db.sub('docs');
        this.revs = db.sub('revs', true);
        this.metadataSub = db.sub('metadata', true);
        this.changes = db.sub('changes');
        this.cidrefs = db.sub('cidrefs');
        this.wantsSub = db.sub('wants');
        this.pushed = db.sub('pushed');
    }
    static async open(db, files, blobs) {
        const d = new Documents(db, files, blobs);
        for await (const key of d.changes.keys({ reverse: true, limit: 1 }))
            d.seq = parseInt(key, 16);
        d.count = (await db.meta.get('docCount')) ?? 0;
        return d;
    }
    get lastSeq() { return this.seq; }
    get size() { return this.count; }
    /** Run `fn` with no other write in between. */
    async exclusive(fn) {
        const run = this.tail.then(fn, fn);
        this.tail = run.catch(() => { });
        return await run;
    }
    async get(id) {
        return await this.docs.get(id);
    }
    async getMany(ids) {
        return await this.docs.getMany(ids);
    }
    async signed(id, rev) {
        const v = await this.revs.get(revKey(id, rev));
        return v == null ? undefined : dagCbor.decode(v);
    }
    async history(id) {
        const out = [];
        for await (const v of this.revs.values({ gt: `${id}\x00`, lt: `${id}\x01` }))
            out.push(dagCbor.decode(v));
        return out;
    }
    async metadata(metaCid) {
        return await this.metadataSub.get(metaCid);
    }
    /** Is this document's data file stored here, whole, verified and not found damaged since? */
    async dataLocal(entry) {
        if (entry.data == null || this.blobs.isDamaged(entry.data.cid))
            return false;
        return (await this.files.stat(parseCid(entry.data.cid))) != null;
    }
    /**
     * Store verified revisions received from a partner, each if the accept rules allow it, in one
     * atomic batch. The decisions and the write happen under the store's mutex. A store failure
     * for one document (an injected fault, in tests) fails it alone: it gets the verdict `failed`
     * and the others are still stored.
     */
    async receive(items, ctx, from) {
        return await this.exclusive(async () => {
            const heldList = await this.docs.getMany(items.map(i => i.v.revision.id));
            const held = new Map();
            items.forEach((item, i) => { if (!held.has(item.v.revision.id))
                held.set(item.v.revision.id, heldList[i]); });
            const toWrite = [];
            const verdicts = items.map(({ v, metadata }) => {
                const r = v.revision;
                const h = held.get(r.id);
                const decision = acceptDecision({ ...ctx, held: h }, { id: r.id, rev: r.rev, home: r.home, recordCid: v.recordCid.toString() });
                if (decision.verdict !== 'store')
                    return decision;
                try {
                    failPoint('store.put', r.id);
                }
                catch (err) {
                    return { verdict: 'failed', error: err.message };
                }
                toWrite.push({ v, metadata, from, held: h });
                // a later item for the same id in this batch is judged against this one
                held.set(r.id, { ...h, id: r.id, rev: r.rev, home: r.home, recordCid: v.recordCid.toString(), seq: h?.seq ?? -1 });
                return decision;
            });
            if (toWrite.length > 0)
                await this.write(toWrite);
            return verdicts;
        });
    }
    /** Store revisions this node committed (as home), in one atomic batch. Caller holds {@link exclusive}. */
    async commitLocal(items) {
        const held = await this.docs.getMany(items.map(i => i.v.revision.id));
        return await this.write(items.map((item, i) => ({ ...item, from: null, held: held[i] })));
    }
    async write(items) {
        const at = new Date().toISOString();
        const b = this.db.level.batch();
        const entries = [];
        let seq = this.seq;
        let added = 0;
        const seqOf = new Map();
        for (const { v, metadata, from, held, requestedBy } of items) {
            const r = v.revision;
            seq++;
            const entry = {
                id: r.id,
                rev: r.rev,
                home: r.home,
                deleted: r.deleted,
                meta: r.meta.toString(),
                data: r.data == null ? null : { cid: r.data.cid.toString(), size: r.data.size, blocks: r.data.blocks.toString() },
                recordCid: v.recordCid.toString(),
                seq,
                receivedFrom: from,
                storedAt: at
            };
            b.put(entry.id, entry, { sublevel: this.docs });
            b.put(revKey(r.id, r.rev), dagCbor.encode({ bytes: v.bytes, signature: v.signature, from, at, ...(requestedBy != null ? { requestedBy } : {}) }), { sublevel: this.revs });
            b.put(entry.meta, metadata, { sublevel: this.metadataSub });
            const previousSeq = seqOf.get(r.id) ?? held?.seq;
            if (previousSeq != null && previousSeq >= 0)
                b.del(seqKey(previousSeq), { sublevel: this.changes });
            b.put(seqKey(seq), entry.id, { sublevel: this.changes });
            if (entry.data != null)
                b.put(`${entry.data.cid}\x00${entry.id}`, r.rev, { sublevel: this.cidrefs });
            if (held == null && !seqOf.has(r.id))
                added++;
            seqOf.set(r.id, seq);
            entries.push(entry);
        }
        if (added > 0)
            b.put('docCount', this.count + added, { sublevel: this.db.meta });
        // sync: an acknowledged revision must survive a power cut, not only a process crash
        await b.write({ sync: true });
        crashPoint('db.batch.written');
        this.seq = seq;
        this.count += added;
        for (const e of entries)
            this.emit('change', e);
        return entries;
    }
    /**
     * Give a document a new place in the change log without a new revision: its data file became
     * local, so partners that get data from us should hear of it again.
     */
    async touch(ids) {
        if (ids.length === 0)
            return;
        await this.exclusive(async () => {
            const held = await this.docs.getMany([...new Set(ids)]);
            const b = this.db.level.batch();
            const touched = [];
            let seq = this.seq;
            for (const entry of held) {
                if (entry == null)
                    continue;
                seq++;
                b.del(seqKey(entry.seq), { sublevel: this.changes });
                b.put(seqKey(seq), entry.id, { sublevel: this.changes });
                const moved = { ...entry, seq };
                b.put(entry.id, moved, { sublevel: this.docs });
                touched.push(moved);
            }
            await b.write();
            this.seq = seq;
            for (const e of touched)
                this.emit('change', e);
        });
    }
    /** Documents changed after `since`, oldest change first. */
    async changesSince(since, limit) {
        const out = [];
        for await (const [key, id] of this.changes.iterator({ gt: seqKey(since), limit }))
            out.push({ seq: parseInt(key, 16), id });
        return out;
    }
    /**
     * Rebuild the document count and drop change-log entries whose document has moved on (or is
     * gone): after a store lost records and `sync --full` brought them back. O(documents).
     */
    async recount() {
        return await this.exclusive(async () => {
            let documents = 0;
            const live = new Set();
            for await (const entry of this.docs.values()) {
                documents++;
                live.add(entry.seq);
            }
            const stale = [];
            for await (const [key] of this.changes.iterator())
                if (!live.has(parseInt(key, 16)))
                    stale.push(key);
            const b = this.db.level.batch();
            for (const key of stale)
                b.del(key, { sublevel: this.changes });
            b.put('docCount', documents, { sublevel: this.db.meta });
            await b.write();
            this.count = documents;
            return { documents, staleChanges: stale.length };
        });
    }
    /** How many documents changed after `since` (counted up to `cap`: the status of a huge backlog stays cheap). */
    async changesAfterCount(since, cap = 1_000_000) {
        let n = 0;
        for await (const _ of this.changes.keys({ gt: seqKey(since), limit: cap }))
            n++;
        return n;
    }
    /** Current entries of the documents whose current revision names `cid`. */
    async docsForCid(cid) {
        const ids = [];
        for await (const key of this.cidrefs.keys({ gt: `${cid}\x00`, lt: `${cid}\x01` }))
            ids.push(key.slice(cid.length + 1));
        const entries = await this.docs.getMany(ids);
        return entries.filter((e) => e?.data?.cid === cid);
    }
    /** Is `cid` named by any revision held here, current or past? */
    async isReferenced(cid) {
        for await (const _ of this.cidrefs.keys({ gt: `${cid}\x00`, lt: `${cid}\x01`, limit: 1 }))
            return true;
        return false;
    }
    async list(opts = {}) {
        const limit = opts.limit ?? 1000;
        const out = [];
        const range = {};
        if (opts.namespace != null && opts.namespace !== '-') {
            range.gte = `${opts.namespace}.`;
            range.lt = `${opts.namespace}/`; // '/' sorts right after '.'
        }
        if (opts.after != null && (range.gte == null || opts.after >= range.gte)) {
            delete range.gte;
            range.gt = opts.after;
        }
        for await (const entry of this.docs.values(range)) {
            if (opts.namespace === '-' && namespaceOf(entry.id) !== '-')
                continue;
            out.push(entry);
            if (out.length >= limit)
                break;
        }
        return out;
    }
    // --- data files to fetch -------------------------------------------------------------------
    /** Note data files to fetch (one batch for all of a received batch's offers). */
    async addWants(items) {
        if (items.length === 0)
            return;
        await this.exclusive(async () => {
            const cids = [...new Set(items.map(i => i.cid))];
            const held = new Map(cids.map((c, i) => [c, undefined]));
            const got = await this.wantsSub.getMany(cids);
            cids.forEach((c, i) => held.set(c, got[i]));
            // decided here, under the mutex, not by the caller: a file that arrived since the caller
            // looked (its want already dropped) must not be wanted again, or it would be fetched twice
            const present = new Set();
            for (const cid of cids)
                if (!this.blobs.isDamaged(cid) && (await this.files.stat(parseCid(cid))) != null)
                    present.add(cid);
            for (const { cid, size, blocks, source, id } of items) {
                if (present.has(cid))
                    continue;
                const w = held.get(cid) ?? { size, blocks, sources: [], ids: [] };
                if (!w.sources.includes(source))
                    w.sources.push(source);
                if (!w.ids.includes(id))
                    w.ids.push(id);
                held.set(cid, w);
            }
            await this.wantsSub.batch([...held].filter(([key]) => !present.has(key)).map(([key, value]) => ({ type: 'put', key, value: value })));
        });
    }
    async putWant(cid, want) {
        await this.wantsSub.put(cid, want);
    }
    async getWant(cid) {
        return await this.wantsSub.get(cid);
    }
    async dropWant(cid) {
        await this.wantsSub.del(cid);
    }
    async dropWants(cids) {
        await this.exclusive(async () => { await this.wantsSub.batch(cids.map(key => ({ type: 'del', key }))); });
    }
    async wants() {
        const out = [];
        for await (const kv of this.wantsSub.iterator())
            out.push(kv);
        return out;
    }
    // --- push cursors --------------------------------------------------------------------------
    /**
     * How far the push to a partner got, under which policy generation of its row: a cursor built
     * under another generation (the row widened, or was removed and added again, even while the node
     * was down) starts again from 0.
     */
    async pushCursor(peerId, policy) {
        const v = await this.pushed.get(peerId);
        if (v == null)
            return 0;
        if (typeof v === 'number')
            return v;
        return policy == null || v.policy === policy ? v.seq : 0;
    }
    async setPushCursor(peerId, seq, policy = 0) {
        await this.pushed.put(peerId, { seq, policy });
    }
}
//# sourceMappingURL=documents.js.map