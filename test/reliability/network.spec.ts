/**
 * Reliability battery, network faults through the fault proxy (fixtures/fault-proxy.ts) and process
 * pauses: N7 home-unreachable, N5 pause-home, R7 peer-removed-mid-stream. Real `quire serve`
 * processes; nodes and proxies on 127.0.4.50–149.
 *
 * A proxied link: the dialling node lists its partner at the proxy's address; the partner lists
 * the dialler accept-only (peer ID only), so no connection can go around the proxy.
 */
import assert from 'node:assert/strict'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { api, cleanupAll, exists, quire, quireOk, sleep, waitFor, type QuireResult } from '../fixtures/cli.js'
import { addPeer, makeNodes, op, serveNode, waitConnected, waitUntil, type ClusterNode } from '../fixtures/cluster.js'
import { FaultProxy } from '../fixtures/fault-proxy.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { prng, seededBytes, seededRng } from '../fixtures/seed.js'
import { closure, type NetworkModel } from '../../src/model/closure.js'
import { newPeerRow, type PeerRow } from '../../src/model/peer-row.js'
import { scale } from './harness/tier.js'
import { cidOf, dataPath, stagedFiles, stagingDir } from '../fixtures/damage.js'
import { assertInvariants, checkCluster, checkSignatures, holdings } from './harness/invariants.js'
import { cont, pause } from './harness/processes.js'
import { StoreWatcher } from './harness/store-watcher.js'
import { partitionNemesis, type PartitionLink } from './harness/partitions.js'

const ip = loopbackRange(50, 149, { subnet: 4 })
const proxies: FaultProxy[] = []

/** `from` reaches `to` only through a new proxy; `to` lists `from` accept-only with `toFlags`. */
async function proxiedLink (from: ClusterNode, to: ClusterNode, fromFlags: string[] = [], toFlags: string[] = []): Promise<FaultProxy> {
  const proxy = await FaultProxy.start({ listenHost: ip(), targetHost: to.ip, targetPort: to.port, name: `${from.name}→${to.name}` })
  proxies.push(proxy)
  await quireOk(['peer', 'add', `${proxy.multiaddr}/p2p/${to.peerId}`, ...fromFlags, '--home', from.home])
  await addPeer(to, from, toFlags, true)
  return proxy
}

async function metaFile (node: ClusterNode, text: string): Promise<string> {
  const path = join(node.tmp.dir, `meta-${Math.random().toString(36).slice(2)}`)
  await writeFile(path, text)
  return path
}

function explain (r: QuireResult): string {
  return `exit ${r.code} after ${r.ms} ms; stdout ${r.stdout.trim()}; stderr ${r.stderr.trim()}`
}

/** id → (rev, record) on each node, for "nothing changed". */
async function revs (nodes: ClusterNode[], id: string): Promise<string[]> {
  return await Promise.all(nodes.map(async n => { const d = (await holdings(n)).get(id); return `${n.name}:${d?.rev}:${d?.record}` }))
}

/** Run after each case of every describe below (a root-level hook would run after every test of the whole suite). */
async function cleanUp (): Promise<void> {
  for (const p of proxies.splice(0)) await p.close()
  await cleanupAll()
}

