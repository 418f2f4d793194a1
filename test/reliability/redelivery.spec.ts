/**
 * Reliability battery R3 redelivery-reorder: a listed (evil, scripted) peer re-sends a whole batch
 * and sends rev 3 before rev 2, for 50 documents, against a real `quire serve` (127.0.4.150–159).
 * The accept rules (BRIEF "Accepting"): the same revision again is a duplicate (ignored, counted),
 * an older one is refused; nothing rolls back and nothing is stored twice.
 */
import assert from 'node:assert/strict'
import { cleanupAll, initNode, quireOk, startServe, waitFor, type Served } from '../fixtures/cli.js'
import { EvilPeer, Outcome, type Crafted } from '../fixtures/evil-peer.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { assertInvariants, checkCluster, checkSignatures } from './harness/invariants.js'

const ip = loopbackRange(150, 159, { subnet: 4 })
const N = 50

describe('R3 redelivery-reorder: a batch re-sent twice, rev 3 before rev 2, for 50 documents', function () {
  this.timeout(120_000)
  let evil: EvilPeer | undefined
  afterEach(async () => { await evil?.stop().catch(() => {}); evil = undefined; await cleanupAll() })

  it('final rev 3 everywhere, no rollback, no revision stored twice, the counters count every duplicate and refusal', async function () {
    const victim = await initNode('victim', ip())
    evil = await EvilPeer.start({ ip: ip() })
    await quireOk(['peer', 'add', evil.peerId, '--home', victim.home])
    const served: Served = await startServe(victim.home)
    await evil.connect(victim.addr)
    await waitFor(async () => (await served.op('peer.ls') as any[]).some(r => r.peerId === evil!.peerId && r.connected === true), 10_000, 'the evil peer connected', 50)
    const counters = async (): Promise<any> => (await served.op('status')).partners.find((p: any) => p.peerId === evil!.peerId).counters
    const push = async (batch: Crafted[]): Promise<string[]> =>
      (await evil!.push(victim.peerId, batch)).map(v => v.reason === '' ? `${v.outcome}` : `${v.outcome}:${v.reason}`)
    const ids = Array.from({ length: N }, (_, i) => `r3.d${i}`)
    const rev = async (r: number): Promise<Crafted[]> => await Promise.all(ids.map(async id => await evil!.record(id, { rev: r })))
    const [v1, v2, v3] = [await rev(1), await rev(2), await rev(3)]
    const c0 = await counters()

    // rev 1, then the same batch twice more (redelivery)
    assert.deepEqual(await push(v1), v1.map(() => `${Outcome.STORED}`), 'rev 1 first')
    for (const round of [1, 2]) assert.deepEqual(await push(v1), v1.map(() => `${Outcome.DUPLICATE}`), `rev 1 redelivered (${round})`)
    // rev 3 before rev 2; then rev 2 late (older: refused), then rev 3 again
    assert.deepEqual(await push(v3), v3.map(() => `${Outcome.STORED}`), 'rev 3 before rev 2')
    assert.deepEqual(await push(v2), v2.map(() => `${Outcome.REJECTED}:older`), 'rev 2 after rev 3')
    assert.deepEqual(await push(v3), v3.map(() => `${Outcome.DUPLICATE}`), 'rev 3 redelivered')

    // every document at rev 3 with rev 3's record; its history holds revs 1 and 3, once each
    for (const c of v3) {
      const d = await served.op('get', { id: c.id })
      assert.equal(d.rev, 3, `${c.id} rev`)
      assert.equal(d.record, c.recordCid, `${c.id} holds rev 3's record`)
    }
    for (const id of ids.slice(0, 10)) {
      const events = (await served.op('log', { id })).events.filter((e: any) => e.kind === 'revision').map((e: any) => e.rev)
      assert.deepEqual(events.sort(), [1, 3], `${id}'s history`)
    }
    const c1 = await counters()
    const delta = { stored: c1.stored - c0.stored, duplicates: c1.duplicates - c0.duplicates, older: (c1.rejected.older ?? 0) - (c0.rejected.older ?? 0) }
    console.log(`      R3: counters grew by ${JSON.stringify(delta)}`)
    assert.deepEqual(delta, { stored: 2 * N, duplicates: 3 * N, older: N }, 'status counters')
    // and through the metrics endpoint too: the counters only grow
    assert.ok(evil.isStillConnected(victim.peerId), 'the peer stays connected')

    const node = { ...victim, served } as any
    assertInvariants(await checkCluster([node]))
    await served.stop()
    assertInvariants(await checkSignatures(node))
  })
})
