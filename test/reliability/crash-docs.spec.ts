/**
 * Reliability battery, "Crash and durability", the document rows:
 *   C4 kill9-doc-storm: SIGKILL a node again and again while eight workers put and update
 *      documents through the CLI (N tier: through the API);
 *   C5 kill9-home-mid-lock: the home dies (QUIRE_FAULTS) at lock.granted and at rev.signed while a
 *      partner updates one of its documents.
 * Real `quire serve` processes on 127.0.3.x (this file: .130–.249), real TCP, real LevelDB.
 * Randomized cases print SEED=…; `SEED=… npx mocha --no-config dist/test/reliability/crash-docs.spec.js`
 * replays the same schedule (the interleaving with the OS is not replayed, the choices are).
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { api, cleanupAll, quire, readNodeJson, sleep, waitFor, type QuireResult } from '../fixtures/cli.js'
import { addPeer, op, sub, waitConnected, withDb, type ClusterNode } from '../fixtures/cluster.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { seededRng } from '../fixtures/seed.js'
import { makeNode, serveSlow } from './crash-common.js'
import { assertInvariants, checkAcknowledged, checkCluster, checkNoFork, checkSignatures, holdings, waitConverged, type Held } from './harness/invariants.js'
import { kill9 } from './harness/processes.js'
import { EXTENDED, scale } from './harness/tier.js'

const ip = loopbackRange(130, 249, { subnet: 3, spread: true })

let tmp: string

/** Start serve, retrying while an offline CLI command holds the store's LevelDB lock (it will let go). */
async function serveRetrying (node: ClusterNode, args: string[], env?: NodeJS.ProcessEnv): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      await serveSlow(node, args, env)
      return attempt
    } catch (err: any) {
      node.served = undefined
      if (attempt >= 10) throw err
      await sleep(300)
    }
  }
}

/** Revisions 1..rev of every document a stopped node holds are all stored: no gap, no stray. */
async function revGaps (node: ClusterNode): Promise<string[]> {
  return await withDb(node.home, async db => {
    const revs = new Map<string, number[]>()
    for await (const key of sub(db, 'revs').keys()) {
      const [id, hex] = String(key).split('\x00')
      revs.set(id, [...(revs.get(id) ?? []), parseInt(hex, 16)])
    }
    const out: string[] = []
    for await (const [id, e] of sub(db, 'docs').iterator()) {
      const have = (revs.get(id) ?? []).sort((a, b) => a - b)
      const want = Array.from({ length: e.rev }, (_, i) => i + 1)
      if (have.join(',') !== want.join(',')) out.push(`${node.name} ${id}: current rev ${e.rev}, revisions stored ${have.join(',')}`)
    }
    return out
  })
}

