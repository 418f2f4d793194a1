/**
 * P4 soak (reliability-battery.md, N tier; Jepsen combined nemesis, Syncthing TestSyncCluster):
 * 4 nodes that send each other everything, each link through its own fault proxy, documents put
 * at random nodes for the first sixth of the run and then updated at random nodes (through their
 * home's lock), and every 10 s a seeded nemesis: kill -9 and restart, SIGSTOP
 * and SIGCONT, a partition (every link of a node clogged), or at-rest damage (a bit flipped in a
 * stored file, then `repair` from a partner). Invariants every 5 s: I8 status ≤ 2 s on every node
 * up, I1 every stored file hashes to its name (but the one just damaged, until repaired), I3 no
 * fork. At the end, faults healed: I6 convergence, I2 every acknowledged put everywhere, I5
 * (everything everywhere), audits clean, I4 signatures, I7 for nodes never restarted (A is never
 * killed, so I7 always has one): RSS and V8 heap flat after the warm-up (flatAfterWarmup), fds
 * bounded against the start.
 * A slow `status` is reported with the longest event-loop delay in the node (from its /metrics)
 * and in this process during that call, so a blocked node can be told from a starved machine.
 * QUIRE_SOAK_MIN sets the duration (default 60 min, the battery's N-tier length).
 */
import assert from 'node:assert/strict'
import { loadavg } from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { cleanupAll, sleep, startServe } from '../fixtures/cli.js'
import { metric, op, serveNode, type ClusterNode } from '../fixtures/cluster.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { seededBytes, seededRng } from '../fixtures/seed.js'
import { dataPath, flipBit } from '../fixtures/damage.js'
import { itExtended } from './harness/tier.js'
import { clog, longOp, makeMesh, tmpFile, unclog, type Mesh } from './harness/nightly.js'
import { cont, kill9, pause } from './harness/processes.js'
import { HashTracker } from './harness/store-watcher.js'
import {
  assertInvariants, checkCluster, checkLiveness, checkNoFork, checkResources, checkSignatures, holdings, resources, waitConverged
} from './harness/invariants.js'
import { REDIAL_MAX_MS } from '../../src/node/partners.js'

const ip = loopbackRange(170, 199, { subnet: 5 })
const INTERVAL = ['--interval', '2']
const I8_BOUND_MS = 2_000
/**
 * Documents per `ls` call in the checks during the run: the CLI's default page. A node's RSS
 * high-water follows the largest page it has listed (in one process, 8,000 documents listed 20
 * times: 174 MiB in pages of 1,000, 304 in pages of 5,000, 388 in one page), so a fixed page keeps
 * the load per call the same while the store grows, and I7's trend sees leaks, not page sizes.
 */
const CHECK_PAGE = 1000

/** `xs` (in order) cut into six slices of (nearly) equal length, NaN left out. */
function sixths (xs: number[]): number[][] {
  return Array.from({ length: 6 }, (_, i) => xs.slice(Math.floor(i * xs.length / 6), Math.floor((i + 1) * xs.length / 6)).filter(x => !Number.isNaN(x)))
}
const highs = (xs: number[]): number[] => sixths(xs).map(s => s.length > 0 ? Math.max(...s) : NaN)
const lows = (xs: number[]): number[] => sixths(xs).map(s => s.length > 0 ? Math.min(...s) : NaN)
const medians = (xs: number[]): number[] => sixths(xs).map(s => [...s].sort((a, b) => a - b)[Math.floor(s.length / 2)] ?? NaN)
const mib = (xs: number[]): string => `${xs.map(v => v.toFixed(0)).join(', ')} MiB`

/**
 * I7's "flat (±10 %)" for a node never restarted, after warm-up: a sixth-of-the-run figure (A's
 * highest RSS; A's lowest V8 heap in use) in the last sixth against the second. The first sixth is
 * warm-up: a node's RSS climbs at its first heavy calls to the high-water mark of V8's heap (V8
 * keeps those pages mapped) and stays there — an idle node holding 8,000 documents, listed 300
 * times in pages of 5,000, went 142 → 345 MiB in the first 25 listings and 345 → 351 MiB in the
 * next 275 — so the idle RSS at the start is no baseline. A leak in native memory raises RSS after
 * the warm-up; one in the JS heap raises the heap's low points (it can grow inside pages RSS
 * already counts). Only growth fails: shrinking is not a leak.
 * The store stops growing after the first sixth (the writer updates documents from then on), so
 * the figures are compared at one store size. Judged only for runs of MIN_TREND_MIN minutes or more.
 */
