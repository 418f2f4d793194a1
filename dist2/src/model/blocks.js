/**
 * Block lists (protocols/record.md#blocks): a data file is cut into blocks of
 * {@link blockSize}(size) bytes (the last one shorter); its block list is the concatenation of
 * their SHA-256 digests, and the signed record names that list by its CID (CIDv1 raw sha2-256).
 * A receiver that holds the record can therefore verify every block it receives — a resumed or
 * ranged transfer, a block-by-block repair — against hashes its home signed, not against what the
 * sender claims. The whole-file CID stays the authority on the complete file.
 */
import { createHash } from 'node:crypto';
import { rawCidFromDigest, rawCidOf } from './cids.js';
export const MIN_BLOCK_SIZE = 1024 * 1024;
/** Block lists stay at most this many entries (2 MiB) whatever the file size: blocks grow instead. */
export const MAX_BLOCKS = 65536;
export const DIGEST_BYTES = 32;
/** The block size for a file of `size` bytes: 1 MiB, doubled until the list fits MAX_BLOCKS. */
export function blockSize(size) {
    let b = MIN_BLOCK_SIZE;
    while (Math.ceil(size / b) > MAX_BLOCKS)
        b *= 2;
    return b;
}
export function blockCount(size) {
    return Math.ceil(size / blockSize(size));
}
/** The digest of block `i` in a block list. */
export function blockDigest(list, i) {
    return list.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES);
}
export function blockListCid(list) {
    return rawCidOf(list);
}
/**
 * Hashes a file's bytes as they stream by: the whole-file SHA-256 and every block's. Feed it
 * chunks of any size with `update`, then `finish` for the whole digest and the block list.
 */
export class BlockHasher {
    whole;
    block;
    inBlock = 0;
    bsize;
    digests = [];
    /** `size` must be the file's final size: it fixes the block size. */
    constructor(size, whole = createHash('sha256')) {
        this.bsize = blockSize(size);
        this.whole = whole;
        this.block = createHash('sha256');
    }
    update(chunk) {
        this.whole.update(chunk);
        let off = 0;
        while (off < chunk.byteLength) {
            const take = Math.min(this.bsize - this.inBlock, chunk.byteLength - off);
            this.block.update(chunk.subarray(off, off + take));
            this.inBlock += take;
            off += take;
            if (this.inBlock === this.bsize)
                this.endBlock();
        }
    }
    endBlock() {
        this.digests.push(this.block.digest());
        this.block = createHash('sha256');
        this.inBlock = 0;
    }
    finish() {
        if (this.inBlock > 0)
            this.endBlock();
        return { digest: this.whole.digest(), blocks: Buffer.concat(this.digests) };
    }
}
/** The record's reference to bytes held in memory (small files, tests). */
export function dataRefOf(bytes) {
    const h = new BlockHasher(bytes.byteLength);
    h.update(bytes);
    const { digest, blocks } = h.finish();
    return { cid: rawCidFromDigest(digest), size: bytes.byteLength, blocks: blockListCid(blocks) };
}
//# sourceMappingURL=blocks.js.map