import assert from 'node:assert/strict'
import type { PeerId } from '@libp2p/interface'
import { allowlistGater, type GateStats } from '../../src/node/gater.js'

/** The gater only calls toString() on the peer. */
const peer = (id: string): PeerId => ({ toString: () => id }) as unknown as PeerId

describe('allowlist gater (src/node/gater.ts)', function () {
  let listed: Set<string>
  let dialable: Set<string>
  let stats: GateStats
  let gater: ReturnType<typeof allowlistGater>

  beforeEach(function () {
    listed = new Set(['partner', 'accept-only'])
    dialable = new Set(['partner'])
    stats = { deniedInbound: 0, deniedOutbound: 0 }
    gater = allowlistGater({ isListed: id => listed.has(id), mayDial: id => dialable.has(id) }, stats)
  })

  const call = async (hook: keyof typeof gater, id: string): Promise<boolean> => {
    const fn = gater[hook] as ((p: PeerId) => boolean | Promise<boolean>) | undefined
    assert.ok(fn != null, `gater has no ${String(hook)}`)
    return await fn.call(gater, peer(id))
  }

  it('has the three hooks an allowlist needs, plus the upgraded-connection ones', function () {
    for (const hook of ['denyDialPeer', 'denyInboundEncryptedConnection', 'denyOutboundEncryptedConnection', 'denyInboundUpgradedConnection', 'denyOutboundUpgradedConnection'] as const) {
      assert.equal(typeof gater[hook], 'function', hook)
    }
  })

  it('lets a listed peer in and out without counting it', async function () {
    assert.equal(await call('denyInboundEncryptedConnection', 'partner'), false)
    assert.equal(await call('denyOutboundEncryptedConnection', 'partner'), false)
    assert.equal(await call('denyInboundUpgradedConnection', 'partner'), false)
    assert.equal(await call('denyOutboundUpgradedConnection', 'partner'), false)
    assert.equal(await call('denyInboundEncryptedConnection', 'accept-only'), false, 'an accept-only row may connect to us')
    assert.deepEqual(stats, { deniedInbound: 0, deniedOutbound: 0 })
  })

  it('refuses a stranger inbound and counts each refusal', async function () {
    assert.equal(await call('denyInboundEncryptedConnection', 'stranger'), true)
    assert.equal(await call('denyInboundEncryptedConnection', 'stranger'), true)
    assert.deepEqual(stats, { deniedInbound: 2, deniedOutbound: 0 })
  })

  it('refuses a stranger outbound and counts it as outbound', async function () {
    assert.equal(await call('denyOutboundEncryptedConnection', 'stranger'), true)
    assert.deepEqual(stats, { deniedInbound: 0, deniedOutbound: 1 })
  })

  it('denyDialPeer allows only listed peers with addresses, and counts nothing', async function () {
    assert.equal(await call('denyDialPeer', 'partner'), false)
    assert.equal(await call('denyDialPeer', 'accept-only'), true, 'accept-only rows are never dialled')
    assert.equal(await call('denyDialPeer', 'stranger'), true)
    assert.deepEqual(stats, { deniedInbound: 0, deniedOutbound: 0 })
  })

  it('the upgraded-connection hooks refuse strangers without double counting', async function () {
    assert.equal(await call('denyInboundUpgradedConnection', 'stranger'), true)
    assert.equal(await call('denyOutboundUpgradedConnection', 'stranger'), true)
    assert.deepEqual(stats, { deniedInbound: 0, deniedOutbound: 0 })
  })

  it('reads the policy live: a removed row is refused at once, an added one admitted at once', async function () {
    listed.delete('partner')
    assert.equal(await call('denyInboundEncryptedConnection', 'partner'), true)
    assert.equal(await call('denyDialPeer', 'partner'), true)
    listed.add('newcomer')
    assert.equal(await call('denyInboundEncryptedConnection', 'newcomer'), false)
    assert.deepEqual(stats, { deniedInbound: 1, deniedOutbound: 0 })
  })
})
