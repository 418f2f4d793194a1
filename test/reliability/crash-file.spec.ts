/**
 * Reliability battery, "Crash and durability", the data-file rows:
 *   C2 kill9-sender-during-file: SIGKILL the sending node again and again while it streams a file;
 *   C3 crash-points-file-path: QUIRE_FAULTS crash points on the receiving path of a replication
 *      (and on the home's own put).
 * Real `quire serve` processes on 127.0.3.x (this file: .10–.119), real TCP, real LevelDB.
 * Files are checked with node's sha256 (fixtures/damage.ts), never with Quire's own hashing.
 * Randomized cases print SEED=…; `SEED=… npx mocha --no-config dist/test/reliability/crash-file.spec.js`
 * replays them.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { api, cleanupAll, quire, waitFor } from '../fixtures/cli.js'
import { addPeer, op, waitConnected, type ClusterNode } from '../fixtures/cluster.js'
import { cidOf, dataPath, hashesTo, stagedFiles, stagingDir } from '../fixtures/damage.js'
import { FaultProxy } from '../fixtures/fault-proxy.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { seededBytes, seededRng } from '../fixtures/seed.js'
import { assertInvariants, checkCluster, checkSignatures, checkStagingEmpty } from './harness/invariants.js'
import { kill9 } from './harness/processes.js'
import { StoreWatcher } from './harness/store-watcher.js'
import { scale } from './harness/tier.js'
import { MiB, makeNode, mib, offlineState, outcomeOf, serveSlow } from './crash-common.js'

const ip = loopbackRange(10, 119, { subnet: 3, spread: true })
/** Δt of every node here, seconds: short, so that "within one Δt" is a short wait. */
const INTERVAL = 2
const SERVE_ARGS = ['--interval', String(INTERVAL)]

let tmp: string
const proxies: FaultProxy[] = []
const watchers: StoreWatcher[] = []

/** Put one document with `bytes` as its data at a serving node, through its API. */
async function putDoc (node: ClusterNode, id: string, bytes: Uint8Array): Promise<{ id: string, cid: string, size: number }> {
  const meta = join(tmp, `${id}.meta`)
  const data = join(tmp, `${id}.data`)
  await Promise.all([writeFile(meta, JSON.stringify({ title: id })), writeFile(data, bytes)])
  // a large put hashes, writes and fsyncs the whole file: more than api()'s default 5 s on a busy machine
  const r = await api(node.served!.nodeJson, 'put', { id, meta, data }, 120_000)
  assert.equal(r.id, id)
  return { id, cid: await cidOf(bytes), size: bytes.byteLength }
}

/** id → data {cid, local} as a serving node reports it. */
async function dataOf (node: ClusterNode, id: string): Promise<{ cid: string, local: boolean } | null> {
  try {
    return (await op(node, 'get', { id })).data ?? null
  } catch {
    return null
  }
}

/** `fn` over `items`, CHUNK at a time: fifteen node processes starting at once swamp two cores. */
async function inChunks<T, R> (items: T[], fn: (item: T) => Promise<R>, chunk = 5): Promise<R[]> {
  const out: R[] = []
  for (let i = 0; i < items.length; i += chunk) out.push(...await Promise.all(items.slice(i, i + chunk).map(fn)))
  return out
}

async function sizeOf (path: string): Promise<number | null> {
  try { return (await stat(path)).size } catch { return null }
}