describe('N7 home-unreachable: the home blackholed during quire update', function () {
  afterEach(cleanUp)
  this.timeout(120_000)

  it('update exits 3 with one line (home unreachable) in ≤ 15 s; no node\'s (id, rev) changes, during the partition or after the heal; neither keeps the update\'s data file', async function () {
    const [h, r] = await makeNodes(['H', 'R'], ip)
    const proxy = await proxiedLink(r, h, [], ['--replicate'])
    await Promise.all([serveNode(h, ['--interval', '2']), serveNode(r, ['--interval', '2'])])
    const id = 'n7.doc'
    await quireOk(['put', id, '--meta', await metaFile(h, 'v1'), '--home', h.home])
    await waitUntil('R to hold n7.doc', async () => (await holdings(r)).has(id) ? null : 'not yet', 15_000)
    const before = await revs([h, r], id)

    proxy.blackhole()
    // with a new data file: R stores it before asking the home, and must not keep it when the update fails
    const data = seededBytes(3, 'n7 data', 256 * 1024)
    const dataFile = join(r.home, 'n7.data')
    await writeFile(dataFile, data)
    const u = await quire(['update', id, '--meta', await metaFile(r, 'v2 through a partition'), '--data', dataFile, '--home', r.home, '--json'], { timeoutMs: 30_000 })
    console.log(`      N7: update exited ${u.code} after ${u.ms} ms: ${u.stderr.trim()}`)
    assert.equal(u.code, 3, explain(u))
    assert.equal(u.stderr.trim().split('\n').length, 1, `one line: ${u.stderr}`)
    assert.equal(u.errorJson?.code, 'home-unreachable', explain(u))
    assert.ok(u.ms <= 15_000, `update took ${u.ms} ms`)
    assert.deepEqual(await revs([h, r], id), before, 'during the partition')
    const cid = await cidOf(data)
    assert.equal(await exists(dataPath(r.home, cid)), false, 'R removed the data file of its failed update')

    // the held request reaches H at the heal: still nothing may commit
    proxy.heal()
    await waitConnected(r, h, 20_000)
    await sleep(2 * 2_000)
    assert.deepEqual(await revs([h, r], id), before, 'after the heal')
    for (const n of [h, r]) assert.equal(await exists(dataPath(n.home, cid)), false, `${n.name} holds no data file of the update that never committed`)
    assertInvariants(await checkCluster([h, r], { acked: new Map([['H', new Map([[id, 1]])], ['R', new Map([[id, 1]])]]) }))
    await Promise.all([h.served!.stop(), r.served!.stop()])
    assertInvariants([...await checkSignatures(h), ...await checkSignatures(r)])
  })
})

interface UpdateOutcome { ok: boolean, rev?: number, code?: string, exitCode?: number, error?: string, ms: number }

/**
 * `update` through the requester node's local API (what `quire update` calls), timed from the call:
 * on a loaded machine a CLI process's own start-up would blur the lock timeout being measured.
 */
async function apiUpdate (node: ClusterNode, id: string, metaPath: string, wait?: number): Promise<UpdateOutcome> {
  const started = Date.now()
  try {
    const r = await api(node.served!.nodeJson, 'update', { id, meta: metaPath, ...(wait != null ? { wait } : {}) }, 60_000)
    return { ok: true, rev: r.rev, ms: Date.now() - started }
  } catch (err: any) {
    const body = /HTTP \d+ (.*)$/.exec(err.message)?.[1]
    const parsed = body != null ? JSON.parse(body) : {}
    return { ok: false, code: parsed.code, exitCode: parsed.exitCode, error: parsed.error ?? err.message, ms: Date.now() - started }
  }
}

function showUpdate (u: UpdateOutcome): string {
  return u.ok ? `rev ${u.rev} in ${u.ms} ms` : `${u.code ?? u.error} (exit ${u.exitCode}) in ${u.ms} ms`
}

