/**
 * DEV DOCS — fixity audit (`quire audit`, and the node's scheduled audit).
 *
 * 1. Every data file in the blob index is re-hashed, streamed, against its CID: gone → `missing`,
 *    shorter → `truncated`, otherwise different → `hash-mismatch`. Damage is recorded in the
 *    index at once (quarantine: never served, never copied out, not `local`); a file that hashes
 *    right again (replaced by a repair) is cleared.
 * 2. Every file in the store that the index does not name is `unknown` — reported, never served as
 *    good, never deleted — unless a record names it and it hashes right (a crash between the
 *    rename and the index write): then it is adopted into the index.
 * 3. Every document's current record is verified against its home's signature and its metadata.
 * `after` resumes a walk from a checkpoint (the scheduled audit); `bytesPerSecond` throttles it.
 */
import { createHash } from 'node:crypto';
import { cidFromBytes, parseCid, rawCidFromDigest } from '../model/cids.js';
import { RecordError, verifyRevision } from '../model/record.js';
import { CID } from 'multiformats/cid';
import { BlockHasher, blockListCid } from '../model/blocks.js';
/** Read a stored file through `update`, honouring the throttle and the signal; its size. */
async function readThrough(site, cid, update, throttle, signal) {
    let size = 0;
    for await (const chunk of site.files.read(cid)) {
        signal?.throwIfAborted();
        update(chunk);
        size += chunk.byteLength;
        await throttle?.spend(chunk.byteLength);
    }
    return size;
}
/** Hash a stored file whole and block by block (to adopt it: its block list goes in the index). */
export async function hashFile(site, cid, throttle, signal) {
    const st = await site.files.stat(cid);
    const hasher = new BlockHasher(st?.size ?? 0);
    const size = await readThrough(site, cid, chunk => hasher.update(chunk), throttle, signal);
    const { digest, blocks } = hasher.finish();
    return { ok: rawCidFromDigest(digest).equals(cid), size, blockList: blocks };
}
/** Does a stored file hash to its CID? One SHA-256 pass: the audit needs no block list. */
async function matchesCid(site, cid, throttle, signal) {
    const whole = createHash('sha256');
    await readThrough(site, cid, chunk => whole.update(chunk), throttle, signal);
    return rawCidFromDigest(whole.digest()).equals(cid);
}
/** Re-hash one stored file and record the result in the blob index; null if it is good. */
export async function auditFile(site, cidText, expectedSize, throttle, signal) {
    const cid = parseCid(cidText);
    const st = await site.files.stat(cid);
    let reason = null;
    if (st == null)
        reason = 'missing';
    else if (st.size < expectedSize)
        reason = 'truncated';
    else if (st.size > expectedSize || !(await matchesCid(site, cid, throttle, signal)))
        reason = 'hash-mismatch';
    if (reason != null)
        await site.blobs.markDamaged(cidText, reason, expectedSize);
    else if (site.blobs.isDamaged(cidText))
        await site.blobs.clearDamage(cidText, expectedSize);
    return reason;
}
export async function audit(site, opts = {}) {
    const report = { startedAt: new Date().toISOString(), finishedAt: '', checked: 0, bytes: 0, records: 0, corrupt: [], unknown: [], adopted: [] };
    const throttle = opts.bytesPerSecond != null && opts.bytesPerSecond > 0 ? new Throttle(opts.bytesPerSecond) : undefined;
    const finding = async (cid, reason) => {
        const ids = (await site.docs.docsForCid(cid)).map(d => d.id);
        report.corrupt.push({ id: ids[0] ?? null, ids, cid, kind: 'data', reason });
    };
    for await (const [cid, info] of site.blobs.entries(opts.after)) {
        opts.signal?.throwIfAborted();
        const reason = await auditFile(site, cid, info.size, throttle, opts.signal);
        if (reason != null)
            await finding(cid, reason);
        report.checked++;
        report.bytes += info.size;
        opts.onProgress?.({ checked: report.checked, bytes: report.bytes });
        await opts.onCheckpoint?.(cid);
        if (opts.limit != null && report.checked >= opts.limit)
            break;
    }
    if (opts.dataOnly === true)
        return finish(report);
    for await (const name of site.files.list()) {
        if ((await site.blobs.get(name)) != null)
            continue;
        const cid = parseFileName(name);
        const hashed = cid != null && await site.docs.isReferenced(name) ? await hashFile(site, cid, throttle, opts.signal) : null;
        if (cid != null && hashed?.ok === true) {
            await site.blobs.noteStored([{ cid, size: hashed.size, blocks: blockListCid(hashed.blockList), blockList: hashed.blockList }]);
            report.adopted.push(name);
        }
        else {
            report.unknown.push(name);
        }
    }
    let after;
    while (true) {
        const page = await site.docs.list({ after, limit: 1000 });
        if (page.length === 0)
            break;
        for (const doc of page) {
            opts.signal?.throwIfAborted();
            report.records++;
            const bad = (reason) => { report.corrupt.push({ id: doc.id, ids: [doc.id], cid: null, kind: 'record', reason }); };
            const [signed, metadata] = await Promise.all([site.docs.signed(doc.id, doc.rev), site.docs.metadata(doc.meta)]);
            if (signed == null) {
                bad('record-missing');
                continue;
            }
            if (metadata == null) {
                bad('metadata-missing');
                continue;
            }
            try {
                const v = await verifyRevision(signed, metadata);
                if (v.recordCid.toString() !== doc.recordCid)
                    bad('bad-record');
            }
            catch (err) {
                if (!(err instanceof RecordError))
                    throw err;
                bad(err.reason);
            }
        }
        after = page[page.length - 1].id;
    }
    return finish(report);
}
function finish(report) {
    report.finishedAt = new Date().toISOString();
    return report;
}
function parseFileName(name) {
    try {
        return cidFromBytes(CID.parse(name).bytes);
    }
    catch {
        return null;
    }
}
/** Holds a reader to `bytesPerSecond` on average. */
export class Throttle {
    rate;
    start = performance.now();
    spent = 0;
    constructor(bytesPerSecond) {
        this.rate = bytesPerSecond;
    }
    async spend(n) {
        this.spent += n;
        const due = (this.spent / this.rate) * 1000 - (performance.now() - this.start);
        if (due > 5)
            await new Promise(resolve => setTimeout(resolve, due));
    }
}
//# sourceMappingURL=audit.js.map