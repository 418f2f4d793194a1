/**
 * Signed revisions (src/model/record.ts): what a receiver checks before the accept rules run.
 */
import assert from 'node:assert/strict';
import * as dagCbor from '@ipld/dag-cbor';
import * as cborg from 'cborg';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { concat } from 'uint8arrays/concat';
import { RECORD_SIGNING_PREFIX, RecordError, encodeRevision, signRevision, verifyRevision } from '../../src/model/record.js';
import { rawCidOf } from '../../src/model/cids.js';
import { dataRefOf } from '../../src/model/blocks.js';
const META = new TextEncoder().encode('<eml><title>lev18</title></eml>');
const DATA = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);
async function newKey() {
    const key = await generateKeyPair('Ed25519');
    return { key, id: peerIdFromPrivateKey(key).toString() };
}
function revision(home, patch = {}) {
    return {
        id: 'mdi.fd_M_96m_lev18',
        rev: 1,
        home,
        meta: rawCidOf(META),
        data: dataRefOf(DATA),
        deleted: false,
        time: '2026-01-02T03:04:05.678Z',
        ...patch
    };
}
/** Sign arbitrary bytes the way a home signs a record (so that only the property under test is wrong). */
async function signBytes(bytes, key) {
    return { bytes, signature: await key.sign(concat([RECORD_SIGNING_PREFIX, bytes])) };
}
/** The record as a plain map, the shape encodeRevision writes. */
function asMap(r) {
    return { v: 1, id: r.id, rev: r.rev, home: r.home, meta: r.meta, data: r.data == null ? null : { cid: r.data.cid, size: r.data.size, blocks: r.data.blocks }, deleted: r.deleted, time: r.time };
}
async function rejection(signed, metadata) {
    try {
        await verifyRevision(signed, metadata);
    }
    catch (err) {
        assert.ok(err instanceof RecordError, `expected a RecordError, got ${String(err)}`);
        return err.reason;
    }
    assert.fail('verifyRevision accepted it');
}
describe('signed records (src/model/record.ts)', function () {
    let home;
    let other;
    before(async function () {
        home = await newKey();
        other = await newKey();
    });
    it('round trip: what the home signs verifies, with the same fields, bytes and record CID', async function () {
        for (const r of [revision(home.id), revision(home.id, { data: null }), revision(home.id, { rev: 7, deleted: true, data: null, meta: rawCidOf(new Uint8Array(0)) })]) {
            const signed = await signRevision(r, home.key);
            const meta = r.deleted ? new Uint8Array(0) : META;
            const v = await verifyRevision({ bytes: signed.bytes, signature: signed.signature }, meta);
            assert.deepEqual(v.bytes, signed.bytes);
            assert.equal(v.revision.id, r.id);
            assert.equal(v.revision.rev, r.rev);
            assert.equal(v.revision.home, home.id);
            assert.ok(v.revision.meta.equals(r.meta));
            assert.equal(v.revision.deleted, r.deleted);
            assert.equal(v.revision.time, r.time);
            if (r.data == null)
                assert.equal(v.revision.data, null);
            else {
                assert.ok(v.revision.data?.cid.equals(r.data.cid));
                assert.equal(v.revision.data?.size, r.data.size);
            }
            // the record CID names the exact bytes: dag-cbor, sha2-256
            const expectedCid = CID.createV1(dagCbor.code, await sha256.digest(signed.bytes));
            assert.ok(v.recordCid.equals(expectedCid));
            assert.ok(signed.recordCid.equals(expectedCid));
            // without metadata it verifies the record alone
            await verifyRevision({ bytes: signed.bytes, signature: signed.signature });
        }
    });
    it('two different records for the same (id, rev) have different record CIDs (what fork detection relies on)', async function () {
        const a = await signRevision(revision(home.id), home.key);
        const b = await signRevision(revision(home.id, { meta: rawCidOf(new TextEncoder().encode('other')) }), home.key);
        assert.ok(!a.recordCid.equals(b.recordCid));
    });
    it('any single changed byte of the record fails (bad-record or bad-signature), never verifies', async function () {
        const signed = await signRevision(revision(home.id), home.key);
        for (let i = 0; i < signed.bytes.byteLength; i++) {
            for (const mask of [0x01, 0x80]) {
                const bytes = Uint8Array.from(signed.bytes);
                bytes[i] ^= mask;
                const reason = await rejection({ bytes, signature: signed.signature });
                assert.ok(reason === 'bad-record' || reason === 'bad-signature', `byte ${i} ^ ${mask}: ${reason}`);
            }
        }
    });
    it('a changed character of a field that still decodes canonically is a bad signature', async function () {
        const signed = await signRevision(revision(home.id), home.key);
        const text = new TextEncoder().encode('2026-01-02T03:04:05.678Z');
        const at = Buffer.from(signed.bytes).indexOf(Buffer.from(text));
        assert.ok(at > 0);
        const bytes = Uint8Array.from(signed.bytes);
        bytes[at + 3] = '7'.charCodeAt(0); // 2026 → 2027
        assert.equal(await rejection({ bytes, signature: signed.signature }), 'bad-signature');
    });
    it('any single changed byte of the signature is a bad signature', async function () {
        const signed = await signRevision(revision(home.id), home.key);
        for (let i = 0; i < signed.signature.byteLength; i++) {
            const signature = Uint8Array.from(signed.signature);
            signature[i] ^= 0x04;
            assert.equal(await rejection({ bytes: signed.bytes, signature }), 'bad-signature', `signature byte ${i}`);
        }
    });
    it('a signature of the wrong length is a bad signature', async function () {
        const signed = await signRevision(revision(home.id), home.key);
        for (const signature of [new Uint8Array(0), signed.signature.subarray(0, 63), concat([signed.signature, new Uint8Array([0])]), concat([signed.signature, signed.signature])]) {
            assert.equal(await rejection({ bytes: signed.bytes, signature }), 'bad-signature', `${signature.byteLength} bytes`);
        }
    });
    it('metadata that does not hash to the record\'s meta CID is meta-mismatch', async function () {
        const signed = await signRevision(revision(home.id), home.key);
        for (const metadata of [new Uint8Array(0), new TextEncoder().encode('<eml><title>lev19</title></eml>'), concat([META, new Uint8Array([0x0a])]), META.subarray(1)]) {
            assert.equal(await rejection(signed, metadata), 'meta-mismatch', `${metadata.byteLength} bytes`);
        }
    });
    it('a record signed by another key, claiming the first home, is a bad signature', async function () {
        const forged = await signRevision(revision(home.id), other.key);
        assert.equal(await rejection(forged, META), 'bad-signature');
        // and the genuine signature over the same bytes does verify: only the signer differs
        const genuine = await signRevision(revision(home.id), home.key);
        assert.deepEqual(forged.bytes, genuine.bytes);
        await verifyRevision(genuine, META);
    });
    it('a genuine signature of the home over another record does not carry over', async function () {
        const a = await signRevision(revision(home.id), home.key);
        const b = await signRevision(revision(home.id, { rev: 2 }), home.key);
        assert.equal(await rejection({ bytes: b.bytes, signature: a.signature }), 'bad-signature');
    });
    it('a signature without the record domain prefix does not verify', async function () {
        const bytes = encodeRevision(revision(home.id));
        assert.equal(await rejection({ bytes, signature: await home.key.sign(bytes) }), 'bad-signature');
    });
    it('a non-canonical encoding (keys out of order), even validly signed, is a bad record', async function () {
        const r = revision(home.id);
        const canonical = encodeRevision(r);
        const reordered = cborg.encode(asMap(r), {
            ...dagCbor.encodeOptions,
            // reverse of dag-cbor's order (length first, then bytes)
            mapSorter: (e1, e2) => {
                const a = String(e1[0].value);
                const b = String(e2[0].value);
                return a.length !== b.length ? b.length - a.length : (a < b ? 1 : a > b ? -1 : 0);
            }
        });
        assert.notDeepEqual(reordered, canonical);
        assert.equal(reordered.byteLength, canonical.byteLength);
        // the same content: it decodes to the same map
        assert.deepEqual(dagCbor.decode(reordered), dagCbor.decode(canonical));
        assert.equal(await rejection(await signBytes(reordered, home.key), META), 'bad-record');
    });
    it('a non-minimal integer encoding, validly signed, is a bad record', async function () {
        const canonical = encodeRevision(revision(home.id, { rev: 5 }));
        // "rev" key (63 72 65 76) followed by unsigned 5 (0x05): write it as 0x18 0x05
        const key = Buffer.from([0x63, 0x72, 0x65, 0x76, 0x05]);
        const at = Buffer.from(canonical).indexOf(key);
        assert.ok(at >= 0);
        const bytes = concat([canonical.subarray(0, at + 4), new Uint8Array([0x18, 0x05]), canonical.subarray(at + 5)]);
        assert.equal(await rejection(await signBytes(bytes, home.key), META), 'bad-record');
    });
    it('trailing bytes after the record, validly signed, are a bad record', async function () {
        const canonical = encodeRevision(revision(home.id));
        for (const tail of [[0x00], [0xf6], [0xa0]]) {
            assert.equal(await rejection(await signBytes(concat([canonical, new Uint8Array(tail)]), home.key), META), 'bad-record', `tail ${tail.join(',')}`);
        }
    });
    it('a record with a field missing or an extra field, validly signed, is a bad record', async function () {
        const base = asMap(revision(home.id));
        for (const field of Object.keys(base)) {
            const m = { ...base };
            delete m[field];
            assert.equal(await rejection(await signBytes(dagCbor.encode(m), home.key), META), 'bad-record', `without ${field}`);
        }
        for (const extra of [{ x: 1 }, { signature: new Uint8Array(64) }, { prev: null }]) {
            assert.equal(await rejection(await signBytes(dagCbor.encode({ ...base, ...extra }), home.key), META), 'bad-record', `with ${Object.keys(extra)[0]}`);
        }
        // data with a field missing or extra
        for (const data of [{ cid: rawCidOf(DATA) }, { size: 1000 }, { cid: rawCidOf(DATA), size: 1000, name: 'x' }]) {
            assert.equal(await rejection(await signBytes(dagCbor.encode({ ...base, data }), home.key), META), 'bad-record', `data ${Object.keys(data).join(',')}`);
        }
    });
    it('fields of the wrong kind, validly signed, are a bad record', async function () {
        const base = asMap(revision(home.id));
        const dagCid = CID.createV1(dagCbor.code, await sha256.digest(META));
        const cases = [
            ['version 2', { v: 2 }],
            ['rev 0', { rev: 0 }],
            ['rev -1', { rev: -1 }],
            ['rev 1.5', { rev: 1.5 }],
            ['rev as text', { rev: '1' }],
            ['id with a slash', { id: 'mdi/../x' }],
            ['empty id', { id: '' }],
            ['id as bytes', { id: new Uint8Array([0x61]) }],
            ['home not a peer ID', { home: 'not-a-peer' }],
            ['meta as text', { meta: rawCidOf(META).toString() }],
            ['meta a dag-cbor CID', { meta: dagCid }],
            ['data.cid a dag-cbor CID', { data: { cid: dagCid, size: 1 } }],
            ['data.size negative', { data: { cid: rawCidOf(DATA), size: -1 } }],
            ['deleted as 0', { deleted: 0 }],
            ['time as number', { time: 1 }],
            ['time too long', { time: 'x'.repeat(65) }]
        ];
        for (const [label, patch] of cases) {
            assert.equal(await rejection(await signBytes(dagCbor.encode({ ...base, ...patch }), home.key), META), 'bad-record', label);
        }
        // not a map at all
        for (const value of [[1, 2], 'record', 42, null]) {
            assert.equal(await rejection(await signBytes(dagCbor.encode(value), home.key)), 'bad-record', JSON.stringify(value));
        }
    });
    it('a home that is not an Ed25519 peer ID is a bad record', async function () {
        const secp = await generateKeyPair('secp256k1');
        const secpId = peerIdFromPrivateKey(secp).toString();
        const bytes = encodeRevision(revision(secpId));
        // a secp256k1 signature is not 64 bytes; give it 64 so that only the home's key type is wrong
        const sig = await secp.sign(concat([RECORD_SIGNING_PREFIX, bytes]));
        const signature = new Uint8Array(64);
        signature.set(sig.subarray(0, 64));
        assert.equal(await rejection({ bytes, signature }, META), 'bad-record');
    });
    it('empty, garbage and oversized records are bad records', async function () {
        const sig = new Uint8Array(64);
        assert.equal(await rejection({ bytes: new Uint8Array(0), signature: sig }), 'bad-record');
        assert.equal(await rejection({ bytes: new Uint8Array([0xff, 0x00, 0x13]), signature: sig }), 'bad-record');
        assert.equal(await rejection({ bytes: new Uint8Array(4096).fill(0x41), signature: sig }), 'bad-record');
        // while the largest record the fields allow (255-character id, 64-character time) fits the limit
        const largest = revision(home.id, { id: 'a'.repeat(255), time: 'x'.repeat(64) });
        await verifyRevision(await signRevision(largest, home.key), META);
    });
});
//# sourceMappingURL=record.spec.js.map