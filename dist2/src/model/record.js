/**
 * Signed revisions (protocols/record.md).
 *
 * A revision is a canonical DAG-CBOR map of
 *   { v: 1, id, rev, home, meta: CID, data: { cid: CID, size, blocks: CID } | null, deleted, time }
 * signed with the home node's Ed25519 key over `RECORD_SIGNING_PREFIX || bytes`. The home's peer ID
 * embeds its public key, so any node verifies a record from the record alone. Relays (hubs) pass
 * the exact bytes on; a re-encoded, altered, re-signed or forged record fails verification.
 * This module is pure: no I/O, no libp2p host.
 */
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { peerIdFromString } from '@libp2p/peer-id';
import { equals as bytesEqual } from 'uint8arrays/equals';
import { concat } from 'uint8arrays/concat';
import { docIdProblem } from './doc-id.js';
import { isQuireCid, rawCidOf } from './cids.js';
import { sha256 } from 'multiformats/hashes/sha2';
import { signEd25519, verifyEd25519 } from './ed25519.js';
export const RECORD_VERSION = 1;
/** Domain separation: a Quire record signature can never be replayed as another kind of signature. */
export const RECORD_SIGNING_PREFIX = new TextEncoder().encode('quire/record/v1\n');
/** Largest metadata document (protocols/record.md#limits). */
export const MAX_METADATA_BYTES = 4 * 1024 * 1024;
/** A record is small and fixed in shape; anything larger is hostile. */
export const MAX_RECORD_BYTES = 2048;
export const MAX_SIGNATURE_BYTES = 64;
/** A tombstone's `meta`: the CID of the empty byte string. */
export const EMPTY_META_CID = rawCidOf(new Uint8Array(0));
export class RecordError extends Error {
    static name = 'RecordError';
    reason;
    constructor(reason, message) {
        super(message);
        this.name = 'RecordError';
        this.reason = reason;
    }
}
export function encodeRevision(r) {
    return dagCbor.encode({
        v: RECORD_VERSION,
        id: r.id,
        rev: r.rev,
        home: r.home,
        meta: r.meta,
        data: r.data == null ? null : { cid: r.data.cid, size: r.data.size, blocks: r.data.blocks },
        deleted: r.deleted,
        time: r.time
    });
}
export async function signRevision(r, key) {
    const bytes = encodeRevision(r);
    const signature = signEd25519(key, concat([RECORD_SIGNING_PREFIX, bytes]));
    return { bytes, signature, revision: r, recordCid: await recordCidOf(bytes) };
}
export async function recordCidOf(bytes) {
    return CID.createV1(dagCbor.code, await sha256.digest(bytes));
}
/**
 * Check a signed revision from anywhere: shape, canonical encoding, signature by its home, and —
 * when `metadata` is given — that the metadata bytes are the ones it names.
 * Throws {@link RecordError} with the reason a receiver reports.
 */
export async function verifyRevision(signed, metadata) {
    const { bytes, signature } = signed;
    if (bytes.byteLength === 0 || bytes.byteLength > MAX_RECORD_BYTES)
        throw new RecordError('bad-record', `record of ${bytes.byteLength} bytes`);
    if (signature.byteLength !== MAX_SIGNATURE_BYTES)
        throw new RecordError('bad-signature', `signature of ${signature.byteLength} bytes`);
    let decoded;
    try {
        decoded = dagCbor.decode(bytes);
    }
    catch (err) {
        throw new RecordError('bad-record', `record is not DAG-CBOR: ${err.message}`);
    }
    const revision = revisionFromObject(decoded);
    // one revision, one byte string: a re-encoding would give a second record CID for the same content
    if (!bytesEqual(encodeRevision(revision), bytes))
        throw new RecordError('bad-record', 'record is not in canonical form');
    const home = peerIdFromString(revision.home);
    if (home.type !== 'Ed25519' || home.publicKey == null)
        throw new RecordError('bad-record', 'home is not an Ed25519 peer ID');
    if (!verifyEd25519(home.publicKey.raw, concat([RECORD_SIGNING_PREFIX, bytes]), signature))
        throw new RecordError('bad-signature', `signature does not verify against home ${revision.home}`);
    if (metadata != null && metadata.byteLength > MAX_METADATA_BYTES)
        throw new RecordError('bad-record', `metadata of ${metadata.byteLength} bytes is over the limit`);
    if (metadata != null && !rawCidOf(metadata).equals(revision.meta))
        throw new RecordError('meta-mismatch', 'metadata bytes do not match the record\'s hash');
    return { bytes, signature, revision, recordCid: await recordCidOf(bytes) };
}
function revisionFromObject(o) {
    const bad = (why) => { throw new RecordError('bad-record', why); };
    if (o == null || typeof o !== 'object' || Array.isArray(o))
        return bad('record is not a map');
    const m = o;
    const keys = Object.keys(m).sort().join(',');
    if (keys !== 'data,deleted,home,id,meta,rev,time,v')
        return bad(`record has fields ${keys}`);
    if (m.v !== RECORD_VERSION)
        return bad(`record version ${String(m.v)}`);
    if (docIdProblem(m.id) != null)
        return bad(`record id ${docIdProblem(m.id)}`);
    if (typeof m.rev !== 'number' || !Number.isSafeInteger(m.rev) || m.rev < 1)
        return bad('rev must be a positive integer');
    if (typeof m.home !== 'string')
        return bad('home must be a string');
    // one spelling per home: homes are compared as strings, so a CID-form peer ID would be a second home
    try {
        if (peerIdFromString(m.home).toString() !== m.home)
            return bad('home is not in canonical peer ID form');
    }
    catch {
        return bad('home is not a peer ID');
    }
    const meta = CID.asCID(m.meta);
    if (meta == null || !isQuireCid(meta))
        return bad('meta must be a CIDv1 raw sha2-256');
    let data = null;
    if (m.data !== null) {
        const d = m.data;
        if (d == null || typeof d !== 'object' || Object.keys(d).sort().join(',') !== 'blocks,cid,size')
            return bad('data must be null or {cid, size, blocks}');
        const cid = CID.asCID(d.cid);
        if (cid == null || !isQuireCid(cid))
            return bad('data.cid must be a CIDv1 raw sha2-256');
        if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0)
            return bad('data.size must be a non-negative integer');
        const blocks = CID.asCID(d.blocks);
        if (blocks == null || !isQuireCid(blocks))
            return bad('data.blocks must be a CIDv1 raw sha2-256');
        data = { cid, size: d.size, blocks };
    }
    if (typeof m.deleted !== 'boolean')
        return bad('deleted must be a boolean');
    if (typeof m.time !== 'string' || m.time.length > 64)
        return bad('time must be a short string');
    if (m.deleted === true && (data != null || !meta.equals(EMPTY_META_CID)))
        return bad('a tombstone has no data and empty metadata');
    return { id: m.id, rev: m.rev, home: m.home, meta, data, deleted: m.deleted, time: m.time };
}
//# sourceMappingURL=record.js.map