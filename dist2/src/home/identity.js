import { readFile } from 'node:fs/promises';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { writeFileAtomic } from './atomic-write.js';
import { StoreError } from '../errors.js';
/** Create a new Ed25519 identity at `path` (owner-only, never over an existing file). */
export async function createIdentity(path) {
    const key = await generateKeyPair('Ed25519');
    await writeFileAtomic(path, privateKeyToProtobuf(key), { mode: 0o600, exclusive: true });
    return key;
}
/**
 * Load the node's identity. A missing or unreadable key is an error, never a reason to make a new
 * one: a node that silently changed its peer ID would be cut off by every partner.
 */
export async function loadIdentity(path) {
    let bytes;
    try {
        bytes = await readFile(path);
    }
    catch (err) {
        throw new StoreError(`cannot read identity key ${path}: ${err.code ?? err.message}`, 'identity-missing');
    }
    let key;
    try {
        key = privateKeyFromProtobuf(bytes);
    }
    catch (err) {
        throw new StoreError(`identity key ${path} is corrupt (${err.message}); restore it from a backup`, 'identity-corrupt');
    }
    if (key.type !== 'Ed25519')
        throw new StoreError(`identity key ${path} is ${key.type}, expected Ed25519`, 'identity-corrupt');
    return key;
}
//# sourceMappingURL=identity.js.map