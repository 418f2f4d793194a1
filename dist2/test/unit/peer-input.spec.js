import assert from 'node:assert/strict';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { parseAddrsFor, parsePeerAddr, parsePeerId } from '../../src/model/peer-input.js';
import { InputError } from '../../src/errors.js';
function isInputError(code) {
    return (err) => {
        assert.ok(err instanceof InputError, `expected an InputError, got ${err?.name}: ${err?.message}`);
        assert.equal(err.code, code);
        assert.equal(err.exitCode, 2);
        return true;
    };
}
describe('peer input (src/model/peer-input.ts)', function () {
    let ed;
    let ed2;
    let secp;
    let rsa;
    before(async function () {
        ed = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString();
        ed2 = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString();
        secp = peerIdFromPrivateKey(await generateKeyPair('secp256k1')).toString();
        rsa = peerIdFromPrivateKey(await generateKeyPair('RSA', 2048)).toString();
    });
    describe('parsePeerId', function () {
        it('accepts an Ed25519 peer ID and returns it in canonical form', function () {
            assert.equal(parsePeerId(ed), ed);
        });
        it('accepts the CID form of an Ed25519 peer ID and returns the canonical 12D3KooW form', async function () {
            const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
            assert.equal(parsePeerId(id.toCID().toString()), id.toString());
        });
        for (const [what, text] of [['garbage', 'not-a-peer-id'], ['the empty string', ''], ['a truncated ID', '12D3KooW'], ['a CID that is not a peer ID', 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi']]) {
            it(`rejects ${what}`, function () {
                assert.throws(() => parsePeerId(text), isInputError('invalid-peer-id'));
            });
        }
        it('rejects secp256k1 and RSA peer IDs: partners must be Ed25519', function () {
            assert.throws(() => parsePeerId(secp), isInputError('invalid-peer-id'));
            assert.throws(() => parsePeerId(rsa), isInputError('invalid-peer-id'));
        });
        it('rejects our own ID when told who we are', function () {
            assert.throws(() => parsePeerId(ed, ed), isInputError('self-peer'));
            assert.equal(parsePeerId(ed, ed2), ed);
        });
    });
    describe('parsePeerAddr', function () {
        it('parses a TCP address without a peer', function () {
            assert.deepEqual(parsePeerAddr('/ip4/10.0.0.1/tcp/4770'), { addr: '/ip4/10.0.0.1/tcp/4770' });
            assert.deepEqual(parsePeerAddr('/dns4/example.org/tcp/4770'), { addr: '/dns4/example.org/tcp/4770' });
            assert.deepEqual(parsePeerAddr('/ip6/::1/tcp/4770'), { addr: '/ip6/::1/tcp/4770' });
        });
        it('splits off the /p2p/ part and names the peer', function () {
            assert.deepEqual(parsePeerAddr(`/ip4/10.0.0.1/tcp/4770/p2p/${ed}`), { addr: '/ip4/10.0.0.1/tcp/4770', peerId: ed });
        });
        it('never returns an address that still carries /p2p/, however the peer part is spelled', function () {
            for (const text of [`/ip4/10.0.0.1/tcp/4770/p2p/${ed}/`, `/ip4/10.0.0.1/tcp/4770/ipfs/${ed}`]) {
                const r = parsePeerAddr(text);
                assert.equal(r.peerId, ed, text);
                assert.equal(r.addr, '/ip4/10.0.0.1/tcp/4770', `${text} gave addr ${r.addr}`);
            }
        });
        const bad = [
            ['garbage', 'garbage'],
            ['an invalid IPv4 address', '/ip4/999.0.0.1/tcp/1'],
            ['a port out of range', '/ip4/10.0.0.1/tcp/70000'],
            ['a non-numeric port', '/ip4/10.0.0.1/tcp/x'],
            ['no /tcp/', '/ip4/10.0.0.1/udp/1'],
            ['only a peer', `/p2p/${ed}`],
            ['two peers', `/ip4/10.0.0.1/tcp/1/p2p/${ed}/p2p/${ed2}`],
            ['/p2p/ not last', `/ip4/10.0.0.1/tcp/1/p2p/${ed}/p2p-circuit`],
            ['a non-Ed25519 peer', `/ip4/10.0.0.1/tcp/1/p2p/SECP`],
            ['an invalid peer', '/ip4/10.0.0.1/tcp/1/p2p/notapeer']
        ];
        for (const [what, text] of bad) {
            it(`rejects ${what}`, function () {
                const t = text.replace('SECP', secp);
                assert.throws(() => parsePeerAddr(t), (err) => err instanceof InputError && err.exitCode === 2 && ['invalid-multiaddr', 'invalid-peer-id'].includes(err.code));
            });
        }
    });
    describe('parseAddrsFor', function () {
        it('strips a /p2p/ part naming the same peer and de-duplicates', function () {
            assert.deepEqual(parseAddrsFor(ed, [`/ip4/10.0.0.1/tcp/1/p2p/${ed}`, '/ip4/10.0.0.1/tcp/1', '/ip4/10.0.0.2/tcp/1']), ['/ip4/10.0.0.1/tcp/1', '/ip4/10.0.0.2/tcp/1']);
            assert.deepEqual(parseAddrsFor(ed, []), []);
        });
        it('refuses an address whose /p2p/ names another peer', function () {
            assert.throws(() => parseAddrsFor(ed, ['/ip4/10.0.0.1/tcp/1', `/ip4/10.0.0.2/tcp/1/p2p/${ed2}`]), isInputError('addr-peer-mismatch'));
        });
        it('refuses an address that does not parse', function () {
            assert.throws(() => parseAddrsFor(ed, ['/ip4/10.0.0.1/tcp/nope']), isInputError('invalid-multiaddr'));
        });
    });
});
//# sourceMappingURL=peer-input.spec.js.map