describe('reliability: crash and durability, documents and locks', function () {
  this.timeout(Number(process.env.CRASH_TIMEOUT_MS ?? 300_000))

  beforeEach(async function () {
    tmp = await mkdtemp(join(tmpdir(), 'quire-crash-docs-'))
  })

  afterEach(async function () {
    await cleanupAll()
    await rm(tmp, { recursive: true, force: true })
  })

  // C4_OPS / C4_KILLS override the tier's figures for a run by hand (e.g. on a swamped machine)
  // Q: half the battery's 300 ops and 10 kills, for CI's 30 minutes (each CLI op is a process)
  const C4_OPS = Number(process.env.C4_OPS ?? scale(150, 5000))
  const C4_KILLS = Number(process.env.C4_KILLS ?? scale(5, 50))
  const C4_WORKERS = 8
  /** Δt for C4, seconds: convergence must come within 2·Δt */
  const C4_INTERVAL = 5
  it(`C4 kill9-doc-storm: ${C4_KILLS} SIGKILLs while ${C4_WORKERS} workers make ${C4_OPS} ${EXTENDED ? 'API' : 'CLI'} puts and updates; every acknowledged op survives, no rev gaps, the partner converges within 2·Δt`, async function () {
    const rng = seededRng('C4')
    const [A, B] = [await makeNode('c4-A', ip), await makeNode('c4-B', ip)]
    await addPeer(A, B, ['--replicate'])
    await addPeer(B, A)
    const args = ['--interval', String(C4_INTERVAL)]
    await Promise.all([serveSlow(A, args), serveSlow(B, args)])
    await waitConnected(B, A)

    // the workers: each owns its documents; an op is a put of a new one or an update of one it
    // already has acknowledged (seeded choice); `acked` keeps id → {rev, metadata} of the last exit 0
    const acked = new Map<string, { rev: number, meta: string }>()
    const counts = { ok: 0, failed: 0, exits: new Map<string, number>() }
    let next = 0
    const choices = Array.from({ length: C4_OPS }, () => rng.next())
    const runOp = async (w: number, i: number, mine: string[]): Promise<void> => {
      const update = mine.length > 0 && choices[i] < 0.5
      const id = update ? mine[Math.floor(choices[i] * 2 * mine.length)] : `c4.w${w}-${i}`
      const body = JSON.stringify({ worker: w, op: i, id })
      const meta = join(tmp, `op-${i}.json`)
      await writeFile(meta, body)
      let rev: number | null = null
      let exit: string
      if (EXTENDED) {
        const info = await readNodeJson(A.home)
        try {
          rev = info == null ? null : (await api(info, update ? 'update' : 'put', { id, meta }, 15_000)).rev
          exit = rev != null ? '0' : 'no node'
        } catch (err: any) { exit = String(err.message).slice(0, 40) }
      } else {
        let r: QuireResult | null = null
        try { r = await quire([update ? 'update' : 'put', id, '--meta', meta, '--home', A.home, '--json'], { timeoutMs: 60_000 }) } catch {}
        exit = `${r?.code ?? 'timeout'}${r != null && r.code !== 0 ? ` ${r.errorJson?.code ?? '?'}` : ''}`
        if (r?.code === 0) rev = r.json.rev
      }
      counts.exits.set(exit, (counts.exits.get(exit) ?? 0) + 1)
      if (process.env.C4_DEBUG != null) console.log(`        op ${i} w${w} ${update ? 'update' : 'put'} ${id}: exit ${exit} at ${new Date().toISOString()}`)
      if (rev == null) { counts.failed++; return }
      counts.ok++
      acked.set(id, { rev, meta: body })
      if (!update) mine.push(id)
    }
    // while the node is down the workers hold back new ops (in-flight ones run on, and may go
    // offline): eight CLI processes taking turns on the store's LevelDB lock would starve the restart
    let down: Promise<void> | null = null
    const workers = Array.from({ length: C4_WORKERS }, async (_, w) => {
      const mine: string[] = []
      while (next < C4_OPS) {
        while (down != null) await down
        await runOp(w, next++, mine)
      }
    })

    // the killer: kill i comes once i/(KILLS+1) of the ops have started, plus a seeded delay;
    // the node stays down a seeded 0–500 ms (the CLI works offline meanwhile)
    const restarts: number[] = []
    const killer = (async () => {
      for (let i = 1; i <= C4_KILLS; i++) {
        await waitFor(() => next >= (i * C4_OPS) / (C4_KILLS + 1), 240_000, `op ${Math.ceil((i * C4_OPS) / (C4_KILLS + 1))} to start`, 20)
        await sleep(rng.int(0, 300))
        let up = (): void => {}
        down = new Promise<void>(resolve => { up = resolve })
        await kill9(A)
        await sleep(rng.int(0, 500))
        restarts.push(await serveRetrying(A, args))
        down = null
        up()
        if (i % 5 === 0 || process.env.C4_DEBUG != null) console.log(`      … ${i} kills, ${next} ops started, ${counts.ok} acknowledged`)
      }
    })()
    await Promise.all([...workers, killer])
    console.log(`      ${C4_OPS} ops: ${counts.ok} acknowledged, ${counts.failed} failed (exits ${JSON.stringify(Object.fromEntries(counts.exits))}); ${C4_KILLS} kills, starts needed per restart ${restarts.join(',')}`)
    // a CLI op cut off by a kill fails as unreachable (3) or outcome unknown (4), never as a
    // problem found (1) or a usage error (2); 'timeout' is the test's own 60 s bound
    if (!EXTENDED) assert.deepEqual([...counts.exits.keys()].filter(e => !/^(0|3 |4 |timeout)/.test(e)), [], 'exit codes of ops cut off by a kill')
    assert.ok(counts.ok >= C4_OPS / 3, 'at least a third of the ops were acknowledged (else the storm tested little)')

    // I2: every acknowledged op is there, at its revision or later, and at that revision with its metadata
    const ready = Date.now() // the storm is over: the last op and the last restart are done
    await waitConnected(B, A, 30_000)
    const atA = await holdings(A)
    const ackedRevs = new Map([...acked].map(([id, a]) => [id, a.rev]))
    const lost = checkAcknowledged('c4-A', atA, ackedRevs)
    for (const [id, a] of acked) {
      if (atA.get(id)?.rev !== a.rev) continue
      const out = join(tmp, `check-${id}`)
      await op(A, 'get', { id, metaOut: out })
      if (await readFile(out, 'utf8') !== a.meta) lost.push(`I2 c4-A: ${id} rev ${a.rev} holds other metadata than the acknowledged op wrote`)
    }
    assertInvariants(lost)
    // I6 + I3: B converges on A's (id, rev, record) within 2·Δt of the storm's end (the faults stop)
    const ids = new Set(atA.keys())
    await waitConverged([A, B], () => ids, 2 * C4_INTERVAL * 1000 + 30_000)
    const since = Date.now() - ready
    console.log(`      ${ids.size} documents; B converged ${(since / 1000).toFixed(1)} s after the storm ended (2·Δt = ${2 * C4_INTERVAL} s)`)
    assert.ok(since <= 2 * C4_INTERVAL * 1000, `B converged ${since} ms after the storm ended: more than 2·Δt`)
    assertInvariants(await checkCluster([A, B], { acked: new Map([['c4-A', ackedRevs], ['c4-B', ackedRevs]]) }))
    await Promise.all([A.served!.stop(), B.served!.stop()])
    // LevelDB opens (withDb), no rev gaps at the home, every revision signed by its home (I4)
    assertInvariants([...await revGaps(A), ...await checkSignatures(A), ...await checkSignatures(B)])
  })

  it('C5 kill9-home-mid-lock: the home dies at lock.granted (5×) and at rev.signed (5×) during a partner\'s update; no lock held forever, no fork, never a silent no-op', async function () {
    const POINTS = ['lock.granted', 'rev.signed', 'lock.granted', 'rev.signed', 'lock.granted', 'rev.signed', 'lock.granted', 'rev.signed', 'lock.granted', 'rev.signed']
    const TTL_MS = 30_000 // DEFAULT_LEASE_MS (src/model/leases.ts)
    const [H, P] = [await makeNode('c5-home', ip), await makeNode('c5-peer', ip)]
    await addPeer(H, P, ['--replicate']) // updates on by default: H grants P locks
    await addPeer(P, H)
    const args = ['--interval', '2']
    // the home's process always has the next crash armed: hit 1 in the first, then hit 2 (hit 1 is
    // the check that the next update goes through)
    await Promise.all([serveSlow(H, args, { QUIRE_FAULTS: `crash@${POINTS[0]}:1` }), serveSlow(P, args)])
    await waitConnected(P, H)
    const id = 'c5.doc'
    const metaPath = join(tmp, 'c5.meta')
    await writeFile(metaPath, JSON.stringify({ v: 0 }))
    await op(H, 'put', { id, meta: metaPath })
    await waitFor(async () => (await op(P, 'get', { id }).catch(() => null))?.rev === 1, 20_000, 'P to get rev 1')

    const update = async (v: string): Promise<QuireResult> => {
      const m = join(tmp, `c5-${v}.meta`)
      await writeFile(m, JSON.stringify({ v }))
      return await quire(['update', id, '--meta', m, '--home', P.home, '--json'], { timeoutMs: 60_000 })
    }
    const snapshots: Array<{ name: string, docs: Map<string, Held> }> = []
    const lines: string[] = []
    for (const [i, point] of POINTS.entries()) {
      const before = (await op(H, 'get', { id })).rev as number
      const r = await update(`crash-${i}`)
      const exit = await waitFor(async () => H.served!.proc.signalCode != null ? H.served!.exited : null, 20_000, `the home to die at ${point}`)
      assert.equal(exit.signal, 'SIGKILL')
      assert.match(H.served!.stderr(), new RegExp(`QUIRE_FAULTS crash at ${point.replace('.', '\\.')}`), `the home died at ${point}`)
      H.served = undefined
      snapshots.push({ name: `P after crash ${i}`, docs: await holdings(P) })
      // restart, the following crash armed for its second hit
      const ready = Date.now()
      await serveSlow(H, args, i + 1 < POINTS.length ? { QUIRE_FAULTS: `crash@${POINTS[i + 1]}:2` } : undefined)
      const atHome = (await op(H, 'get', { id })).rev as number
      snapshots.push({ name: `H after crash ${i}`, docs: await holdings(H) })
      // the caller got an error, or a success that is real (the new rev exists at the home)
      if (r.code === 0) {
        assert.ok(atHome >= r.json.rev && r.json.rev === before + 1, `update reported rev ${r.json.rev}; the home holds rev ${atHome} after restart (a silent no-op)`)
      } else {
        assert.ok(r.code === 3 || r.code === 4, `an error exit is 3 or 4 (unreachable / outcome unknown), got ${r.code}: ${r.stderr.trim()}`)
        assert.ok(r.stderr.trim().length > 0, 'the error says why')
      }
      // the lock is not held forever: the next update goes through within the lease TTL
      await waitConnected(P, H, 30_000)
      const next = await waitFor(async () => { const x = await update(`next-${i}`); return x.code === 0 ? x : null }, TTL_MS, 'the next update to succeed', 200)
      const after = Date.now() - ready
      assert.equal(next.json.rev, atHome + 1, 'the next update made the next revision')
      lines.push(`${point}: exit ${r.code}${r.code !== 0 ? ` (${r.errorJson?.code ?? r.stderr.trim().slice(0, 60)})` : ` rev ${r.json.rev}`}; next update rev ${next.json.rev} ${(after / 1000).toFixed(1)} s after the home was restarted`)
      snapshots.push({ name: `P after update ${i}`, docs: await holdings(P) }, { name: `H after update ${i}`, docs: await holdings(H) })
    }
    console.log(`      ${lines.join('\n      ')}`)
    // I3 over every snapshot, both nodes: never two contents for one (id, rev)
    assertInvariants(checkNoFork(snapshots))
    await waitConverged([H, P], () => new Set([id]), 20_000)
    assertInvariants(await checkCluster([H, P]))
    await Promise.all([H.served!.stop(), P.served!.stop()])
    assertInvariants([...await revGaps(H), ...await checkSignatures(H), ...await checkSignatures(P)])
  })
})
