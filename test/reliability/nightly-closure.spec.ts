/**
 * R5 flag-closure (reliability-battery.md, N tier; Metacat seed): random peer tables for 3–5 real
 * nodes (fast-check, from the printed SEED), each node putting one document with data in each of
 * two namespaces. Pass (I5): once settled, each node's documents, and whether it holds their data,
 * equal the model's closure (src/model/closure.ts over the sending rules of
 * src/model/sending-policy.ts and the accept rules: listed sender, subscribed namespace).
 * QUIRE_R5_RUNS sets the number of topologies (battery: 50; default 10: one takes 45–100 s on
 * this shared 2-core machine, so 10 fit ~10 min).
 * The battery's "plus N1 faults" is not done here: topologies run on clean links.
 */
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { cleanupAll, quireOk, sleep } from '../fixtures/cli.js'
import { allDocs, serveNode, type ClusterNode } from '../fixtures/cluster.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { seededBytes, seededRng } from '../fixtures/seed.js'
import { closure, type Reach } from '../../src/model/closure.js'
import { newPeerRow, type PeerRow } from '../../src/model/peer-row.js'
import { itExtended } from './harness/tier.js'
import { putDocsApi, initNodes } from './harness/nightly.js'

const ip = loopbackRange(90, 139, { subnet: 5 })
const NAMESPACES = ['ns0', 'ns1']

interface RowSpec { listed: boolean, replicate: boolean, datareplicate: boolean, hub: boolean, ns: number }
interface Topology { n: number, rows: RowSpec[][] }

const rowArb = fc.record({
  listed: fc.boolean().chain(b => b ? fc.constant(true) : fc.boolean()), // 3/4 listed
  replicate: fc.boolean(),
  datareplicate: fc.boolean(),
  hub: fc.boolean(),
  ns: fc.integer({ min: -2, max: 1 }) // < 0: all namespaces (half the time)
})
const topologyArb: fc.Arbitrary<Topology> = fc.integer({ min: 3, max: 5 }).chain(n =>
  fc.array(fc.array(rowArb, { minLength: n, maxLength: n }), { minLength: n, maxLength: n }).map(rows => ({ n, rows })))

function describeTopology (t: Topology): string {
  return t.rows.map((rs, i) => `N${i}: ` + rs.map((r, j) => i === j || !r.listed ? '' : `N${j}[${r.replicate ? 'r' : ''}${r.datareplicate ? 'd' : ''}${r.hub ? 'h' : ''}${r.ns >= 0 ? ' ' + NAMESPACES[r.ns] : ''}]`).filter(Boolean).join(' ')).join('; ')
}

/** What each node must hold: node name → id → reach. */
function model (t: Topology, names: string[]): Map<string, Map<string, Reach>> {
  const tables: Record<string, PeerRow[]> = {}
  for (let i = 0; i < t.n; i++) {
    tables[names[i]] = []
    for (let j = 0; j < t.n; j++) {
      const r = t.rows[i][j]
      if (i === j || !r.listed) continue
      tables[names[i]].push({ ...newPeerRow(names[j]), replicate: r.replicate, datareplicate: r.datareplicate, hub: r.hub, namespaces: r.ns >= 0 ? [NAMESPACES[r.ns]] : [] })
    }
  }
  const out = new Map(names.map(n => [n, new Map<string, Reach>()]))
  for (const home of names) {
    for (const ns of NAMESPACES) {
      const id = `${ns}.${home}`
      const held = closure({ tables }, { id, home, hasData: true })
      for (const [node, reach] of Object.entries(held)) if (reach !== 'none') out.get(node)!.set(id, reach)
    }
  }
  return out
}

async function differences (nodes: ClusterNode[], want: Map<string, Map<string, Reach>>): Promise<string[]> {
  const out: string[] = []
  for (const n of nodes) {
    const exp = want.get(n.name)!
    const got = new Map((await allDocs(n)).map(d => [d.id, d]))
    for (const [id, reach] of exp) {
      const d = got.get(id)
      if (d == null) out.push(`${n.name} lacks ${id}`)
      else if ((reach === 'data') !== (d.data?.local === true)) out.push(`${n.name}: ${id} data local=${d.data?.local}, model ${reach}`)
    }
    for (const id of got.keys()) if (!exp.has(id)) out.push(`${n.name} holds ${id}, which the model never sends it`)
  }
  return out
}

async function runTopology (t: Topology, seed: number): Promise<void> {
  const names = Array.from({ length: t.n }, (_, i) => `N${i}`)
  const nodes = await initNodes(names, ip)
  await Promise.all(nodes.map(async (a, i) => {
    for (const [j, b] of nodes.entries()) {
      const r = t.rows[i][j]
      if (i === j || !r.listed) continue
      const flags = [r.replicate ? '--replicate' : '', r.datareplicate ? '--datareplicate' : '', r.hub ? '--hub' : '', ...(r.ns >= 0 ? ['--namespaces', NAMESPACES[r.ns]] : [])].filter(Boolean)
      await quireOk(['peer', 'add', b.addr, ...flags, '--home', a.home], { timeoutMs: 60_000 })
    }
  }))
  await Promise.all(nodes.map(async n => await serveNode(n, ['--interval', '1'])))
  await Promise.all(nodes.map(async n => await putDocsApi(n, NAMESPACES.map(ns => ({ id: `${ns}.${n.name}`, meta: `{"ns":"${ns}"}`, data: seededBytes(seed, `${ns}.${n.name}`, 2048) })))))
  const want = model(t, names)
  const deadline = Date.now() + 60_000
  let diff = await differences(nodes, want)
  while (diff.length > 0 && Date.now() < deadline) { await sleep(500); diff = await differences(nodes, want) }
  // settled? nothing more may arrive: wait a few intervals and look again
  await sleep(4_000)
  diff = await differences(nodes, want)
  assert.deepEqual(diff, [], `topology ${describeTopology(t)}`)
}

describe('reliability R5: flag closure', function () {
  afterEach(async () => { await cleanupAll() })

  itExtended('R5 flag-closure: random peer tables for 3–5 nodes: each node holds exactly the model\'s closure', async function () {
    const rng = seededRng('R5 flag-closure')
    const runs = Number(process.env.QUIRE_R5_RUNS ?? 10)
    const topologies = fc.sample(topologyArb, { seed: rng.seed, numRuns: runs })
    const started = Date.now()
    for (const [k, t] of topologies.entries()) {
      const t0 = Date.now()
      try {
        await runTopology(t, rng.seed)
      } catch (err: any) {
        throw new Error(`R5 topology ${k} of ${runs} (SEED=${rng.seed}): ${err.message}`)
      } finally {
        await cleanupAll()
      }
      console.log(`      R5 topology ${k}: ${t.n} nodes, ok in ${Date.now() - t0} ms: ${describeTopology(t)}`)
    }
    console.log(`      R5: ${runs} topologies in ${((Date.now() - started) / 1000).toFixed(0)} s`)
  })
})