describe('reliability: crash and durability, the file path', function () {
  this.timeout(Number(process.env.CRASH_TIMEOUT_MS ?? 300_000))

  beforeEach(async function () {
    tmp = await mkdtemp(join(tmpdir(), 'quire-crash-file-'))
  })

  afterEach(async function () {
    for (const w of watchers.splice(0)) await w.stop()
    for (const p of proxies.splice(0)) await p.close().catch(() => {})
    await cleanupAll()
    await rm(tmp, { recursive: true, force: true })
  })

  const C2_SIZE = scale(256 * MiB, 1024 * MiB)
  const C2_KILLS = scale(6, 30) // Q: 6 of the battery's 10, for CI's 30 minutes
  it(`C2 kill9-sender-during-file: the sender SIGKILLed ${C2_KILLS}× during a ${mib(C2_SIZE)} stream and restarted; the receiver resumes, never promotes a partial`, async function () {
    const rng = seededRng('C2')
    const [S, R] = [await makeNode('c2-S', ip), await makeNode('c2-R', ip)]
    // S dials R through the proxy (so a restarted S reconnects at once); R lists S by peer ID only
    const proxy = await FaultProxy.start({ listenHost: ip(), targetHost: R.ip, targetPort: R.port, name: 'c2 S→R' })
    proxies.push(proxy)
    await quire(['peer', 'add', `${proxy.multiaddr}/p2p/${R.peerId}`, '--replicate', '--datareplicate', '--home', S.home, '--json'])
    await addPeer(R, S, [], true)
    // ~64 MiB/s: slow enough to land each kill at its offset, fast enough for the budget
    proxy.rate(64 * MiB, 'toTarget')
    await Promise.all([serveSlow(S, SERVE_ARGS), serveSlow(R, SERVE_ARGS)])
    await waitConnected(R, S, 20_000)
    const watcher = new StoreWatcher(R.home)
    watchers.push(watcher)

    // kill offsets: one in each of C2_KILLS equal slots of 5 %–95 % of the file, seeded
    const slot = (C2_SIZE * 0.9) / C2_KILLS
    const offsets = Array.from({ length: C2_KILLS }, (_, i) => Math.floor(C2_SIZE * 0.05 + i * slot + rng.next() * slot * 0.8))
    const bytes = seededBytes(rng.seed, 'c2', C2_SIZE)
    const doc = await putDoc(S, 'c2.big', bytes)
    const part = join(stagingDir(R.home), `${doc.cid}.part`)
    const final = dataPath(R.home, doc.cid)

    // `get` at R must never say local:true before the final file is whole: poll it all along
    let localSeenEarly: string | null = null
    let polling = true
    const poll = (async () => {
      while (polling) {
        const d = await dataOf(R, doc.id)
        if (d?.local === true) {
          if (!await hashesTo(final, doc.cid)) localSeenEarly = `local:true at ${new Date().toISOString()} while the final file does not hash to its CID`
          return
        }
        await new Promise(resolve => setTimeout(resolve, 100))
      }
    })()

    const kept: number[] = []
    for (const [i, at] of offsets.entries()) {
      await waitFor(async () => {
        if (await sizeOf(final) != null) throw new Error(`the file completed before kill ${i + 1} (at ${mib(at)}): the test did not exercise the fault`)
        return ((await sizeOf(part)) ?? 0) >= at
      }, 60_000, `R to stage ${mib(at)} before kill ${i + 1}`, 10)
      await kill9(S)
      kept.push((await sizeOf(part)) ?? 0)
      assert.equal(await sizeOf(final), null, `nothing under the final name after kill ${i + 1}`)
      await serveSlow(S, SERVE_ARGS)
    }
    console.log(`      ${C2_KILLS} kills of S at ${offsets.map(mib).join(', ')}; R's staged part after each: ${kept.map(mib).join(', ')}`)
    assert.ok(kept.every((k, i) => i === 0 || k >= kept[i - 1] - 4 * MiB), `the staged part was resumed, not thrown away: ${kept.map(mib).join(', ')}`)

    const started = Date.now()
    await waitFor(async () => (await dataOf(R, doc.id))?.local === true, 120_000, 'R to hold the whole file after the last restart of S', 100)
    polling = false
    await poll
    console.log(`      file whole at R ${((Date.now() - started) / 1000).toFixed(1)} s after the last restart`)
    assert.equal(localSeenEarly, null, localSeenEarly ?? '')
    assert.ok(await hashesTo(final, doc.cid), 'the final file hashes to its CID')
    const violations = await watcher.stop()
    assert.deepEqual(violations, [], 'the store watcher never saw a file under its final name fail its hash (I1)')
    // R was never restarted, so its counters cover every attempt
    const counters = (await op(R, 'status')).partners.find((p: any) => p.peerId === S.peerId)?.counters
    console.log(`      R read ${mib(counters.bytesReceived)} for a ${mib(C2_SIZE)} file (${(counters.bytesReceived / C2_SIZE).toFixed(2)}×); proxy forwarded ${mib(proxy.forwarded.toTarget)}`)
    assert.ok(counters.bytesReceived <= 1.25 * C2_SIZE, `R read ${counters.bytesReceived} bytes: more than 1.25 × the file (resume does not work)`)
    await waitFor(async () => (await stagedFiles(R.home)).length === 0, 10_000, 'R\'s staging to be empty', 100).catch(() => {})
    assertInvariants([...await checkStagingEmpty(R), ...await checkCluster([S, R])])
    await Promise.all([S.served!.stop(), R.served!.stop()])
    const st = await offlineState(R.home)
    assertInvariants([...await checkSignatures(R), ...st.problems, ...st.orphanRecords])
  })

  it('C3 crash-points-file-path: a receiver crashed at file.staged, file.fsynced, file.renamed, db.batch.written, ack.sent (hits 1..3), 16 MiB files, is whole or clean after a restart', async function () {
    const POINTS = ['file.staged', 'file.fsynced', 'file.renamed', 'db.batch.written', 'ack.sent']
    const SIZE = 16 * MiB
    // all 15 receivers at once (one per point and hit), rows written before anything serves
    const cases = [1, 2, 3].flatMap(n => POINTS.map(point => ({ point, n })))
    const [S, ...Rs] = await inChunks(['c3-S', ...cases.map(c => `c3-${c.point}-${c.n}`)], async name => await makeNode(name, ip))
    for (const R of Rs) await addPeer(S, R, ['--replicate', '--datareplicate'], true)
    await inChunks(Rs, async R => await addPeer(R, S))
    await serveSlow(S, SERVE_ARGS)
    await inChunks(Rs, async R => await serveSlow(R, SERVE_ARGS, { QUIRE_FAULTS: `crash@${cases[Rs.indexOf(R)].point}:${cases[Rs.indexOf(R)].n}` }))
    const live = (R: ClusterNode): boolean => R.served != null && R.served.proc.exitCode == null && R.served.proc.signalCode == null
    await Promise.all(Rs.map(async R => { await waitConnected(R, S, 30_000).catch(err => { if (live(R)) throw err }) }))
    const ws = Rs.map(R => new StoreWatcher(R.home))
    watchers.push(...ws)
    const docs: Array<{ id: string, cid: string, size: number }> = []
    const summary: string[] = []
    // new documents one at a time until every receiver has crashed at its Nth hit
    const inFlight = new Map<string, { id: string, cid: string }>()
    for (let k = 1; Rs.some(live); k++) {
      assert.ok(k <= 5, `receivers still alive after ${k - 1} documents: ${Rs.filter(live).map(r => r.name).join(', ')} (their crash point was never reached)`)
      const doc = await putDoc(S, `c3.d${k}`, seededBytes(k, 'c3', SIZE))
      docs.push(doc)
      for (const R of Rs) if (live(R)) inFlight.set(R.name, doc)
      await waitFor(async () => {
        for (const R of Rs) if (live(R) && (await dataOf(R, doc.id))?.local !== true) return false
        return true
      }, 60_000, `${doc.id} to be local at, or to have killed, each receiver`, 100)
    }
    // each died at its point: look at what it left, offline
    for (const [i, R] of Rs.entries()) {
      const { point, n } = cases[i]
      const exit = await R.served!.exited
      assert.equal(exit.signal, 'SIGKILL', `${R.name} died by SIGKILL`)
      assert.match(R.served!.stderr(), new RegExp(`QUIRE_FAULTS crash at ${point.replace('.', '\\.')} \\(hit ${n}\\)`), `${R.name} died at its crash point`)
      const st = await offlineState(R.home)
      const doc = inFlight.get(R.name)!
      summary.push(`${point}:${n} → ${doc.id}: ${outcomeOf(st, doc.id, doc.cid)}${st.staged.length > 0 ? ` (${st.staged.length} staged)` : ''}`)
      assertInvariants(st.problems.map(p => `${R.name} right after the crash: ${p}`))
      R.served = undefined
    }
    // restart without faults: within one Δt (plus start-up) every document is whole and local,
    // no staged leftover, nothing wanted, every stored file indexed (recorded or adopted)
    const restarted = Date.now()
    await inChunks(Rs, async R => await serveSlow(R, SERVE_ARGS))
    const ready = Date.now() - restarted
    await Promise.all(Rs.map(async R => {
      await waitFor(async () => {
        for (const d of docs) if ((await dataOf(R, d.id))?.local !== true) return false
        return (await stagedFiles(R.home)).length === 0
      }, INTERVAL * 1000 + 15_000, `${R.name} to hold all ${docs.length} documents whole, staging empty, within one Δt of its restart`, 100)
    }))
    summary.push(`restarted 15 receivers in ${(ready / 1000).toFixed(1)} s; all whole ${((Date.now() - restarted - ready) / 1000).toFixed(1)} s later`)
    for (const w of ws) assert.deepEqual(await w.stop(), [], 'the store watcher saw no bad file under a final name (I1)')
    assertInvariants(await checkCluster([S, ...Rs]))
    await Promise.all(Rs.map(async R => await R.served!.stop()))
    for (const R of Rs) {
      const st = await offlineState(R.home)
      const unindexed = [...st.files].filter(f => !st.indexed.has(f))
      assertInvariants([
        ...st.problems, ...st.orphanRecords, ...await checkSignatures(R),
        ...(st.staged.length > 0 ? [`${R.name}: staging holds ${st.staged.join(', ')}`] : []),
        ...(st.wanted.size > 0 ? [`${R.name}: still wants ${[...st.wanted].join(', ')}`] : []),
        ...unindexed.map(f => `${R.name}: ${f} is stored but not in the blob index (neither recorded nor adopted)`)
      ].map(p => `after restart: ${p}`))
    }
    console.log(`      ${summary.join('\n      ')}`)
  })

  it('C3 (put side): a home crashed at file.staged, file.fsynced, file.renamed, db.batch.written during a 16 MiB put; after a restart nothing partial and no orphan file, and the retried put leaves file, record and index whole', async function () {
    const POINTS = ['file.staged', 'file.fsynced', 'file.renamed', 'db.batch.written']
    const SIZE = 16 * MiB
    const Hs = await inChunks(POINTS.map(p => `c3put-${p}`), async name => await makeNode(name, ip), 2)
    await inChunks(Hs, async H => await serveSlow(H, SERVE_ARGS, { QUIRE_FAULTS: `crash@${POINTS[Hs.indexOf(H)]}:1` }), 2)
    const bytes = seededBytes(7, 'c3put', SIZE)
    const cid = await cidOf(bytes)
    const meta = join(tmp, 'c3put.meta')
    const data = join(tmp, 'c3put.data')
    await Promise.all([writeFile(meta, '{"title":"c3put"}'), writeFile(data, bytes)])
    const summary: string[] = []
    await Promise.all(Hs.map(async (H, i) => {
      const r = await quire(['put', 'c3put.doc', '--meta', meta, '--data', data, '--home', H.home, '--json'], { timeoutMs: 60_000 })
      const exit = await H.served!.exited
      assert.equal(exit.signal, 'SIGKILL', `${H.name} died at its crash point`)
      // the node died with the request in hand: the CLI cannot know whether it was done (exit 4)
      assert.equal(r.code, 4, `the put at ${H.name}, whose node died mid-put, exits 4 (outcome unknown): ${r.stderr.trim()}`)
      H.served = undefined
      const st = await offlineState(H.home)
      const outcome = outcomeOf(st, 'c3put.doc', cid)
      // the case the start-up sweep is for: renamed into place, then the crash, before any record
      if (POINTS[i] === 'file.renamed') assert.equal(outcome, 'orphan file', `${H.name}: a crash right after the rename leaves an orphan`)
      summary.push(`${POINTS[i]}: put exit ${r.code}; after the crash: ${outcome}, ${st.staged.length} staged, ${st.indexed.has(cid) ? 'indexed' : 'not indexed'}`)
      assertInvariants(st.problems.map(p => `${H.name} right after the crash: ${p}`))
    }))
    // restart without faults: staged leftovers go at start-up, and so does a file no record names
    // (its put noted it before the rename: store/pending-files.ts); then the operator's retry
    await inChunks(Hs, async H => await serveSlow(H, SERVE_ARGS), 2)
    for (const [i, H] of Hs.entries()) {
      assert.deepEqual(await stagedFiles(H.home), [], `${H.name}: staging is empty after the restart`)
      const got = await quire(['get', 'c3put.doc', '--home', H.home, '--json'])
      assert.ok(got.code === 0 || got.errorJson?.code === 'not-found', `get at ${H.name}: exit ${got.code} ${got.stderr.trim()}`)
      const recorded = got.code === 0
      const fileThere = await sizeOf(dataPath(H.home, cid)) != null
      assert.ok(recorded || !fileThere, `${H.name}: after the restart the file is stored but no record names it (an orphan)`)
      if (POINTS[i] === 'file.renamed') {
        assert.match(H.served!.stderr(), /removed 1 data file\(s\) stored by a put or update that never completed/, `${H.name}: serve says it removed the orphan`)
        summary[i] += '; orphan removed at start-up'
      }
      const r = await quire(['put', 'c3put.doc', '--meta', meta, '--data', data, '--home', H.home, '--json'], { timeoutMs: 60_000 })
      // exit 0, or "exists" (exit 2) when the crash came after the record was written
      assert.ok(r.code === 0 || r.errorJson?.code === 'exists', `the retried put at ${H.name}: exit ${r.code} ${r.stderr.trim()}`)
      summary[i] += `; retried put: ${r.code === 0 ? 'stored' : 'already there'}`
      assert.equal((await op(H, 'get', { id: 'c3put.doc' })).data?.local, true)
    }
    // four separate homes (not a cluster: each signed its own c3put.doc rev 1), so one at a time
    for (const H of Hs) assertInvariants(await checkCluster([H]))
    await Promise.all(Hs.map(async H => await H.served!.stop()))
    for (const H of Hs) {
      const st = await offlineState(H.home)
      assertInvariants([
        ...st.problems, ...st.orphanRecords, ...await checkSignatures(H),
        ...(st.indexed.has(cid) ? [] : [`${H.name}: the file is not in the blob index`]),
        ...(st.staged.length > 0 ? [`${H.name}: staging holds ${st.staged.join(', ')}`] : [])
      ])
    }
    console.log(`      ${summary.join('\n      ')}`)
  })

})
