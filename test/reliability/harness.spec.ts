/**
 * The battery's own checkers, checked: each invariant holds on a healthy pair of nodes and fails
 * on the damage it is there to catch. A checker that cannot fail would make every test that ends
 * with it meaningless.
 */
import assert from 'node:assert/strict'
import { writeFile, mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import { cleanupAll } from '../fixtures/cli.js'
import { addPeer, makeNodes, serveNode, sub, waitUntil, withDb, writeFiles, type ClusterNode } from '../fixtures/cluster.js'
import { cidOf, dataPath, flipBit } from '../fixtures/damage.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { seededBytes } from '../fixtures/seed.js'
import { checkCluster, checkNoFork, checkSignatures, holdings, waitConverged, type Held } from './harness/invariants.js'
import { StoreWatcher } from './harness/store-watcher.js'

const ip = loopbackRange(2, 60, { subnet: 7, spread: true })

describe('battery harness: the checkers catch what they claim', function () {
  this.timeout(120_000)
  let A: ClusterNode
  let B: ClusterNode
  let cid: string

  before(async function () {
    [A, B] = await makeNodes(['A', 'B'], ip)
    await addPeer(A, B, ['--replicate', '--datareplicate'])
    await addPeer(B, A, [], true)
    await Promise.all([serveNode(A), serveNode(B)])
    const bytes = seededBytes(1, 'harness', 256 * 1024)
    cid = await cidOf(bytes)
    const f = await writeFiles(join(A.tmp.dir, 'in'), { meta: '{"t":1}', data: bytes })
    await A.served!.op('put', { id: 'h.one', meta: f.meta, data: f.data })
    await waitConverged([A, B], () => new Set(['h.one']), 20_000)
  })

  after(async function () { await cleanupAll() })

  it('a healthy pair: no problem found; the record CID is the same on both', async function () {
    assert.deepEqual(await checkCluster([A, B], { acked: new Map([['A', new Map([['h.one', 1]])]]), model: new Map([['B', new Set(['h.one'])]]) }), [])
    const [a, b] = [await holdings(A), await holdings(B)]
    assert.match(a.get('h.one')!.record, /^b/)
    assert.equal(a.get('h.one')!.record, b.get('h.one')!.record)
  })

  it('I2 and I5 report a missing acknowledged write and a document the model does not send', async function () {
    const problems = await checkCluster([B], { acked: new Map([['B', new Map([['h.two', 1], ['h.one', 2]])]]), model: new Map([['B', new Set()]]) })
    assert.equal(problems.filter(p => p.startsWith('I2')).length, 2, problems.join('\n'))
    assert.equal(problems.filter(p => p.startsWith('I5')).length, 1, problems.join('\n'))
  })

  it('I3 reports two records for one (id, rev)', function () {
    const d: Held = { id: 'x', rev: 1, home: 'h', deleted: false, record: 'r1', cid: null, local: false }
    assert.deepEqual(checkNoFork([{ name: 'A', docs: new Map([['x', d]]) }, { name: 'B', docs: new Map([['x', { ...d }]]) }]), [])
    assert.equal(checkNoFork([{ name: 'A', docs: new Map([['x', d]]) }, { name: 'B', docs: new Map([['x', { ...d, record: 'r2' }]]) }]).length, 1)
  })

  it('I1: the store watcher and the checker both see a bit flipped under a final name', async function () {
    const watcher = new StoreWatcher(B.home)
    await waitUntil('the watcher hashed the file', async () => watcher.checked > 0 ? null : 'not yet', 5_000)
    await flipBit(dataPath(B.home, cid))
    await waitUntil('the watcher saw the flip', async () => watcher.violations.length > 0 ? null : 'not yet', 5_000)
    assert.deepEqual((await watcher.stop()).map(v => v.name), [cid])
    const problems = await checkCluster([B])
    assert.deepEqual(problems.filter(p => p.startsWith('I1')), [`I1 B: ${cid} does not hash to its name`])
  })

  it('I1: a file planted under a CID name it does not hash to', async function () {
    const fake = await cidOf(new Uint8Array([1, 2, 3]))
    await mkdir(dirname(dataPath(A.home, fake)), { recursive: true })
    await writeFile(dataPath(A.home, fake), 'not those bytes')
    assert.equal((await checkCluster([A])).filter(p => p.includes(fake)).length, 1)
  })

  it('I4: signatures verify on a stopped node, and a changed signature byte is reported', async function () {
    await A.served!.stop()
    assert.deepEqual(await checkSignatures(A), [])
    await withDb(A.home, async db => {
      const revs = sub(db, 'revs') as any
      for await (const [key, value] of revs.iterator({ valueEncoding: 'view' })) {
        const blob = dagCbor.decode<any>(value)
        blob.signature[0] ^= 1
        await revs.put(key, dagCbor.encode(blob), { valueEncoding: 'view' })
      }
    })
    const problems = await checkSignatures(A)
    assert.equal(problems.length, 1, problems.join('\n'))
    assert.match(problems[0], /^I4 A h\.one@0*1: signature does not verify/)
  })
})
