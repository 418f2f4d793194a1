import { FileStatus } from '../protocols/file/index.js';
import { mayServeData } from '../model/sending-policy.js';
import { createHash } from 'node:crypto';
import { blockCount, blockDigest, blockListCid, blockSize } from '../model/blocks.js';
import { RecordError, verifyRevision } from '../model/record.js';
import { hashFile } from '../store/audit.js';
/** Largest copy hashed whole before a repair is answered (~0.3 s at 1.7 GB/s). */
export const REPAIR_PRECHECK_MAX_BYTES = 512 * 1024 * 1024;
export class DamagedFileError extends Error {
    static name = 'DamagedFileError';
    constructor(cid, detail) {
        super(`stored file ${cid} is damaged: ${detail}`);
        this.name = 'DamagedFileError';
    }
}
export function fileServer(site, stats, onDamaged) {
    return {
        async open(from, cid, range, proof) {
            const key = cid.toString();
            const eligible = proof != null
                ? await repairEligible(site, from, key, proof)
                : mayServeData(site.peerId, site.peers.get(from), await site.docs.docsForCid(key));
            if (!eligible)
                return { status: FileStatus.NOT_ELIGIBLE, message: 'not eligible for this file' };
            // quarantine: a copy found damaged is never served as good
            if (site.blobs.isDamaged(key))
                return { status: FileStatus.DAMAGED, message: 'this node\'s copy is damaged' };
            const st = await site.files.stat(cid);
            if (st == null)
                return { status: FileStatus.NOT_FOUND, message: 'not stored here' };
            const info = await site.blobs.get(key);
            const size = info?.size ?? st.size;
            const quarantine = async (reason) => {
                await site.blobs.markDamaged(key, reason, size);
                onDamaged(key);
            };
            const DAMAGED = { status: FileStatus.DAMAGED, message: 'this node\'s copy is damaged' };
            if (st.size !== size) {
                await quarantine(st.size < size ? 'truncated' : 'hash-mismatch');
                return DAMAGED;
            }
            const bsize = blockSize(size);
            const end = range.length > 0 ? range.offset + range.length : size;
            if (range.offset % bsize !== 0 || end > size || (end % bsize !== 0 && end !== size) || range.offset > end) {
                return { status: FileStatus.BAD_REQUEST, message: `range ${range.offset}+${range.length} is not block-aligned within ${size} bytes (blocks of ${bsize})` };
            }
            const blockList = await blockListOf(site, cid, size);
            // a repair must not start from a bad copy: check the whole file before saying yes — where that
            // fits well within the requester's header deadline; a larger copy is checked block by block
            // as it is sent (a bad block aborts the transfer and quarantines the copy all the same)
            const precheck = proof != null && end - range.offset <= REPAIR_PRECHECK_MAX_BYTES;
            if (blockList == null || (precheck && !(await rangeIsGood(site, cid, blockList, size, range.offset, end)))) {
                await quarantine('hash-mismatch');
                return DAMAGED;
            }
            const counters = stats.of(from);
            // the size matched above: what goes wrong while sending is a hash mismatch (or a file that
            // shrank, which reads as one too)
            const damaged = async (detail) => {
                await quarantine('hash-mismatch');
                throw new DamagedFileError(key, detail);
            };
            async function* source() {
                let index = range.offset / bsize;
                let block = [];
                let inBlock = 0;
                let sent = 0;
                const blockLen = (i) => Math.min(bsize, size - i * bsize);
                for await (const chunk of site.files.read(cid, range.offset, end - range.offset)) {
                    let off = 0;
                    while (off < chunk.byteLength) {
                        const take = Math.min(blockLen(index) - inBlock, chunk.byteLength - off);
                        block.push(chunk.subarray(off, off + take));
                        inBlock += take;
                        off += take;
                        if (inBlock === blockLen(index)) {
                            const h = createHash('sha256');
                            for (const part of block)
                                h.update(part);
                            if (!h.digest().equals(blockDigest(blockList, index)))
                                await damaged(`block ${index} does not match`);
                            for (const part of block)
                                yield part;
                            sent += inBlock;
                            block = [];
                            inBlock = 0;
                            index++;
                        }
                    }
                }
                if (inBlock > 0 || range.offset + sent !== end)
                    await damaged(`only ${range.offset + sent} of ${end} bytes could be read`);
                counters.filesServed++;
                counters.bytesServed += sent;
            }
            return { status: 'ok', size, blockList, source: source() };
        }
    };
}
/** The file's block list from the index; computed from the file if missing (a file adopted by an audit). Null if the file does not match its CID. */
async function blockListOf(site, cid, size) {
    const known = await site.blobs.blockList(cid.toString());
    if (known != null && known.byteLength === blockCount(size) * 32)
        return known;
    const hashed = await hashFile(site, cid);
    if (!hashed.ok)
        return null;
    await site.blobs.noteStored([{ cid, size: hashed.size, blocks: blockListCid(hashed.blockList), blockList: hashed.blockList }]);
    return hashed.blockList;
}
/**
 * The repair rule (protocols/file.md#repair): any listed peer that presents a validly signed
 * record naming this content ID may fetch it, whatever our row's flags — the source site of a
 * one-way network must be able to repair from its mirrors.
 */
async function repairEligible(site, from, cid, proof) {
    if (!site.peers.has(from))
        return false;
    try {
        const v = await verifyRevision({ bytes: proof.record, signature: proof.signature });
        return v.revision.data?.cid.toString() === cid;
    }
    catch (err) {
        if (err instanceof RecordError)
            return false;
        throw err;
    }
}
/** Do the blocks of [offset, end) match the block list? (repairs check before they answer) */
async function rangeIsGood(site, cid, blockList, size, offset, end) {
    const bsize = blockSize(size);
    let index = offset / bsize;
    let h = createHash('sha256');
    let inBlock = 0;
    let total = 0;
    for await (const chunk of site.files.read(cid, offset, end - offset)) {
        total += chunk.byteLength;
        let off = 0;
        while (off < chunk.byteLength) {
            const len = Math.min(bsize, size - index * bsize);
            const take = Math.min(len - inBlock, chunk.byteLength - off);
            h.update(chunk.subarray(off, off + take));
            inBlock += take;
            off += take;
            if (inBlock === len) {
                if (!h.digest().equals(blockDigest(blockList, index)))
                    return false;
                h = createHash('sha256');
                inBlock = 0;
                index++;
            }
        }
    }
    return inBlock === 0 && total === end - offset;
}
//# sourceMappingURL=file-server.js.map