const FLAT = 0.1
const MIN_TREND_MIN = 30
function notJudged (minutes: number): string | null {
  return minutes < MIN_TREND_MIN ? `a ${minutes}-minute run (needs ${MIN_TREND_MIN})` : null
}
function flatAfterWarmup (what: string, bySixth: number[]): string[] {
  const [second, last] = [bySixth[1], bySixth[5]]
  if (!Number.isFinite(second) || !Number.isFinite(last)) return [`I7 ${what}: no samples in the second or the last sixth`]
  return last > second * (1 + FLAT) ? [`I7 ${what} not flat after warm-up: ${last.toFixed(0)} MiB in the last sixth, ${second.toFixed(0)} MiB in the second (bound +${FLAT * 100} %)`] : []
}

/** The median, 99th percentile and maximum of `xs` (nearest rank), in whole ms. */
function spread (xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b)
  const at = (q: number): number => Math.round(s[Math.max(0, Math.ceil(q * s.length) - 1)] ?? NaN)
  return `median ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms over ${s.length} calls`
}

describe('reliability P4: soak', function () {
  let mesh: Mesh | undefined
  afterEach(async () => { await mesh?.close(); mesh = undefined; await cleanupAll() })

  itExtended('P4 soak: 4 nodes, mixed nemesis every 10 s, invariants every 5 s, convergence at the end', async function () {
    const rng = seededRng('P4 soak')
    const minutes = Number(process.env.QUIRE_SOAK_MIN ?? 60)
    mesh = await makeMesh(['A', 'B', 'C', 'D'], ip, ['--replicate', '--datareplicate', '--hub'])
    const nodes = mesh.nodes
    await Promise.all(nodes.map(async n => await serveNode(n, INTERVAL)))
    const down = new Set<ClusterNode>()
    const paused = new Set<ClusterNode>()
    const restarted = new Set<ClusterNode>()
    /** files damaged on purpose and not yet repaired, by node (I1 does not count them) */
    const damaged = new Map<ClusterNode, Set<string>>(nodes.map(n => [n, new Set()]))
    /** when each damaged file was repaired, by node: a scan that began before a repair may have
     * hashed the damaged copy, and the repair may end before that scan does */
    const repairedAt = new Map<ClusterNode, Map<string, number>>(nodes.map(n => [n, new Map()]))
    const excused = (n: ClusterNode, name: string, scanStart: number): boolean =>
      damaged.get(n)!.has(name) || (repairedAt.get(n)!.get(name) ?? -Infinity) >= scanStart
    const up = (): ClusterNode[] => nodes.filter(n => !down.has(n) && !paused.has(n))
    /** kills and pauses begun or ended, by node: a call that spans one is not timed against I8 */
    const faultSteps = new Map<ClusterNode, number>(nodes.map(n => [n, 0]))
    const faultStep = (n: ClusterNode): void => { faultSteps.set(n, faultSteps.get(n)! + 1) }
    const nodeLagMs = async (n: ClusterNode): Promise<number> =>
      await metric(n, 'quire_process_nodejs_eventloop_lag_max_seconds').then(v => Math.round(v * 1000), () => NaN)
    await sleep(3_000)
    const baseline = new Map(await Promise.all(nodes.map(async n => [n, await resources(n.served!.pid)] as const)))

    const deadline = Date.now() + minutes * 60_000
    /** puts and updates acknowledged: the revision each document must reach everywhere (I2) */
    const acked = new Map<string, number>()
    /** puts whose reply did not come: stored or not, but then everywhere or nowhere */
    const maybe = new Set<string>()
    const problems: string[] = []
    const counts: Record<string, number> = { kill: 0, pause: 0, partition: 0, bitflip: 0, repaired: 0, puts: 0, putErrors: 0, updates: 0, updateErrors: 0, checks: 0 }

    // after the warm-up the store stops growing: documents are updated (through their home's lock),
    // not added, so that I7 is judged at one store size (a node's RSS follows its store's size)
    const steadyFrom = Date.now() + minutes * 60_000 / 6
    const writer = (async () => {
      let i = 0
      while (Date.now() < deadline) {
        const n = rng.pick(up())
        if (n != null && (Date.now() < steadyFrom || acked.size === 0)) {
          const id = `soak.${n.name}-${i++}`
          try {
            await op(n, 'put', { id, meta: await tmpFile(`${id}.m`, `{"i":${i}}`), data: await tmpFile(`${id}.d`, seededBytes(rng.seed, id, rng.int(1, 128 * 1024))) })
            acked.set(id, 1)
            counts.puts++
          } catch { counts.putErrors++; maybe.add(id) }
        } else if (n != null) {
          const id = rng.pick([...acked.keys()])!
          const tag = `${id}.u${i++}`
          try {
            const r = await op(n, 'update', { id, meta: await tmpFile(`${tag}.m`, `{"u":${i}}`), data: await tmpFile(`${tag}.d`, seededBytes(rng.seed, tag, rng.int(1, 128 * 1024))) })
            acked.set(id, Math.max(acked.get(id)!, r.rev))
            counts.updates++
          } catch { counts.updateErrors++ } // not stored, or stored unseen: either way no revision is owed
        }
        await sleep(rng.int(100, 500))
      }
    })()

    const i1 = new Map(nodes.map(n => [n, new HashTracker(n.home)]))
    const statusMs: number[] = []
    const heapA: number[] = []
    /** RSS at each check of each node until it is first killed (I7), and how many documents A holds then */
    const rss = new Map<ClusterNode, number[]>(nodes.map(n => [n, []]))
    const docsA: number[] = []
    /** this process's event-loop delay since the last check (a blocked test process slows every call it times) */
    const ownLag = monitorEventLoopDelay({ resolution: 20 })
    ownLag.enable()
    const checker = (async () => {
      while (Date.now() < deadline) {
        await sleep(5_000)
        counts.checks++
        const live = up()
        const found: string[] = []
        // A's V8 heap in use after each check's calls: a leak raises its low points over the run,
        // the garbage of each check's listing does not
        if (up().includes(nodes[0])) heapA.push(await metric(nodes[0], 'quire_process_nodejs_heap_size_used_bytes').then(v => v / 2 ** 20, () => NaN))
        for (const n of nodes) if (!restarted.has(n)) rss.get(n)!.push(await resources(n.served!.pid).then(r => r.rssMiB, () => NaN))
        for (const n of live) {
          // both lag monitors start with the call: prom-client resets the node's at each scrape
          await nodeLagMs(n)
          ownLag.reset()
          const faultsBefore = faultSteps.get(n)
          const took: number[] = []
          const p = await checkLiveness(n, I8_BOUND_MS, took)
          // killed or paused by the nemesis while it was asked: not a liveness failure
          if (down.has(n) || paused.has(n) || faultSteps.get(n) !== faultsBefore) continue
          statusMs.push(...took)
          if (p.length === 0) continue
          const lag = `longest event-loop delay during the call (timer resolution included): node ${await nodeLagMs(n)} ms, test process ${Math.round(ownLag.max / 1e6)} ms; load ${loadavg()[0].toFixed(1)}`
          found.push(...p.map(x => `${x}; ${lag}`))
        }
        for (const n of nodes) {
          const scanStart = Date.now()
          const bad = (await i1.get(n)!.newlyFailing()).map(f => f.name).filter(name => !excused(n, name, scanStart))
          found.push(...bad.map(b => `I1 ${n.name}: ${b} does not hash to its name`))
        }
        const all = await Promise.all(live.map(async n => ({ name: n.name, docs: await holdings(n, CHECK_PAGE).catch(() => new Map()) })))
        const listedA = all.find(h => h.name === nodes[0].name)?.docs
        docsA.push(listedA != null && listedA.size > 0 ? listedA.size : NaN) // a failed listing reads as empty
        found.push(...checkNoFork(all))
        for (const p of found) problems.push(`${new Date().toISOString()} ${p}`)
      }
    })()

    const nemesis = async (): Promise<void> => {
      const kind = rng.pick(['kill', 'pause', 'partition', 'bitflip'] as const)
      const n = rng.pick(kind === 'kill' ? nodes.slice(1) : nodes)
      const others = nodes.filter(m => m !== n)
      switch (kind) {
        case 'kill':
          down.add(n); restarted.add(n); faultStep(n); await kill9(n); await sleep(rng.int(1_000, 3_000))
          await restart(n); down.delete(n); faultStep(n); counts.kill++
          break
        case 'pause':
          paused.add(n); faultStep(n); pause(n); await sleep(rng.int(2_000, 6_000)); cont(n); paused.delete(n); faultStep(n); counts.pause++
          break
        case 'partition': {
          const links = mesh!.linksOf(n.name)
          for (const l of links) clog(l)
          await sleep(rng.int(3_000, 7_000))
          for (const l of links) unclog(l)
          counts.partition++
          break
        }
        case 'bitflip': {
          // a file this node holds and some partner holds too (the repair source)
          const held = await Promise.all(others.map(async m => ({ m, docs: await holdings(m, CHECK_PAGE) })))
          const docs = [...(await holdings(n, CHECK_PAGE)).values()].filter(d => d.local && d.cid != null && !damaged.get(n)!.has(d.cid) &&
            held.some(h => h.docs.get(d.id)?.local === true && h.docs.get(d.id)?.cid === d.cid))
          if (docs.length === 0) break
          const d = rng.pick(docs)
          const from = rng.pick(held.filter(h => h.docs.get(d.id)?.local === true && h.docs.get(d.id)?.cid === d.cid)).m
          damaged.get(n)!.add(d.cid!)
          await flipBit(dataPath(n.home, d.cid!))
          counts.bitflip++
          const r = await longOp(n, 'repair', { id: d.id, from: from.peerId }, 60_000).catch(err => ({ error: err.message }))
          if ('error' in r) problems.push(`repair of ${d.id} at ${n.name} from ${from.name}: ${r.error}`)
          else { repairedAt.get(n)!.set(d.cid!, Date.now()); damaged.get(n)!.delete(d.cid!); counts.repaired++ }
          break
        }
      }
    }

    /** restart after kill -9, bounded at 60 s (a loaded machine); the slowest is reported */
    let slowestRestart = 0
    const restart = async (n: ClusterNode): Promise<void> => {
      const t = Date.now()
      n.served = await startServe(n.home, INTERVAL, { timeoutMs: 60_000 })
      slowestRestart = Math.max(slowestRestart, Date.now() - t)
    }
    while (Date.now() < deadline) {
      const t = Date.now()
      // an API call over its bound while choosing or doing a fault is a problem, not the end
      await nemesis().catch(err => { problems.push(`${new Date().toISOString()} nemesis: ${err.message}`) })
      await sleep(Math.max(0, 10_000 - (Date.now() - t)))
    }
    await Promise.all([writer, checker])
    ownLag.disable()
    for (const l of mesh.links.values()) unclog(l)
    console.log(`      P4: ${minutes} min: ${JSON.stringify(counts)}; slowest restart ${slowestRestart} ms; problems during: ${problems.length}`)
    console.log(`      P4 status (I8, bound ${I8_BOUND_MS} ms): ${spread(statusMs)}`)
    console.log(`      P4 A's heap in use, lowest of each sixth of the run: ${mib(lows(heapA))}; documents at A, highest of each sixth: ${highs(docsA).join(', ')}`)
    for (const p of problems.slice(0, 10)) console.log(`      P4 during: ${p}`)

    const bound = 2 * 2_000 + REDIAL_MAX_MS + 60_000
    for (const n of nodes) for (const id of (await holdings(n)).keys()) if (maybe.has(id)) acked.set(id, 1)
    const ids = new Set(acked.keys())
    const took = await waitConverged(nodes, () => ids, bound)
    console.log(`      P4: converged ${took} ms after the last fault; ${acked.size} documents`)
    assertInvariants(await checkCluster(nodes, { acked: new Map(nodes.map(n => [n.name, acked])), model: new Map(nodes.map(n => [n.name, ids])) }))
    const i7: string[] = []
    const skip = notJudged(minutes)
    if (skip != null) console.log(`      P4 I7: RSS and heap trends not judged: ${skip}`)
    else i7.push(...flatAfterWarmup("A's heap in use (lowest)", lows(heapA)))
    for (const n of nodes) {
      const now = await resources(n.served!.pid)
      const b = baseline.get(n)!
      const series = rss.get(n)!
      // the end figure is read after the final checks, which list in pages of 5,000: the last sample is the run's
      const trend = restarted.has(n) ? '' : `; highest of each sixth ${mib(highs(series))}, median ${mib(medians(series))}, last sample ${series.at(-1)?.toFixed(0)} MiB`
      console.log(`      P4 ${n.name}${restarted.has(n) ? ' (restarted)' : ''}: RSS ${b.rssMiB.toFixed(0)} → ${now.rssMiB.toFixed(0)} MiB${trend}, fds ${b.fds} → ${now.fds}`)
      if (restarted.has(n)) continue
      if (skip == null) i7.push(...flatAfterWarmup(`${n.name}'s RSS (highest)`, highs(series)))
      i7.push(...await checkResources(n, b, { fdsGrow: Math.max(16, Math.ceil(b.fds * 0.1)) }))
    }
    for (const n of nodes) {
      const report = await longOp(n, 'audit', {}, 300_000)
      assert.equal(report.corrupt.length, 0, `${n.name}'s final audit: ${JSON.stringify(report.corrupt.slice(0, 3))}`)
    }
    for (const n of nodes) await n.served!.stop(20_000)
    assertInvariants((await Promise.all(nodes.map(checkSignatures))).flat())
    // I7 after the stored state (audits, signatures): a resource finding must not hide those
    assertInvariants(i7)
    // the end state first (above), then what went wrong during the faults
    assert.deepEqual(problems.slice(0, 20), [], `problems during the soak (${problems.length})`)
  })
})

