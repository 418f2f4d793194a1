/**
 * Model-based tests of the reliability battery (reliability-battery.md):
 *  - P2 sim-model: fast-check command sequences (put, update, rm, partition, heal, crash, restart,
 *    corrupt) against an in-process 3-node cluster, checked after every sequence for I1, I2, I3,
 *    I5, I6 and against the sequential model (sim-model.ts);
 *  - R4 lock-race model check: concurrent updates of one document from 5 nodes, the observed
 *    history checked against a compare-and-set register (register-history.ts).
 * Nodes run in this process (real libp2p over TCP on 127.0.6.x, real LevelDB and file stores):
 * @libp2p/memory is not a dependency. Every randomized part prints SEED=… and reruns with it.
 *
 *   SEED=… npx mocha --no-config --timeout 300000 dist/test/reliability/model.spec.js
 *
 * The same SEED gives the same command sequences and schedules; what the network does with them
 * (timing) varies, so a failure found once is reported with its shrunk sequence, to be read.
 */
import assert from 'node:assert/strict'
import { AsyncLocalStorage } from 'node:async_hooks'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { exists } from '../fixtures/cli.js'
import { dataPath, hashesTo } from '../fixtures/damage.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { seedFromEnv, seededBytes } from '../fixtures/seed.js'
import { InProcCluster } from './harness/inproc.js'
import { assertInvariants, checkAcknowledged, checkModel, checkNoFork, holdings, waitConverged, type Held } from './harness/invariants.js'
import { scale } from './harness/tier.js'
import { NAMES, addRow, closureAgrees, commandArbitraries, emptyModel, reach, repairFromAny, type Model, type Real } from './harness/sim-model.js'
import { checkRegisterHistory, type Op } from './harness/register-history.js'
import { rawCidOf } from '../../src/model/cids.js'
import { verifyRevision } from '../../src/model/record.js'

/** This file's loopback addresses: 127.0.6.10 … 127.0.6.39 (subnet 6 is the model tests'). */
const ip = loopbackRange(10, 39, { subnet: 6 })

/** Delta-T of the in-process nodes, seconds: short, so convergence after a heal is quick. */
const DELTA_T = 1
/** I6 bound after the faults stop: several delta-T passes plus a fetch and a reconnect. */
const CONVERGE_MS = 20_000

