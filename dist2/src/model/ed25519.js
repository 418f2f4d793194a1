/**
 * Ed25519 signing and verification with the node's KeyObjects cached. @libp2p/crypto builds a new
 * KeyObject from JWK on every call, which cost more than the signature itself when a batch signs
 * or verifies thousands of records; the keys and the algorithm are the same.
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** Distinct record homes whose public keys are kept; a network has at most a few dozen sites. */
const MAX_CACHED_PUBLIC_KEYS = 1024;
const privateKeys = new WeakMap();
const publicKeys = new Map();
export function signEd25519(key, data) {
    let obj = privateKeys.get(key);
    if (obj == null) {
        if (key.type !== 'Ed25519')
            throw new TypeError('not an Ed25519 key');
        obj = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, key.raw.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
        privateKeys.set(key, obj);
    }
    return sign(null, data, obj);
}
/** Verify with a raw 32-byte Ed25519 public key (as embedded in an Ed25519 peer ID). */
export function verifyEd25519(publicKey, data, signature) {
    if (publicKey.byteLength !== 32 || signature.byteLength !== 64)
        return false;
    const cacheKey = Buffer.from(publicKey).toString('base64');
    let obj = publicKeys.get(cacheKey);
    if (obj == null) {
        obj = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
        if (publicKeys.size >= MAX_CACHED_PUBLIC_KEYS)
            publicKeys.delete(publicKeys.keys().next().value);
        publicKeys.set(cacheKey, obj);
    }
    try {
        return verify(null, data, obj, signature);
    }
    catch {
        return false;
    }
}
//# sourceMappingURL=ed25519.js.map