import { peerIdFromString } from '@libp2p/peer-id';
import { FileStatus } from '../protocols/file/index.js';
import { open } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { verifyRevision } from '../model/record.js';
import { blockCount, blockDigest, blockListCid, blockSize } from '../model/blocks.js';
import { receiveFile } from './receive-file.js';
import { parseCid } from '../model/cids.js';
import { parsePeerId } from '../model/peer-input.js';
import { auditFile } from '../store/audit.js';
import { InputError, NotFoundError, QuireError } from '../errors.js';
import { reporter } from '../progress.js';
export class RepairError extends QuireError {
    static name = 'RepairError';
    record;
    /** worth trying again (the connection broke, the partner was busy), unlike a bad or missing copy */
    transient;
    constructor(record, transient) {
        super(`repair of ${record.id} from ${record.from} failed: ${record.reason ?? 'unknown'}; nothing was replaced`, 'repair-failed', 1);
        this.record = record;
        this.transient = transient;
    }
}
/** A repair resumed after a restart tries this often, waiting for its partner to connect. */
export const RESUME_ATTEMPTS = 5;
export const RESUME_RETRY_MS = 2_000;
export const RESUME_CONNECT_WAIT_MS = 30_000;
export class Repairer {
    site;
    files;
    log;
    sub;
    history;
    inFlight = new Map();
    isConnected;
    constructor(site, files, isConnected, log) {
        this.site = site;
        this.files = files;
        this.isConnected = isConnected;
        this.log = log;
        this.sub = site.db.sub('repairs');
        this.history = site.db.sub('repairlog');
    }
    async list() {
        const out = [];
        for await (const v of this.sub.values())
            out.push(v);
        return out;
    }
    /** CIDs of repairs not finished (their staged parts are kept for resuming). */
    async unfinished() {
        return (await this.list()).filter(r => r.state !== 'audited' && r.state !== 'failed').map(r => r.cid);
    }
    /**
     * Continue repairs a restart interrupted: once the partner is connected again, and again after a
     * transient failure (a broken stream, a busy partner), a few times. A bad or missing partner
     * copy ends it (failed).
     */
    async resume() {
        for (const r of await this.list()) {
            if (r.state === 'audited' || r.state === 'failed')
                continue;
            this.log('resuming the repair of %s from %s (was %s)', r.id, r.from, r.state);
            void this.resumeOne(r);
        }
    }
    async resumeOne(r) {
        const sleep = async (ms) => { await new Promise(resolve => setTimeout(resolve, ms)); };
        for (let attempt = 1; attempt <= RESUME_ATTEMPTS; attempt++) {
            const deadline = Date.now() + RESUME_CONNECT_WAIT_MS;
            while (!this.isConnected(r.from) && Date.now() < deadline)
                await sleep(250);
            try {
                await this.repair(r.id, r.from);
                return;
            }
            catch (err) {
                this.log('resumed repair of %s, attempt %d: %s', r.id, attempt, err.message);
                if (!(err instanceof RepairError) || !err.transient)
                    return;
                await sleep(RESUME_RETRY_MS * attempt);
            }
        }
    }
    async repair(id, fromText, onProgress) {
        const from = parsePeerId(fromText, this.site.peerId);
        if (!this.site.peers.has(from))
            throw new InputError(`partner ${from} is not in the peer table`, 'peer-not-found');
        const doc = await this.site.docs.get(id);
        if (doc == null)
            throw new NotFoundError(`no document ${id}`);
        if (doc.data == null)
            throw new InputError(`document ${id} has no data file to repair`, 'no-data');
        const running = this.inFlight.get(doc.data.cid);
        if (running != null)
            return await running;
        const p = this.run(id, doc.data.cid, doc.data.size, doc.rev, from, onProgress).finally(() => this.inFlight.delete(doc.data.cid));
        this.inFlight.set(doc.data.cid, p);
        return await p;
    }
    async run(id, cidText, size, rev, from, onProgress) {
        const now = () => new Date().toISOString();
        const rec = { id, cid: cidText, size, from, state: 'requested', requestedAt: now(), updatedAt: now() };
        const save = async (state, reason) => {
            rec.state = state;
            rec.updatedAt = now();
            if (reason != null)
                rec.reason = reason;
            const b = this.site.db.level.batch();
            b.put(cidText, rec, { sublevel: this.sub });
            // finished repairs stay in the history (quire log); the current one is keyed by CID
            if (state === 'audited' || state === 'failed')
                b.put(`${cidText}\x00${rec.updatedAt}`, rec, { sublevel: this.history });
            await b.write();
        };
        await save('requested');
        const cid = parseCid(cidText);
        try {
            const signed = await this.site.docs.signed(id, rev);
            if (signed == null)
                throw new Error('this node lost the document\'s record; sync first');
            const record = (await verifyRevision(signed)).revision;
            if (record.data == null || !record.data.cid.equals(cid))
                throw new Error('the record does not name this file');
            const expect = { cid, size, blocks: record.data.blocks };
            const proof = { record: signed.bytes, signature: signed.signature };
            await save('staging');
            const progress = reporter(onProgress, `repairing ${id}`, size, 'bytes');
            const peer = peerIdFromString(from);
            if ((await this.repairBlocks(peer, expect, proof, n => progress.add(n))) == null) {
                await receiveFile(this.site, this.files, peer, expect, { proof, onBytes: n => progress.add(n) });
            }
            progress.end();
            await save('replaced');
            const reason = await auditFile(this.site, cidText, size);
            if (reason != null)
                throw new Error(`the replaced file failed its re-audit (${reason})`);
            await save('audited');
            this.log('repaired %s (%s) from %s', id, cidText, from);
            return rec;
        }
        catch (err) {
            const refused = err?.name === 'RemoteRefusedError';
            const noCopy = refused && (err.status === FileStatus.NOT_FOUND || err.status === FileStatus.DAMAGED);
            const badCopy = err?.code === 'file-mismatch';
            const why = noCopy
                ? `partner ${from} has no good copy (${err.status === FileStatus.DAMAGED ? 'its copy is damaged' : 'it does not hold the file'})`
                : refused ? `partner ${from} refused (${err.status})` : badCopy ? `partner ${from} has no good copy: its copy does not match the signed record (${err.message})` : `the transfer from ${from} broke: ${err.message}`;
            const transient = !noCopy && !badCopy && !(refused && err.status !== FileStatus.BUSY);
            // a staged part is worth keeping only for a retry of the same transfer
            if (!transient)
                await this.site.files.discardStaged(cid);
            await save('failed', why);
            throw new RepairError(rec, transient);
        }
    }
    /**
     * When the damaged copy is still here at its full size, rebuild it block by block: blocks that
     * still match the signed block list are taken from it, only the others are fetched (ranged
     * requests) from the partner. Null when that does not apply (the file is gone, truncated, or its
     * block list is not known here): then the whole file is fetched.
     */
    async repairBlocks(peer, expect, proof, onBytes) {
        const st = await this.site.files.stat(expect.cid);
        const list = await this.site.blobs.blockList(expect.cid.toString());
        if (st == null || st.size !== expect.size || list == null || !blockListCid(list).equals(expect.blocks))
            return null;
        const writer = await this.site.files.receive(expect, list);
        const bsize = blockSize(expect.size);
        const count = blockCount(expect.size);
        try {
            const local = await open(this.site.files.pathOf(expect.cid), 'r');
            try {
                let i = Math.floor(writer.offset / bsize);
                while (i < count) {
                    const len = Math.min(bsize, expect.size - i * bsize);
                    const buf = Buffer.alloc(len);
                    await local.read(buf, 0, len, i * bsize);
                    if (sha256(buf).equals(Buffer.from(blockDigest(list, i)))) {
                        await writer.write(buf);
                        i++;
                        continue;
                    }
                    // a run of damaged blocks: fetch just those from the partner
                    let j = i + 1;
                    while (j < count) {
                        const l2 = Math.min(bsize, expect.size - j * bsize);
                        const b2 = Buffer.alloc(l2);
                        await local.read(b2, 0, l2, j * bsize);
                        if (sha256(b2).equals(Buffer.from(blockDigest(list, j))))
                            break;
                        j++;
                    }
                    const offset = i * bsize;
                    const length = Math.min(expect.size, j * bsize) - offset;
                    const download = await this.files.fetch(peer, expect.cid, { offset, length, proof });
                    try {
                        for await (const chunk of download.bytes) {
                            await writer.write(chunk);
                            onBytes(chunk.byteLength);
                        }
                    }
                    catch (err) {
                        download.abort(err);
                        throw err;
                    }
                    i = j;
                }
            }
            finally {
                await local.close();
            }
            return await writer.finish();
        }
        catch (err) {
            await writer.close(true);
            throw err;
        }
    }
    /** Repair every data file this node should hold and does not hold whole (e.g. a wiped file store). */
    async repairAll(from, onProgress) {
        const result = { repaired: [], failed: [], alreadyGood: 0 };
        const progress = reporter(onProgress, 'checking and repairing documents', this.site.docs.size, 'documents');
        let after;
        while (true) {
            const page = await this.site.docs.list({ after, limit: 500 });
            if (page.length === 0)
                break;
            for (const doc of page) {
                progress.add(1);
                if (doc.data == null || doc.deleted)
                    continue;
                const known = await this.site.blobs.get(doc.data.cid);
                // only files this node held (or damaged): metadata-only documents were never meant to be here
                if (known == null)
                    continue;
                if (await this.site.docs.dataLocal(doc) && known.damaged == null) {
                    if ((await auditFile(this.site, doc.data.cid, doc.data.size)) == null) {
                        result.alreadyGood++;
                        continue;
                    }
                }
                try {
                    result.repaired.push(await this.repair(doc.id, from));
                }
                catch (err) {
                    if (err instanceof RepairError)
                        result.failed.push(err.record);
                    else
                        throw err;
                }
            }
            after = page[page.length - 1].id;
        }
        progress.end();
        return result;
    }
}
function sha256(bytes) {
    return createHash('sha256').update(bytes).digest();
}
//# sourceMappingURL=repairer.js.map