describe('N5 pause-home: SIGSTOP the home while 5 updaters want its lock', function () {
  afterEach(cleanUp)
  this.timeout(180_000)

  it('5 updaters fail "home unreachable" within the lock timeout (≤ 15 s); after SIGCONT each granted lock commits once, revs gap-free, no stale lease honoured', async function () {
    const [h, r1, r2] = await makeNodes(['H', 'R1', 'R2'], ip)
    for (const r of [r1, r2]) {
      await addPeer(h, r, ['--replicate'])
      await addPeer(r, h)
    }
    await Promise.all([h, r1, r2].map(async n => await serveNode(n, ['--interval', '2'])))
    const id = 'n5.doc'
    await quireOk(['put', id, '--meta', await metaFile(h, 'v1'), '--home', h.home])
    for (const r of [r1, r2]) await waitUntil(`${r.name} to hold ${id}`, async () => (await holdings(r)).has(id) ? null : 'not yet', 15_000)
    const updaters = [r1, r1, r1, r2, r2]
    for (const [i, r] of updaters.entries()) {
      await writeFile(join(r.tmp.dir, `paused-${i}`), `paused-${i}`)
      await writeFile(join(r.tmp.dir, `after-${i}`), `after-${i}`)
    }

    // the pause: 10 s, and until every updater has answered
    pause(h)
    const pausedAt = Date.now()
    const during = await Promise.all(updaters.map(async (r, i) => await apiUpdate(r, id, join(r.tmp.dir, `paused-${i}`))))
    const rest = 10_000 - (Date.now() - pausedAt)
    if (rest > 0) await sleep(rest)
    cont(h)
    const pausedMs = Date.now() - pausedAt
    console.log(`      N5: paused ${pausedMs} ms; updaters during the pause: ${during.map(showUpdate).join(', ')}`)
    for (const u of during) {
      assert.equal(u.ok, false, `an update went through a paused home: ${showUpdate(u)}`)
      assert.equal(u.code, 'home-unreachable', showUpdate(u))
      assert.equal(u.exitCode, 3, showUpdate(u))
      assert.ok(u.ms <= 15_000, `an updater took ${u.ms} ms to give up`)
    }

    await sleep(500)
    const stale = await h.served!.op('lock.ls')
    console.log(`      N5: leases at H 0.5 s after SIGCONT: ${JSON.stringify(stale)}`)
    // after SIGCONT: the requests queued in H's socket are stale. None of them may commit, and they
    // may not hold the document for long: 5 new updaters (waiting for the lock) each commit once or
    // are refused (outdated: their copy is behind the one just committed)
    const after = await Promise.all(updaters.map(async (r, i) => await apiUpdate(r, id, join(r.tmp.dir, `after-${i}`), 45)))
    console.log(`      N5: updaters after SIGCONT: ${after.map(showUpdate).join(', ')}`)
    const ok = after.filter(u => u.ok)
    assert.ok(ok.length >= 1, 'at least one update after SIGCONT succeeds')
    for (const u of after) assert.ok(u.ok || u.exitCode === 3, showUpdate(u))

    const log: any[] = (await op(h, 'log', { id })).events
    const history = log.map((e: any) => e.rev).sort((a: number, b: number) => a - b)
    // revs gap-free: 1 … 1 + the number of successful updates, each exactly once
    assert.deepEqual(history, Array.from({ length: 1 + ok.length }, (_, i) => i + 1), `H's history of ${id}: ${JSON.stringify(log)}`)
    assert.deepEqual(ok.map(u => u.rev).sort((a, b) => a! - b!), history.slice(1), 'each successful update is one revision')
    // no stale lease honoured: what was sent during the pause never became a revision (the count of
    // revisions is the count of successful updates, and the current one is from after SIGCONT)
    const current = await quire(['get', id, '--meta-out', join(h.tmp.dir, 'current.meta'), '--home', h.home, '--json'])
    assert.equal(current.code, 0, explain(current))
    assert.match(await readFile(join(h.tmp.dir, 'current.meta'), 'utf8'), /^after-\d$/, 'the current metadata is from an update after SIGCONT')

    assert.deepEqual(await h.served!.op('lock.ls'), [], 'no lease left')
    await waitUntil('R1, R2 to converge on the last revision', async () => {
      const rs = await revs([h, r1, r2], id)
      return new Set(rs.map(x => x.split(':').slice(1).join(':'))).size === 1 ? null : rs.join(' ')
    }, 10_000)
    assertInvariants(await checkCluster([h, r1, r2]))
    await Promise.all([h, r1, r2].map(async n => await n.served!.stop()))
    assertInvariants((await Promise.all([h, r1, r2].map(checkSignatures))).flat())
  })
})

