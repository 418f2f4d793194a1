import { createHash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import * as Digest from 'multiformats/hashes/digest';
import { InputError } from '../errors.js';
/**
 * Content IDs used by Quire: CIDv1, raw codec, sha2-256 — for data files and metadata bytes alike.
 * Hashing is done with node:crypto so that it can be fed chunk by chunk (files never whole in memory).
 */
export function rawCidFromDigest(digest) {
    return CID.createV1(raw.code, Digest.create(sha256.code, digest));
}
export function rawCidOf(bytes) {
    return rawCidFromDigest(createHash('sha256').update(bytes).digest());
}
/** Is this a CIDv1 raw sha2-256 (the only kind Quire stores)? */
export function isQuireCid(cid) {
    return cid.version === 1 && cid.code === raw.code && cid.multihash.code === sha256.code && cid.multihash.digest.length === 32;
}
/** Parse a CID from operator or wire input. */
export function parseCid(text) {
    let cid;
    try {
        cid = CID.parse(text);
    }
    catch (err) {
        throw new InputError(`invalid content ID "${text}": ${err.message}`, 'invalid-cid');
    }
    if (!isQuireCid(cid))
        throw new InputError(`content ID "${text}" is not CIDv1 raw sha2-256`, 'invalid-cid');
    return cid;
}
export function cidFromBytes(bytes) {
    try {
        const cid = CID.decode(bytes);
        return isQuireCid(cid) ? cid : null;
    }
    catch {
        return null;
    }
}
//# sourceMappingURL=cids.js.map