async function waitTrue (cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out (${ms} ms) waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

describe('model-based reliability tests (P2 sim-model, R4 lock-race model check)', function () {
  describe('P2 sim-model: fast-check command sequences on an in-process 3-node cluster', function () {
    let c: InProcCluster
    let tmp: string

    /** Every row of the topology present and every listed pair connected. */
    async function restoreNetwork (): Promise<void> {
      for (const n of NAMES) if (!c.up(n)) await c.start(n)
      for (const a of NAMES) {
        for (const b of NAMES) {
          if (a !== b && !c.get(a).node!.site.peers.has(c.get(b).peerId)) await addRow(c, a, b)
        }
      }
      const missing = (): string[] => NAMES.flatMap(a => NAMES.filter(b => b !== a && !c.get(a).node!.links.isConnected(c.get(b).peerId))
        .map(b => `${a}→${b} (${c.get(a).node!.host.getConnections().filter(x => x.remotePeer.toString() === c.get(b).peerId).map(x => `${x.direction} ${x.status}`).join(', ') || 'no connection'})`))
      await waitTrue(() => missing().length === 0, 15_000, 'every pair connected').catch(err => { throw new Error(`${err.message}: not connected: ${missing().join('; ')}`) })
    }

    before(async function () {
      this.timeout(60_000)
      tmp = await mkdtemp(join(tmpdir(), 'quire-model-'))
      c = await InProcCluster.create([...NAMES], ip, DELTA_T)
      for (const n of NAMES) await c.start(n)
      await restoreNetwork()
    })

    after(async function () {
      await c?.close()
      await rm(tmp, { recursive: true, force: true })
    })

    /**
     * After a sequence: everything restarted and healed, damage repaired, a sync everywhere; then
     * I6 (within CONVERGE_MS), I1, I2, I3, I5 and the model's revisions, for this sequence's docs.
     */
    async function checkSequence (m: Model, r: Real): Promise<string[]> {
      for (const n of NAMES) await c.op(n, 'sync', {})
      // damage left by a command that had no connected source: once a good copy is reachable
      // (after the heal and the sync above, bounded), repair must succeed
      for (const key of [...m.damaged]) {
        const [n, id] = key.split(' ')
        const d = m.docs.find(x => x.id === id)!
        const deadline = Date.now() + 10_000
        while (!(await repairFromAny(m, r, n, d)) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 250))
      }
      const problems = [...m.damaged].map(k => `damage at ${k} not repaired within 10 s of the heal`)
      const expected = (name: string): Set<string> => new Set(m.docs.filter(d => reach(d, name) !== 'none').map(d => d.id))
      const views = NAMES.map(n => c.view(n))
      await waitConverged(views, expected, CONVERGE_MS, { dataExpected: (name, id) => reach(m.docs.find(d => d.id === id)!, name) === 'data' })
      const all: Array<{ name: string, docs: Map<string, Held> }> = []
      for (const v of views) {
        const docs = new Map([...(await holdings(v))].filter(([id]) => id.startsWith(`${r.ns}.`)))
        all.push({ name: v.name, docs })
        // I1 for this sequence's files (a failed sequence's damage must not fail the next, or shrinking)
        const cids = new Set([...docs.values()].map(h => h.cid).filter(x => x != null))
        for (const cid of cids) {
          const path = dataPath(v.home, cid!)
          if (await exists(path) && !(await hashesTo(path, cid!))) problems.push(`I1 ${v.name}: ${cid!} does not hash to its name`)
        }
        const mine = m.docs.filter(d => reach(d, v.name) !== 'none')
        problems.push(...checkAcknowledged(v.name, docs, new Map(mine.map(d => [d.id, d.rev]))))
        problems.push(...checkModel(v.name, docs, expected(v.name)))
        for (const d of mine) {
          const h = docs.get(d.id)
          if (h == null) continue
          // the sequential model: exactly the acknowledged revision (an unknown outcome may add one)
          if (h.rev !== d.rev && !(d.uncertain && h.rev === d.rev + 1)) problems.push(`model: ${v.name} holds ${d.id}@${h.rev}, model rev ${d.rev}`)
          if (h.deleted !== d.deleted) problems.push(`model: ${v.name} holds ${d.id} deleted=${h.deleted}, model ${d.deleted}`)
          if (reach(d, v.name) === 'meta' && h.local) problems.push(`I5 ${v.name}: holds ${d.id}'s data file, but gets its metadata only`)
        }
      }
      problems.push(...checkNoFork(all))
      return problems
    }

    it('the product\'s closure model (src/model/closure.ts) agrees with the BRIEF\'s worked example, the oracle I5 uses below', function () {
      assert.deepEqual(closureAgrees(), [])
    })

    const RUNS = scale(150, 2_000)
    const BUDGET_MS = scale(45_000, 40 * 60_000) // the battery's 45 s for Q
    const MAX_COMMANDS = 30
    /** how long the shrinking of a failure may go on past the budget */
    const SHRINK_MS = 90_000
    it(`as many sequences as fit in ${BUDGET_MS / 1000} s (of ${RUNS}; battery Q is 150 × ≤ 30 in 45 s, scaled down: real TCP nodes) × ≤ ${MAX_COMMANDS} commands: I1, I2, I3, I5, I6 and the sequential model hold after each`, async function () {
      this.timeout(BUDGET_MS + SHRINK_MS + 60_000)
      const seed = seedFromEnv('P2 sim-model')
      let runs = 0
      const counts = new Map<string, number>()
      const logs: string[] = []
      const started = Date.now()
      let failed = false
      await fc.assert(fc.asyncProperty(fc.commands(commandArbitraries(), { maxCommands: MAX_COMMANDS, size: 'max' }), async cmds => {
        // past the budget the remaining runs pass at once (not counted), but the shrinking of a
        // failure goes on (bounded by interruptAfterTimeLimit)
        if (!failed && Date.now() - started > BUDGET_MS) return
        const m = emptyModel()
        const r: Real = { c, seed, ns: `s${++runs}`, tmp, log: [], counts }
        try {
          try {
            await fc.asyncModelRun(() => ({ model: m, real: r }), cmds)
          } finally {
            // whatever happened, the next sequence (or shrink step) starts on a whole network
            await restoreNetwork()
            m.down.clear()
            m.cut.clear()
          }
          const problems = await checkSequence(m, r)
          if (problems.length > 0) logs.push(`${r.ns}: ${cmds.toString()}\n    ${r.log.join('\n    ')}`)
          assertInvariants(problems)
        } catch (err) {
          failed = true
          throw err
        }
      }), { seed, numRuns: RUNS, interruptAfterTimeLimit: BUDGET_MS + SHRINK_MS, markInterruptAsFailure: false, unbiased: true, verbose: 1 }).catch(err => {
        console.log(logs.join('\n'))
        throw err
      })
      const secs = (Date.now() - started) / 1000
      const commands = [...counts.values()].reduce((a, b) => a + b, 0)
      console.log(`      P2: ${runs} sequences, ${commands} commands run (${(commands / Math.max(1, runs)).toFixed(1)} a sequence) in ${secs.toFixed(1)} s: ${[...counts].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`)
      assert.ok(runs >= scale(5, 100), `only ${runs} sequences ran in the budget`)
    })
  })

  describe('R4 lock race: concurrent updates of one document checked against a compare-and-set register', function () {
    const NODES = ['H', 'R1', 'R2', 'R3', 'R4']
    const observed = new AsyncLocalStorage<{ base?: number }>()
    let c: InProcCluster
    let tmp: string

    before(async function () {
      this.timeout(60_000)
      tmp = await mkdtemp(join(tmpdir(), 'quire-r4-'))
      c = await InProcCluster.create(NODES, ip, 5)
      for (const n of NODES) await c.start(n)
      // H replicates to every requester, which lists H with an address (as locks.spec.ts)
      for (const r of NODES.slice(1)) {
        await c.op('H', 'peer.add', { target: c.get(r).addr, replicate: true, datareplicate: true })
        await c.op(r, 'peer.add', { target: c.get('H').addr })
      }
      await waitTrue(() => NODES.slice(1).every(r => c.get('H').node!.links.isConnected(c.get(r).peerId)), 15_000, 'H connected to every requester')
      // observe the base revision each update really asks the home's lock for (the register's
      // compare-and-set argument): the real call goes through unchanged
      for (const r of NODES.slice(1)) {
        const lock = c.get(r).node!.services.lock
        const acquire = lock.acquire.bind(lock)
        lock.acquire = async (home, req, signal) => {
          const seen = observed.getStore()
          if (seen != null) seen.base = Number(req.baseRev)
          return await acquire(home, req, signal)
        }
      }
    })

    after(async function () {
      await c?.close()
      await rm(tmp, { recursive: true, force: true })
    })

    const RUNS = scale(3, 30)
    const OPS = 20
    it(`${RUNS} runs × ${OPS} concurrent clients updating one document from 5 nodes (home + 4 requesters; ≤ 3 attempts each, retrying after OUTDATED), seeded start offsets: revisions gap-free, each acknowledged once, an order consistent with real time, failures changed nothing`, async function () {
      this.timeout(scale(60_000, 600_000))
      const seed = seedFromEnv('R4 lock race')
      let run = 0
      const summary: string[] = []
      const schedule = fc.array(fc.record({ node: fc.nat(NODES.length - 1), delayMs: fc.nat(30) }), { minLength: OPS, maxLength: OPS })
      await fc.assert(fc.asyncProperty(schedule, async plan => {
        const id = `r4.x${++run}`
        await writeFile(join(tmp, 'm0'), seededBytes(seed, `${id} 0`, 64))
        await c.op('H', 'put', { id, meta: join(tmp, 'm0') })
        for (const r of NODES.slice(1)) await waitTrue(async () => (await c.get(r).node!.site.docs.get(id))?.rev === 1, 10_000, `${r} to hold ${id}`)
        const startRev = 1
        const t0 = performance.now()
        // each planned update is a client: on OUTDATED it waits (bounded) for the newer revision to
        // reach it and tries again, up to 3 attempts; every attempt is one operation of the history
        const history: Op[] = []
        await Promise.all(plan.map(async ({ node, delayMs }, k) => {
          const name = NODES[node]
          const site = c.get(name).node!.site
          // the home's own updates start a moment later (as in locks.spec.ts): else they always win
          await new Promise(resolve => setTimeout(resolve, delayMs + (name === 'H' ? 50 : 0)))
          for (let attempt = 1; attempt <= 3; attempt++) {
            const bytes = seededBytes(seed, `${id} op ${k}.${attempt}`, 64)
            const meta = join(tmp, `${id}-${k}.${attempt}`)
            await writeFile(meta, bytes)
            const preBase = (await site.docs.get(id))!.rev
            const op = { label: `#${k}.${attempt} ${name}`, preBase, metaCid: rawCidOf(bytes).toString(), inv: performance.now() - t0 }
            const seen: { base?: number } = {}
            try {
              const res = await observed.run(seen, async () => await c.op(name, 'update', { id, meta, wait: 5 }))
              history.push({ ...op, base: seen.base, comp: performance.now() - t0, ok: true, rev: res.rev })
              return
            } catch (err: any) {
              history.push({ ...op, base: seen.base, comp: performance.now() - t0, ok: false, code: err.code, exitCode: err.exitCode })
              if (err.code !== 'outdated') return
            }
            await waitTrue(async () => (await site.docs.get(id))!.rev > preBase, 3_000, `${name} to catch up`).catch(() => {})
          }
        }))
        const home = c.get('H').node!.site
        const finalRev = (await home.docs.get(id))!.rev
        const metaAtRev = new Map<number, string>()
        for (const blob of await home.docs.history(id)) {
          const v = await verifyRevision(blob)
          metaAtRev.set(v.revision.rev, v.revision.meta.toString())
        }
        metaAtRev.delete(startRev)
        const wins = history.filter(o => o.ok)
        summary.push(`${id}: ${history.length} attempts, ${wins.length} committed (${wins.filter(w => !w.label.endsWith(' H')).length} by requesters), ${history.filter(o => o.code === 'outdated').length} outdated, ${history.filter(o => o.code === 'locked').length} locked`)
        assertInvariants(checkRegisterHistory(history, startRev, finalRev, metaAtRev))
      }), { seed, numRuns: RUNS, verbose: 1, endOnFailure: true }) // a shrink step is a whole run: the history says enough
      console.log(`      R4: ${summary.join('; ')}`)
    })
  })
})
