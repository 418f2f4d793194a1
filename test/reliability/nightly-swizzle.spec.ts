/**
 * N2 swizzle-clog (reliability-battery.md, N tier; FoundationDB's swizzle-clogging): 4 nodes, each
 * listing the others (replicate, datareplicate, hub) through a fault proxy per directed link.
 * Each round picks a random subset of nodes, clogs every link of each one by one (1 byte/s each
 * way: connections stay open, nothing moves), then unclogs them all in a random order, while
 * documents are put at random nodes. QUIRE_N2_ROUNDS sets the rounds (default 30).
 * Pass (as N1): after the last unclog, every node holds every document at the newest revision
 * within 2·Δt plus the redial back-off (I6, I5: the model here is "everything everywhere"),
 * no fork (I3), every acknowledged put present (I2), every stored revision signed by its home (I4),
 * status ≤ 2 s (I8), files hash to their names (I1). I3 and I8 are also checked after every round.
 */
import { cleanupAll, sleep } from '../fixtures/cli.js'
import { op, serveNode } from '../fixtures/cluster.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { seededBytes, seededRng, type Rng } from '../fixtures/seed.js'
import { itExtended } from './harness/tier.js'
import { clog, makeMesh, tmpFile, unclog, type Mesh } from './harness/nightly.js'
import { assertInvariants, checkCluster, checkLiveness, checkNoFork, checkSignatures, holdings, waitConverged } from './harness/invariants.js'
import { REDIAL_MAX_MS } from '../../src/node/partners.js'

const ip = loopbackRange(30, 69, { subnet: 5 })
const INTERVAL_S = 2

function shuffle<T> (rng: Rng, items: T[]): T[] {
  const a = [...items]
  for (let i = a.length - 1; i > 0; i--) { const j = rng.int(0, i); [a[i], a[j]] = [a[j], a[i]] }
  return a
}

describe('reliability N2: swizzle-clog', function () {
  let mesh: Mesh | undefined
  afterEach(async () => { await mesh?.close(); mesh = undefined; await cleanupAll() })

  itExtended('N2 swizzle-clog: 4 nodes, 30 rounds of clogging node subsets link by link: convergence, I2–I6', async function () {
    const rng = seededRng('N2 swizzle-clog')
    const rounds = Number(process.env.QUIRE_N2_ROUNDS ?? 30)
    mesh = await makeMesh(['A', 'B', 'C', 'D'], ip, ['--replicate', '--datareplicate', '--hub'])
    const nodes = mesh.nodes
    await Promise.all(nodes.map(async n => await serveNode(n, ['--interval', String(INTERVAL_S)])))

    const acked = new Map<string, Map<string, number>>(nodes.map(n => [n.name, new Map()]))
    const all = new Set<string>()
    let writes = 0
    let writeErrors = 0
    /** puts whose reply did not come (e.g. the API's 5 s bound): stored or not, but then everywhere or nowhere */
    const maybe = new Set<string>()
    let stop = false
    const writer = (async () => {
      while (!stop) {
        const n = rng.pick(nodes)
        const id = `swz.${n.name}-${writes++}`
        try {
          const data = await tmpFile(`${id}.d`, seededBytes(rng.seed, id, rng.int(1, 64 * 1024)))
          const r = await op(n, 'put', { id, meta: await tmpFile(`${id}.m`, `{"id":"${id}"}`), data })
          all.add(id)
          for (const m of nodes) acked.get(m.name)!.set(id, r.rev)
        } catch { writeErrors++; maybe.add(id) }
        await sleep(rng.int(50, 300))
      }
    })()

    const started = Date.now()
    const during: string[] = []
    for (let round = 0; round < rounds; round++) {
      const subset = shuffle(rng, nodes).slice(0, rng.int(1, 3))
      const links = [...new Set(subset.flatMap(n => mesh!.linksOf(n.name)))]
      for (const l of links) { clog(l); await sleep(rng.int(50, 250)) }
      await sleep(rng.int(500, 2_000))
      for (const l of shuffle(rng, links)) { unclog(l); await sleep(rng.int(50, 250)) }
      // I3 and I8 must hold during the faults too (I1, I5, I6 at the end: hashing every file each
      // round would make the rounds ever slower); all listed at the end
      const live: string[] = []
      for (const n of nodes) live.push(...await checkLiveness(n))
      try {
        live.push(...checkNoFork(await Promise.all(nodes.map(async n => ({ name: n.name, docs: await holdings(n) })))))
      } catch (err: any) {
        live.push(`ls failed: ${err.message}`) // an API call over its 5 s bound
      }
      for (const p of live) during.push(`round ${round} (${subset.map(n => n.name).join('')}): ${p}`)
    }
    stop = true
    await writer
    const faultMs = Date.now() - started
    const bound = 2 * INTERVAL_S * 1000 + REDIAL_MAX_MS + 30_000
    // an outcome-unknown put that some node holds must reach every node like the others
    for (const n of nodes) for (const id of (await holdings(n)).keys()) if (maybe.has(id)) all.add(id)
    const took = await waitConverged(nodes, () => all, bound)
    console.log(`      N2: ${rounds} rounds in ${(faultMs / 1000).toFixed(0)} s; ${all.size} puts acknowledged, ${writeErrors} failed; converged ${took} ms after the last unclog (bound ${bound}); problems during the rounds: ${during.length}`)
    for (const p of during.slice(0, 10)) console.log(`      N2 during: ${p}`)
    assertInvariants(await checkCluster(nodes, { acked, model: new Map(nodes.map(n => [n.name, all])) }))
    for (const n of nodes) await n.served!.stop()
    const sigs = (await Promise.all(nodes.map(checkSignatures))).flat()
    assertInvariants(sigs)
    assertInvariants(during)
  })
})