describe('R7 peer-removed-mid-stream: quire peer rm while that peer streams a 256 MiB file to us', function () {
  afterEach(cleanUp)
  this.timeout(180_000)

  it('the stream stops within 1 s, no partial is promoted, and the removed peer cannot reconnect', async function () {
    const t0 = Date.now()
    const at = (): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`
    const size = 256 * 1024 * 1024
    const [s, r] = await makeNodes(['S', 'R'], ip)
    const proxy = await proxiedLink(r, s, [], ['--replicate', '--datareplicate'])
    // rate-capped so that the stream lasts: 256 MiB at 24 MiB/s is about 11 s
    proxy.rate(24 * 1024 * 1024, 'toClient')
    const dataPath = join(s.tmp.dir, 'big.data')
    await writeFile(dataPath, seededBytes(7, 'r7', size))
    await quireOk(['put', 'r7.big', '--meta', await metaFile(s, 'big'), '--data', dataPath, '--home', s.home], { timeoutMs: 60_000 })
    const watcher = new StoreWatcher(r.home)
    await Promise.all([serveNode(s, ['--interval', '2']), serveNode(r, ['--interval', '2'])])

    console.log(`      R7: ${at()}: serving`)
    // wait until a good part of the file streams
    await waitFor(() => proxy.forwarded.toClient > size / 5, 60_000, 'a fifth of the file to stream', 50)
    // a sampler notes when bytes last flowed toward R, while the operator removes S (through R's API,
    // as `quire peer rm` does, so that the CLI's start-up time is not counted)
    let lastFlowAt = Date.now()
    let seen = proxy.forwarded.toClient
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        await sleep(10)
        if (proxy.forwarded.toClient !== seen) { seen = proxy.forwarded.toClient; lastFlowAt = Date.now() }
      }
    })()
    const atRm = proxy.forwarded.toClient
    const rmStart = Date.now()
    await op(r, 'peer.rm', { peerId: s.peerId })
    const rmMs = Date.now() - rmStart
    await sleep(3_000) // long enough to see a stream that goes on
    sampling = false
    await sampler
    // measured from the moment the removal is done (the call answered): on a loaded machine the
    // API call itself can take a second, and the stream may well stop before it answers (≤ 0)
    const stopMs = lastFlowAt - (rmStart + rmMs)
    console.log(`      R7: peer.rm answered in ${rmMs} ms at ${(atRm / 2 ** 20).toFixed(0)} MiB; the last byte toward R passed ${lastFlowAt - rmStart} ms after the call began, ${stopMs} ms after it answered (${((seen - atRm) / 2 ** 20).toFixed(1)} MiB after the call)`)
    assert.ok(stopMs <= 1_000, `the stream went on ${stopMs} ms after peer rm answered`)
    const st = await op(r, 'status')
    assert.deepEqual(st.transfers, [], `R's transfers after peer rm: ${JSON.stringify(st.transfers)}`)

    console.log(`      R7: ${at()}: stream stopped`)
    // gated: S now tries to dial R directly; R's gate refuses it
    const deniedBefore = st.gate?.deniedInbound ?? 0
    await quireOk(['peer', 'set', r.peerId, '--addr', r.addr, '--home', s.home])
    await waitUntil('R to refuse S at its gate', async () => {
      const g = (await op(r, 'status')).gate?.deniedInbound ?? 0
      return g > deniedBefore ? null : `denied ${g}`
    }, 15_000)
    const rows: any[] = await op(r, 'peer.ls')
    assert.ok(!rows.some(x => x.peerId === s.peerId), 'S is no longer listed')
    const sRows: any[] = await op(s, 'peer.ls')
    assert.equal(sRows.find(x => x.peerId === r.peerId)?.connected, false, 'S is not connected to R')

    console.log(`      R7: ${at()}: S refused at R's gate`)
    // no partial promoted: nothing in R's store but what hashes to its name; the file is not there
    const violations = await watcher.stop()
    assert.deepEqual(violations, [], 'the store watcher saw a file that does not hash to its name')
    const got = await quire(['get', 'r7.big', '--home', r.home, '--json'])
    assert.notEqual(got.json?.data?.local, true, `R must not hold the file as local: ${got.stdout}`)
    const staged = await stagedFiles(r.home)
    console.log(`      R7: staging after peer rm: ${staged.length} entries (${(await Promise.all(staged.map(async f => (await stat(join(stagingDir(r.home), f))).size))).join(', ')} bytes)`)
    assertInvariants(await checkCluster([s, r]))
    await Promise.all([s.served!.stop(), r.served!.stop()])
    assertInvariants([...await checkSignatures(s), ...await checkSignatures(r)])
  })
})

