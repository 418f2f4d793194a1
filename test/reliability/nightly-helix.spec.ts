/**
 * F4 helix (reliability-battery.md, N tier; Jepsen's helix-gen): 3 nodes that send each other
 * everything (replicate, datareplicate, hub) hold the same 300 files (homes spread over the three);
 * node k damages the k-th third on disk (bit flips, truncations, deletions, seeded). Every file is
 * then damaged on exactly one node and good on the other two.
 * Pass: each node's audit names exactly its 100 damaged files; `quire repair --all --from P` (P
 * the next node, which holds that third intact) restores them; every file on every node then
 * hashes to its CID (checked independently of Quire) and every audit is clean.
 */
import assert from 'node:assert/strict'
import { cleanupAll, quire } from '../fixtures/cli.js'
import { addPeer, serveNode } from '../fixtures/cluster.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { seededBytes, seededRng } from '../fixtures/seed.js'
import { cidOf, dataPath, deleteFile, flipBit, hashesTo, truncateFile } from '../fixtures/damage.js'
import { itExtended } from './harness/tier.js'
import { longOp, putDocsApi, initNodes } from './harness/nightly.js'
import { assertInvariants, checkCluster, waitConverged } from './harness/invariants.js'

const ip = loopbackRange(80, 89, { subnet: 5 })
const FILES = 300

describe('reliability F4: helix damage', function () {
  afterEach(async () => { await cleanupAll() })

  itExtended('F4 helix: each of 3 nodes damages a different third of 300 files; repairs from partners restore all', async function () {
    const rng = seededRng('F4 helix')
    const nodes = await initNodes(['A', 'B', 'C'], ip)
    for (const a of nodes) for (const b of nodes) if (a !== b) await addPeer(a, b, ['--replicate', '--datareplicate', '--hub'])
    await Promise.all(nodes.map(async n => await serveNode(n, ['--interval', '2'])))

    const docs = Array.from({ length: FILES }, (_, i) => {
      const data = seededBytes(rng.seed, `f${i}`, rng.int(1, 256) * 1024)
      return { id: `helix.f${String(i).padStart(3, '0')}`, meta: `{"i":${i}}`, data, home: nodes[i % 3] }
    })
    for (const home of nodes) await putDocsApi(home, docs.filter(d => d.home === home))
    const cids = await Promise.all(docs.map(async d => await cidOf(d.data)))
    const ids = new Set(docs.map(d => d.id))
    const tConv = await waitConverged(nodes, () => ids, 180_000)
    console.log(`      F4: ${FILES} files on 3 nodes, converged in ${tConv} ms`)

    // node k damages third k
    const kinds = { flip: 0, truncate: 0, delete: 0 }
    for (const [k, n] of nodes.entries()) {
      for (let i = k * 100; i < (k + 1) * 100; i++) {
        const path = dataPath(n.home, cids[i])
        const r = rng.next()
        if (r < 0.6) { await flipBit(path); kinds.flip++ } else if (r < 0.8) { await truncateFile(path); kinds.truncate++ } else { await deleteFile(path); kinds.delete++ }
      }
    }
    console.log(`      F4 damage: ${JSON.stringify(kinds)}`)

    for (const [k, n] of nodes.entries()) {
      const report = await longOp(n, 'audit', {}, 300_000)
      const found = new Set((report.corrupt as any[]).map(c => c.cid ?? c.id))
      const expected = new Set(cids.slice(k * 100, (k + 1) * 100))
      const expectedIds = new Set(docs.slice(k * 100, (k + 1) * 100).map(d => d.id))
      const hits = [...found].filter(x => expected.has(x) || expectedIds.has(x)).length
      assert.equal(found.size, 100, `${n.name}'s audit found ${found.size} items, not its 100: ${[...found].slice(0, 5).join(', ')}`)
      assert.equal(hits, 100, `${n.name}'s audit named ${100 - hits} items outside its damaged third`)
    }
    const t0 = Date.now()
    for (const [k, n] of nodes.entries()) {
      const from = nodes[(k + 1) % 3]
      const r = await quire(['repair', '--all', '--from', from.peerId, '--home', n.home, '--json'], { timeoutMs: 600_000 })
      assert.equal(r.code, 0, `repair --all at ${n.name} from ${from.name} exited ${r.code}: ${r.stderr.trim()}`)
      assert.equal(r.json.failed.length, 0, `${n.name}: ${r.json.failed.length} repairs failed: ${JSON.stringify(r.json.failed.slice(0, 3))}`)
      assert.equal(r.json.repaired.length, 100, `${n.name}: ${r.json.repaired.length} repaired, not 100`)
    }
    console.log(`      F4: 3 × repair --all in ${Date.now() - t0} ms`)
    for (const n of nodes) {
      const bad: string[] = []
      for (const [i, cid] of cids.entries()) if (!await hashesTo(dataPath(n.home, cid), cid)) bad.push(docs[i].id)
      assert.deepEqual(bad, [], `${n.name}: files still bad after repair`)
      const report = await longOp(n, 'audit', {}, 300_000)
      assert.equal(report.corrupt.length, 0, `${n.name}'s audit after repair: ${JSON.stringify(report.corrupt.slice(0, 3))}`)
    }
    assertInvariants(await checkCluster(nodes))
  })
})
