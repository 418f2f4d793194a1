import { LockStatus } from '../protocols/lock/index.js';
import { lockResponse } from '../protocols/lock/lock.js';
import { Leases } from '../model/leases.js';
import { cidFromBytes } from '../model/cids.js';
import { MAX_METADATA_BYTES } from '../model/record.js';
import { changeDocument, OutdatedError } from '../store/commit.js';
import { QuireError, UnreachableError } from '../errors.js';
import { crashPoint } from '../faults.js';
/** How often a local update retries a document a partner holds a lease on. */
export const LOCAL_RETRY_MS = 200;
export class LockedError extends QuireError {
    static name = 'LockedError';
    constructor(id, holder, until) {
        super(`${id} is locked by ${holder} until ${until.toISOString()}`, 'locked', 3);
    }
}
const hex = (b) => Buffer.from(b).toString('hex');
const bytes = (h) => new Uint8Array(Buffer.from(h, 'hex'));
export class LockServer {
    leases = new Leases();
    /** LOCKED answers given (remote and local requests that had to wait): a metric */
    lockedAnswers = 0;
    site;
    constructor(site) {
        this.site = site;
    }
    async homedDoc(id) {
        const doc = await this.site.docs.get(id);
        if (doc == null)
            return lockResponse(LockStatus.NOT_FOUND, { message: `no document ${id}` });
        if (doc.home !== this.site.peerId)
            return lockResponse(LockStatus.NOT_HOME, { message: `${id} is homed at ${doc.home}`, holder: doc.home });
        if (doc.deleted)
            return lockResponse(LockStatus.DELETED, { message: `${id} is deleted`, currentRev: BigInt(doc.rev) });
        return doc;
    }
    async acquire(from, req) {
        const row = this.site.peers.get(from);
        if (row == null || !row.updates)
            return lockResponse(LockStatus.REFUSED, { message: 'this home does not grant you locks (updates off)' });
        if (this.site.recoveringSince != null)
            return lockResponse(LockStatus.ERROR, { message: 'the home is recovering its store; try later' });
        const doc = await this.homedDoc(req.id);
        if (!('rev' in doc))
            return doc;
        const r = this.leases.acquire(req.id, from, Number(req.baseRev), doc.rev, req.ttlMs);
        switch (r.status) {
            case 'granted':
                crashPoint('lock.granted');
                return lockResponse(LockStatus.GRANTED, { token: bytes(r.lease.token), ttlMs: r.lease.ttlMs, holder: from, currentRev: BigInt(doc.rev) });
            case 'locked':
                this.lockedAnswers++;
                return lockResponse(LockStatus.LOCKED, { holder: r.holder, ttlMs: r.remainingMs, currentRev: BigInt(doc.rev) });
            case 'outdated': return lockResponse(LockStatus.OUTDATED, { currentRev: BigInt(r.currentRev) });
            case 'quota': return lockResponse(LockStatus.QUOTA, { message: 'too many live leases for this peer' });
        }
    }
    /** Attempts in progress per token: a retry may overlap an attempt that is still uploading. */
    attempts = new Map();
    /** Per token, the critical section "already committed? lease still live? commit" runs alone. */
    committing = new Map();
    async commit(from, req, data) {
        const token = hex(req.token);
        const done = this.leases.committedResult(token);
        if (done != null) {
            await drain(data);
            return done;
        }
        const lease = this.leases.check(req.id, token, from);
        if (lease == null) {
            await drain(data);
            return lockResponse(LockStatus.BAD_TOKEN, { message: 'no live lease with this token for you (expired, broken or foreign)' });
        }
        this.attempts.set(token, (this.attempts.get(token) ?? 0) + 1);
        let res;
        try {
            res = await this.commitUnderLease(from, req, data, lease);
            return res;
        }
        finally {
            const left = (this.attempts.get(token) ?? 1) - 1;
            if (left === 0)
                this.attempts.delete(token);
            else
                this.attempts.set(token, left);
            // released on commit, and on a refusal or failure unless another attempt is still going:
            // a failed commit never holds the document for the rest of its lease
            if (res?.status === LockStatus.COMMITTED || left === 0)
                this.leases.release(req.id, token);
        }
    }
    /** Run `fn` with no other commit of `token` in between. */
    async serialised(token, fn) {
        const before = this.committing.get(token) ?? Promise.resolve();
        const run = before.then(fn, fn);
        const tail = run.catch(() => { });
        this.committing.set(token, tail);
        try {
            return await run;
        }
        finally {
            if (this.committing.get(token) === tail)
                this.committing.delete(token);
        }
    }
    async commitUnderLease(from, req, data, lease) {
        // the operator may have removed the partner or turned `updates` off since the lease was granted
        if (this.site.peers.get(from)?.updates !== true) {
            await drain(data);
            return lockResponse(LockStatus.REFUSED, { message: 'this home no longer grants you locks (updates off or not listed)' });
        }
        if (req.metadata != null && req.metadata.byteLength > MAX_METADATA_BYTES) {
            await drain(data);
            return lockResponse(LockStatus.BAD_REQUEST, { message: 'metadata over the limit' });
        }
        const change = { id: req.id, baseRev: lease.baseRev, deleted: req.delete, metadata: req.metadata, requestedBy: from };
        if (req.dropData)
            change.data = null;
        if (data != null) {
            const cid = req.dataCid != null ? cidFromBytes(req.dataCid) : null;
            if (cid == null) {
                await drain(data);
                return lockResponse(LockStatus.BAD_REQUEST, { message: 'data_cid is not a CIDv1 raw sha2-256' });
            }
            try {
                change.data = await this.site.files.put(data, { expect: { cid, size: Number(req.dataSize) }, onBytes: () => this.leases.renew(lease) });
            }
            catch (err) {
                if (err?.code === 'file-mismatch')
                    return lockResponse(LockStatus.BAD_REQUEST, { message: err.message });
                throw err;
            }
        }
        return await this.serialised(lease.token, async () => {
            // an overlapping attempt with this token may have committed while this one uploaded
            const done = this.leases.committedResult(lease.token);
            if (done != null)
                return done;
            if (this.leases.check(req.id, lease.token, from) == null)
                return lockResponse(LockStatus.BAD_TOKEN, { message: 'the lease expired during the upload' });
            let entry;
            try {
                entry = await changeDocument(this.site, change);
            }
            catch (err) {
                if (err instanceof OutdatedError)
                    return lockResponse(LockStatus.OUTDATED, { currentRev: BigInt(err.currentRev) });
                throw err;
            }
            const [signed, metadata] = await Promise.all([this.site.docs.signed(entry.id, entry.rev), this.site.docs.metadata(entry.meta)]);
            const res = lockResponse(LockStatus.COMMITTED, {
                currentRev: BigInt(entry.rev),
                record: signed.bytes,
                signature: signed.signature,
                metadata: metadata
            });
            this.leases.rememberCommit(lease.token, res);
            return res;
        });
    }
    async release(from, req) {
        const ok = this.leases.check(req.id, hex(req.token), from) != null && this.leases.release(req.id, hex(req.token));
        return lockResponse(ok ? LockStatus.RELEASED : LockStatus.BAD_TOKEN);
    }
    /**
     * A change made at the home: under a lease held by this node, waiting up to `waitMs` for a
     * partner's lease to end.
     */
    async local(id, waitMs, change) {
        const deadline = performance.now() + waitMs;
        while (true) {
            const doc = await this.site.docs.get(id);
            if (doc == null || doc.home !== this.site.peerId || doc.deleted)
                return await changeDocument(this.site, change); // its own error
            const r = this.leases.acquire(id, this.site.peerId, doc.rev, doc.rev, undefined, true);
            if (r.status === 'granted') {
                try {
                    return await changeDocument(this.site, { ...change, baseRev: doc.rev });
                }
                finally {
                    this.leases.release(id, r.lease.token);
                }
            }
            if (r.status !== 'locked')
                throw new UnreachableError(`cannot lock ${id}: ${r.status}`, r.status);
            this.lockedAnswers++;
            if (performance.now() + Math.min(LOCAL_RETRY_MS, r.remainingMs) > deadline)
                throw new LockedError(id, r.holder, new Date(Date.now() + r.remainingMs));
            await new Promise(resolve => setTimeout(resolve, Math.min(LOCAL_RETRY_MS, Math.max(10, r.remainingMs))));
        }
    }
}
/** Read and discard an upload we refuse, so the requester reads our answer instead of a reset. */
async function drain(data) {
    if (data == null)
        return;
    for await (const _ of data) { }
}
//# sourceMappingURL=lock-server.js.map