// ---------------------------------------------------------------------------------------------
// N1 partition-heal

/** The BRIEF's worked example (gamma, alpha, lamda) plus a hub; flags replicate, datareplicate, hub. */
const N1_NAMES = ['gamma', 'alpha', 'lamda', 'hub'] as const
const N1_FLAGS: Record<string, Record<string, string>> = {
  gamma: { alpha: '000', lamda: '110', hub: '110' },
  alpha: { gamma: '010', lamda: '100', hub: '110' },
  lamda: { gamma: '000', alpha: '111', hub: '110' },
  hub: { gamma: '000', alpha: '111', lamda: '101' }
}

function flagObject (bits: string): { replicate: boolean, datareplicate: boolean, hub: boolean } {
  return { replicate: bits[0] === '1', datareplicate: bits[1] === '1', hub: bits[2] === '1' }
}

function n1Model (): NetworkModel {
  const tables: Record<string, PeerRow[]> = {}
  for (const [node, rows] of Object.entries(N1_FLAGS)) {
    tables[node] = Object.entries(rows).map(([p, bits]) => ({ ...newPeerRow(p), replicate: bits[0] === '1', datareplicate: bits[1] === '1', hub: bits[2] === '1' }))
  }
  return { tables }
}

describe('N1 partition-heal: 4 nodes (worked example plus a hub), random partitions while updates flow', function () {
  afterEach(cleanUp)
  this.timeout(240_000)
  const DT = 5
  const WINDOW_MS = scale(30_000, 600_000)
  const OPS = scale(300, 6_000)

  it(`${OPS} puts and updates during a ${WINDOW_MS / 1000} s window of seeded partitions (isolate one, split 2–2, one-way) changed every 2–5 s: after the heal I5 and I6 within 2·Δt (Δt ${DT} s), I2, I3, I4`, async function () {
    const t0 = Date.now()
    const rng = seededRng('N1 partition-heal')
    const opsRng = prng((rng.seed ^ 0x9e3779b9) >>> 0)
    const nodes = await makeNodes([...N1_NAMES], ip)
    const byName = new Map(nodes.map(n => [n.name, n]))
    await Promise.all(nodes.map(async n => await serveNode(n, ['--interval', String(DT)])))
    // one proxy per pair; the earlier node of the pair dials, the later lists it accept-only. Rows
    // are added through the running nodes' API (twelve CLI processes would cost seconds).
    const links: PartitionLink[] = []
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        const [x, y] = [nodes[i], nodes[j]]
        const proxy = await FaultProxy.start({ listenHost: ip(), targetHost: y.ip, targetPort: y.port, name: `${x.name}→${y.name}` })
        proxies.push(proxy)
        await op(y, 'peer.add', { target: x.peerId, ...flagObject(N1_FLAGS[y.name][x.name]) })
        await op(x, 'peer.add', { target: `${proxy.multiaddr}/p2p/${y.peerId}`, ...flagObject(N1_FLAGS[x.name][y.name]) })
        links.push({ a: x.name, b: y.name, proxy })
      }
    }
    for (const l of links) await waitConnected(byName.get(l.a)!, byName.get(l.b)!, 20_000)
    console.log(`      N1: set up in ${((Date.now() - t0) / 1000).toFixed(1)} s`)

    // the nemesis: a seeded schedule of partitions over the window; a split puts gamma with one partner
    const schedule: string[] = []
    const started = Date.now()
    const nemesis = partitionNemesis({
      links,
      names: N1_NAMES,
      rng,
      windowMs: WINDOW_MS,
      splitSide: () => new Set(['gamma', rng.pick(N1_NAMES.slice(1))]),
      schedule
    })

    // the workload: puts and updates through each home's API, spread over the window
    const acked = new Map<string, { home: string, rev: number, hasData: boolean }>()
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(opsRng() * xs.length)]
    const files = join(nodes[0].tmp.dir, 'n1')
    await mkdir(files, { recursive: true })
    let failed = 0
    for (let i = 0; i < OPS; i++) {
      const due = started + (i * WINDOW_MS) / OPS
      if (Date.now() < due) await sleep(due - Date.now())
      const home = pick(N1_NAMES)
      const mine = [...acked].filter(([, d]) => d.home === home)
      const meta = join(files, `${i}.meta`)
      await writeFile(meta, `op ${i} at ${home}`)
      try {
        if (mine.length === 0 || opsRng() < 0.4) {
          const id = `n1.${home}-${i}`
          const withData = opsRng() < 0.3
          let data: string | undefined
          if (withData) { data = join(files, `${i}.data`); await writeFile(data, seededBytes(rng.seed, `n1-${i}`, 2048)) }
          const r = await op(byName.get(home)!, 'put', { id, meta, ...(data != null ? { data } : {}) })
          acked.set(id, { home, rev: r.rev, hasData: withData })
        } else {
          const [id, d] = pick(mine)
          const r = await op(byName.get(home)!, 'update', { id, meta })
          acked.set(id, { ...d, rev: r.rev })
        }
      } catch (err: any) {
        failed++
        console.log(`      N1: op ${i} at ${home} failed: ${err.message}`)
      }
    }
    await nemesis
    const healedAt = Date.now()
    console.log(`      N1: ${acked.size} documents, ${OPS - failed}/${OPS} ops acknowledged; partitions: ${schedule.join(', ')}`)
    assert.equal(failed, 0, 'every local put and update is acknowledged (homes commit locally, partitions or not)')

    // the model: each document where the flag closure sends it, at its home's newest revision
    const net = n1Model()
    const reach = new Map([...acked].map(([id, d]) => [id, closure(net, { id, home: d.home, hasData: d.hasData })]))
    const expected = (name: string): Set<string> => new Set([...reach].filter(([, r]) => r[name] !== 'none').map(([id]) => id))
    let converged = -1
    await waitUntil('I6: every node holds what the model sends it, at the newest revision, with data where the model sends data', async () => {
      const problems: string[] = []
      for (const n of nodes) {
        const held = await holdings(n)
        for (const id of expected(n.name)) {
          const d = held.get(id)
          const want = acked.get(id)!
          if (d == null) problems.push(`${n.name} lacks ${id}`)
          else if (d.rev !== want.rev) problems.push(`${n.name} holds ${id}@${d.rev}, home acked ${want.rev}`)
          else if (reach.get(id)![n.name] === 'data' && !d.local) problems.push(`${n.name}: ${id}'s data not local`)
        }
      }
      if (problems.length === 0) converged = Date.now() - healedAt
      return problems.length === 0 ? null : `${problems.length} problems, e.g. ${problems.slice(0, 4).join('; ')}`
    }, 90_000, 250)
    console.log(`      N1: converged ${converged} ms after the heal (bound 2·Δt = ${2 * DT * 1000} ms)`)

    const model = new Map(nodes.map(n => [n.name, expected(n.name)]))
    const ackedRevs = new Map(nodes.map(n => [n.name, new Map([...acked].filter(([, d]) => d.home === n.name).map(([id, d]) => [id, d.rev]))]))
    assertInvariants(await checkCluster(nodes, { model, acked: ackedRevs }))
    await Promise.all(nodes.map(async n => await n.served!.stop()))
    assertInvariants((await Promise.all(nodes.map(checkSignatures))).flat())
    assert.ok(converged <= 2 * DT * 1000, `I6: converged ${converged} ms after the heal, over 2·Δt`)
  })
})
