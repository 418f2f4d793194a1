import assert from 'node:assert/strict';
import { multiaddr } from '@multiformats/multiaddr';
import { allowlistGater } from '../../src/node/gater.js';
/** The gater only calls toString() on the peer. */
const peer = (id) => ({ toString: () => id });
const PARTNER = '12D3KooWEqvhfuQ1QfDyWbsx4NUfwKoS7duMgGBuxBGxgdbcC4vW';
describe('allowlist gater (src/node/gater.ts)', function () {
    let listed;
    let dialable;
    let stats;
    let gater;
    beforeEach(function () {
        listed = new Set(['partner', 'accept-only']);
        dialable = new Set(['partner']);
        stats = { deniedInbound: 0, deniedOutbound: 0 };
        gater = allowlistGater({
            isListed: id => listed.has(id),
            dialAddrs: id => id === PARTNER ? ['/ip4/127.0.0.1/tcp/4001', '/dns4/localhost/tcp/4003'] : dialable.has(id) ? ['/ip4/127.0.0.1/tcp/4000'] : []
        }, stats);
    });
    const call = async (hook, id) => {
        const fn = gater[hook];
        assert.ok(fn != null, `gater has no ${String(hook)}`);
        return await fn.call(gater, peer(id));
    };
    it('has the three hooks an allowlist needs, plus the upgraded-connection ones', function () {
        for (const hook of ['denyDialPeer', 'denyInboundEncryptedConnection', 'denyOutboundEncryptedConnection', 'denyInboundUpgradedConnection', 'denyOutboundUpgradedConnection']) {
            assert.equal(typeof gater[hook], 'function', hook);
        }
    });
    it('lets a listed peer in and out without counting it', async function () {
        assert.equal(await call('denyInboundEncryptedConnection', 'partner'), false);
        assert.equal(await call('denyOutboundEncryptedConnection', 'partner'), false);
        assert.equal(await call('denyInboundUpgradedConnection', 'partner'), false);
        assert.equal(await call('denyOutboundUpgradedConnection', 'partner'), false);
        assert.equal(await call('denyInboundEncryptedConnection', 'accept-only'), false, 'an accept-only row may connect to us');
        assert.deepEqual(stats, { deniedInbound: 0, deniedOutbound: 0 });
    });
    it('refuses a stranger inbound and counts each refusal', async function () {
        assert.equal(await call('denyInboundEncryptedConnection', 'stranger'), true);
        assert.equal(await call('denyInboundEncryptedConnection', 'stranger'), true);
        assert.deepEqual(stats, { deniedInbound: 2, deniedOutbound: 0 });
    });
    it('refuses a stranger outbound and counts it as outbound', async function () {
        assert.equal(await call('denyOutboundEncryptedConnection', 'stranger'), true);
        assert.deepEqual(stats, { deniedInbound: 0, deniedOutbound: 1 });
    });
    it('denyDialPeer allows only listed peers with addresses, and counts nothing', async function () {
        assert.equal(await call('denyDialPeer', 'partner'), false);
        assert.equal(await call('denyDialPeer', 'accept-only'), true, 'accept-only rows are never dialled');
        assert.equal(await call('denyDialPeer', 'stranger'), true);
        assert.deepEqual(stats, { deniedInbound: 0, deniedOutbound: 0 });
    });
    it('the upgraded-connection hooks refuse strangers without double counting', async function () {
        assert.equal(await call('denyInboundUpgradedConnection', 'stranger'), true);
        assert.equal(await call('denyOutboundUpgradedConnection', 'stranger'), true);
        assert.deepEqual(stats, { deniedInbound: 0, deniedOutbound: 0 });
    });
    it('reads the policy live: a removed row is refused at once, an added one admitted at once', async function () {
        listed.delete('partner');
        assert.equal(await call('denyInboundEncryptedConnection', 'partner'), true);
        assert.equal(await call('denyDialPeer', 'partner'), true);
        listed.add('newcomer');
        assert.equal(await call('denyInboundEncryptedConnection', 'newcomer'), false);
        assert.deepEqual(stats, { deniedInbound: 1, deniedOutbound: 0 });
    });
    it('denyDialMultiaddr dials a partner only at the addresses in its row, not at ones identify taught', async function () {
        assert.equal(await gater.denyDialMultiaddr(multiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${PARTNER}`)), false);
        assert.equal(await gater.denyDialMultiaddr(multiaddr(`/ip4/127.0.0.9/tcp/4001/p2p/${PARTNER}`)), true, 'another host');
        assert.equal(await gater.denyDialMultiaddr(multiaddr(`/ip4/127.0.0.1/tcp/4002/p2p/${PARTNER}`)), true, 'another port');
        assert.equal(await gater.denyDialMultiaddr(multiaddr(`/ip4/127.0.0.1/tcp/4003/p2p/${PARTNER}`)), false, 'what a name in the row resolves to (libp2p asks after resolving)');
        assert.equal(await gater.denyDialMultiaddr(multiaddr(`/ip4/127.0.0.9/tcp/4003/p2p/${PARTNER}`)), true, 'not what the name resolves to');
        assert.equal(await gater.denyDialMultiaddr(multiaddr('/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWBBzgRnPD1zURpnV5sphEBBjLQrhaFhzrA6cEfvgz2o34')), true, 'a peer without addresses in the table');
        assert.deepEqual(stats, { deniedInbound: 0, deniedOutbound: 0 });
    });
});
//# sourceMappingURL=gater.spec.js.map