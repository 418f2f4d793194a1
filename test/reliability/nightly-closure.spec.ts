/**
 * R5 flag-closure (reliability-battery.md, N tier; Metacat seed): random peer tables for 3–5 real
 * nodes (fast-check, from the printed SEED), each pair that lists each other linked through one
 * fault proxy (one connection: a fault on the proxy reaches the pair), each node putting one document with data in each of two namespaces at a random moment of a
 * 15 s window of N1's partitions (isolate one node, split in two, one-way), changed every 2–5 s;
 * half the steps end with their cut links reset, so pushes in flight fail and must be made good
 * (a blackhole alone only delays them). A mutant with no pulls that drops failed pushes was caught
 * at its first topology in two runs of three (README "R5 broken-product check").
 * Pass (I5): after the heal, each node's documents, and whether it holds their data, equal the
 * model's closure (src/model/closure.ts over the sending rules of src/model/sending-policy.ts and
 * the accept rules: listed sender, subscribed namespace), and nothing more arrives once every
 * such pair is connected again.
 * QUIRE_R5_RUNS sets the number of topologies (default 50, the battery's).
 */
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { cleanupAll, sleep } from '../fixtures/cli.js'
import { allDocs, serveNode, waitConnected, type ClusterNode } from '../fixtures/cluster.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { prng, rngFrom, seededBytes, seededRng, type Rng } from '../fixtures/seed.js'
import { closure, type Reach } from '../../src/model/closure.js'
import { newPeerRow, type PeerRow } from '../../src/model/peer-row.js'
import { itExtended } from './harness/tier.js'
import { makeMesh, putDocsApi } from './harness/nightly.js'
import { partitionNemesis } from './harness/partitions.js'
import { REDIAL_MAX_MS } from '../../src/node/partners.js'

const ip = loopbackRange(90, 139, { subnet: 5 })
const NAMESPACES = ['ns0', 'ns1']
const FAULT_WINDOW_MS = 15_000
const INTERVAL_S = 1

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

/** A's row for B as `peer add` flags, or null where A does not list B. */
function rowFlags (t: Topology, a: number, b: number): string[] | null {
  const r = t.rows[a][b]
  if (a === b || !r.listed) return null
  return [r.replicate ? '--replicate' : '', r.datareplicate ? '--datareplicate' : '', r.hub ? '--hub' : '', ...(r.ns >= 0 ? ['--namespaces', NAMESPACES[r.ns]] : [])].filter(Boolean)
}

/** A random side of a split: each node with even odds, never none or all (then the first alone). */
function randomSide (names: string[], rng: Rng): Set<string> {
  const side = new Set(names.filter(() => rng.next() < 0.5))
  return side.size === 0 || side.size === names.length ? new Set([names[0]]) : side
}

/** Runs one topology; returns its partition schedule and how long after the heal it converged. */
async function runTopology (t: Topology, seed: number, k: number): Promise<{ schedule: string[], convergedMs: number }> {
  const names = Array.from({ length: t.n }, (_, i) => `N${i}`)
  const mesh = await makeMesh(names, ip, (a, b) => rowFlags(t, names.indexOf(a), names.indexOf(b)), { onePerPair: true })
  const stop = new AbortController()
  let faults: Promise<void> = Promise.resolve()
  try {
    const nodes = mesh.nodes
    const byName = new Map(nodes.map(n => [n.name, n]))
    const pairs = [...mesh.links.keys()].map(key => key.split('>').map(n => byName.get(n)!))
    const allConnected = async (): Promise<void> => { for (const [a, b] of pairs) await waitConnected(a, b, 30_000) }
    await Promise.all(nodes.map(async n => await serveNode(n, ['--interval', String(INTERVAL_S)])))
    await allConnected()
    const rng = rngFrom((seed ^ Math.imul(k + 1, 0x9e3779b9)) >>> 0)
    const putRnd = prng((seed ^ Math.imul(k + 1, 0x85ebca6b)) >>> 0)
    const schedule: string[] = []
    const links = [...mesh.links].map(([key, proxy]) => { const [a, b] = key.split('>'); return { a, b, proxy } })
    faults = partitionNemesis({ links, names, rng, windowMs: FAULT_WINDOW_MS, splitSide: () => randomSide(names, rng), cutChance: 0.5, schedule, stop: stop.signal })
    // each node's puts at a random moment of the window, so they are pushed into the partitions
    await Promise.all(nodes.map(async n => {
      await sleep(Math.floor(putRnd() * (FAULT_WINDOW_MS - 2_000)))
      await putDocsApi(n, NAMESPACES.map(ns => ({ id: `${ns}.${n.name}`, meta: `{"ns":"${ns}"}`, data: seededBytes(seed, `${ns}.${n.name}`, 2048) })))
    }))
    await faults
    const healed = Date.now()
    const want = model(t, names)
    // after the heal: the delta-T pull (every INTERVAL_S) once each link is redialled (backoff ≤ REDIAL_MAX_MS)
    const deadline = healed + 2 * INTERVAL_S * 1_000 + REDIAL_MAX_MS + 30_000
    let diff = await differences(nodes, want)
    while (diff.length > 0 && Date.now() < deadline) { await sleep(500); diff = await differences(nodes, want) }
    const convergedMs = Date.now() - healed
    // settled? every pair connected again, then a few intervals, and nothing more may have arrived
    await allConnected()
    await sleep(4 * INTERVAL_S * 1_000)
    diff = await differences(nodes, want)
    assert.deepEqual(diff, [], `topology ${describeTopology(t)}; partitions: ${schedule.join(', ')}`)
    return { schedule, convergedMs }
  } finally {
    stop.abort()
    await faults.catch(() => {})
    await mesh.close()
  }
}

describe('reliability R5: flag closure', function () {
  afterEach(async () => { await cleanupAll() })

  itExtended('R5 flag-closure: random peer tables for 3–5 nodes, puts during partitions: after the heal each node holds exactly the model\'s closure', async function () {
    const rng = seededRng('R5 flag-closure')
    const runs = Number(process.env.QUIRE_R5_RUNS ?? 50)
    const topologies = fc.sample(topologyArb, { seed: rng.seed, numRuns: runs })
    const started = Date.now()
    let slowest = 0
    for (const [k, t] of topologies.entries()) {
      const t0 = Date.now()
      let ran: { schedule: string[], convergedMs: number }
      try {
        ran = await runTopology(t, rng.seed, k)
      } catch (err: any) {
        throw new Error(`R5 topology ${k} of ${runs} (SEED=${rng.seed}): ${err.message}`)
      } finally {
        await cleanupAll()
      }
      slowest = Math.max(slowest, ran.convergedMs)
      console.log(`      R5 topology ${k}: ${t.n} nodes, ok in ${Date.now() - t0} ms, converged ${ran.convergedMs} ms after the heal: ${describeTopology(t)}; partitions: ${ran.schedule.join(', ')}`)
    }
    console.log(`      R5: ${runs} topologies in ${((Date.now() - started) / 1000).toFixed(0)} s; slowest convergence after a heal ${slowest} ms`)
  })
})
