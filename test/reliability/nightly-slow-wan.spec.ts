/**
 * N4 slow-wan (reliability-battery.md, N tier): a 64 MiB file plus 500 documents [1 GiB in N;
 * QUIRE_N4_MIB sets the size] over a link with 200 ms round trip, a 1 MiB/s cap and 1 % of
 * connections reset, plus two resets at seeded offsets inside the file's bytes (at 1 % a single
 * long-lived connection would almost never be cut).
 *
 * R dials S through a DelayLink (100 ms each way, the 1 %) chained to a FaultProxy (the cap, the
 * two cuts); S lists R accept-only, so S never dials around them.
 * Pass: everything arrives and hashes right; the transfer's progress never goes back by more
 * than a resume block except after a reset we made (no spurious timeout aborts); bytes read
 * ≤ 1.25 × the size; `status` answers within 2 s at both ends throughout (I8).
 */
import assert from 'node:assert/strict'
import { cleanupAll, quireOk, sleep } from '../fixtures/cli.js'
import { op, serveNode, waitConnected, allDocs, type ClusterNode } from '../fixtures/cluster.js'
import { FaultProxy } from '../fixtures/fault-proxy.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { seededBytes, seededRng } from '../fixtures/seed.js'
import { hashesTo, dataPath, cidOf } from '../fixtures/damage.js'
import { itExtended, EXTENDED } from './harness/tier.js'
import { DelayLink, longOp, putDocsApi, tmpFile, initNodes } from './harness/nightly.js'
import { checkCluster, assertInvariants } from './harness/invariants.js'

const ip = loopbackRange(10, 29, { subnet: 5 })
const MiB = 1024 * 1024

describe('reliability N4: slow WAN', function () {
  const closers: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of closers.splice(0)) await c().catch(() => {})
    await cleanupAll()
  })

  itExtended('N4 slow-wan: 200 ms RTT, 1 MiB/s, 1 % of connections reset: completes, progress monotonic, status ≤ 2 s', async function () {
    const rng = seededRng('N4 slow-wan')
    const sizeMiB = Number(process.env.QUIRE_N4_MIB ?? (EXTENDED ? 1024 : 64))
    const size = sizeMiB * MiB
    const RATE = 1 * MiB
    // the whole transfer at the cap, twice over, plus set-up
    const budgetMs = 2 * (size / RATE) * 1000 + 120_000
    console.log(`      N4: ${sizeMiB} MiB + 500 docs at ${RATE / MiB} MiB/s, 200 ms RTT; budget ${(budgetMs / 1000).toFixed(0)} s`)

    const [S, R] = await initNodes(['S', 'R'], ip)
    const proxy = await FaultProxy.start({ listenHost: ip(), targetHost: S.ip, targetPort: S.port, name: 'N4 R→S' })
    const link = await DelayLink.start({ listenHost: ip(), targetHost: proxy.listenHost, targetPort: proxy.port, delayMs: 100, resetChance: 0.01, rand: rng.next })
    closers.push(async () => { await link.close() }, async () => { await proxy.close() })
    proxy.rate(RATE, 'toClient').rate(RATE, 'toTarget')
    await quireOk(['peer', 'add', R.peerId, '--replicate', '--datareplicate', '--home', S.home], { timeoutMs: 60_000 })
    await quireOk(['peer', 'add', `${link.multiaddr}/p2p/${S.peerId}`, '--home', R.home], { timeoutMs: 60_000 })
    // libp2p's connection monitor logs (at error level) each connection it aborts for a failed ping
    const env = { DEBUG: 'libp2p:connection-monitor:error' }
    await Promise.all([serveNode(S, ['--interval', '5'], env), serveNode(R, ['--interval', '5'], env)])
    await waitConnected(R, S, 30_000)

    // 500 small documents (1 KiB data each) and the big one
    const small = Array.from({ length: 500 }, (_, i) => ({ id: `wan.d${i}`, meta: `{"i":${i}}`, data: seededBytes(rng.seed, `d${i}`, 1024) }))
    await putDocsApi(S, small)
    const big = seededBytes(rng.seed, 'big', size)
    const bigCid = await cidOf(big)
    const cuts = [rng.int(Math.floor(size * 0.1), Math.floor(size * 0.4)), rng.int(Math.floor(size * 0.5), Math.floor(size * 0.8))]
    console.log(`      N4: cuts at ${cuts.join(', ')} bytes of the file's direction (plus set-up bytes already forwarded: ${proxy.forwarded.toClient})`)
    proxy.rstSeries(cuts.map(c => c + proxy.forwarded.toClient), { dir: 'toClient' })
    const started = Date.now()
    // a 1 GiB put (hashed, written, fsynced) takes longer than the API's default 5 s bound
    await longOp(S, 'put', { id: 'wan.big', meta: await tmpFile('big.meta', '{"big":true}'), data: await tmpFile('big.data', big) }, 300_000)

    // sample progress and liveness every second until R holds everything
    let maxStatusMs = 0
    let slowStatus = 0
    let prevDone = 0
    const regressions: Array<{ at: number, from: number, to: number }> = []
    const transfers = new Set<number>()
    let done = false
    let samples = 0
    const timeStatus = async (n: ClusterNode): Promise<any> => {
      const t = performance.now()
      const st = await op(n, 'status')
      const ms = performance.now() - t
      maxStatusMs = Math.max(maxStatusMs, ms)
      if (ms > 2_000) slowStatus++
      return st
    }
    const deadline = started + budgetMs
    while (!done) {
      if (Date.now() > deadline) throw new Error(`N4: not complete within ${budgetMs} ms; progress ${prevDone} of ${size}`)
      const [stR] = await Promise.all([timeStatus(R), timeStatus(S)])
      samples++
      const t = (stR.transfers as any[]).find(x => x.cid === bigCid)
      // `done` counts the resumed prefix once the transfer knows it (0 until then)
      if (t != null) transfers.add(t.startedAt)
      if (t != null && t.done > 0) {
        if (t.done < prevDone - 4 * MiB) regressions.push({ at: Date.now() - started, from: prevDone, to: t.done })
        prevDone = t.done
      }
      const docs = await allDocs(R)
      done = docs.length === 501 && docs.every(d => d.data?.local === true)
      if (!done) await sleep(1_000)
    }
    const elapsed = Date.now() - started
    const counters = (await op(R, 'status')).partners.find((p: any) => p.peerId === S.peerId).counters
    const resets = proxy.resets + link.resets
    const pingAborts = [S, R].map(n => (n.served!.stderr().match(/aborting connection due to ping failure/g) ?? []).length)
    for (const n of [S, R]) {
      const why = n.served!.stderr().split('\n').filter(l => l.includes('error during heartbeat')).slice(0, 2)
      if (why.length > 0) console.log(`      N4 ${n.name}: ${why.map(l => l.slice(0, 300)).join(' | ')}`)
    }
    console.log(`      N4: complete in ${(elapsed / 1000).toFixed(1)} s (${(size / MiB / (elapsed / 1000)).toFixed(2)} MiB/s); ` +
      `resets: ${proxy.resets} cut + ${link.resets} of ${link.connections} connections; transfers of the file started: ${transfers.size}; ` +
      `connections aborted for a late ping (S, R): ${pingAborts.join(', ')}; progress regressions: ${JSON.stringify(regressions)}; ` +
      `bytes read ${counters.bytesReceived} (${(counters.bytesReceived / size).toFixed(3)} × size); status max ${maxStatusMs.toFixed(0)} ms over ${samples} samples`)

    assert.ok(await hashesTo(dataPath(R.home, bigCid), bigCid), 'the big file at R does not hash to its CID')
    assert.ok(regressions.length <= resets, `progress went back ${regressions.length} times with only ${resets} resets made: spurious aborts`)
    assert.ok(transfers.size <= resets + 1, `the file's transfer started ${transfers.size} times with only ${resets} resets made: spurious aborts (ping aborts ${pingAborts.join(', ')})`)
    assert.ok(counters.bytesReceived <= 1.25 * (size + 500 * 1024), `read ${counters.bytesReceived} bytes for ${size}`)
    assert.equal(slowStatus, 0, `status took more than 2 s ${slowStatus} times (max ${maxStatusMs.toFixed(0)} ms)`)
    assert.ok(proxy.resets >= 1, 'no cut landed inside the transfer: the fault was not exercised')
    const st = await op(R, 'status')
    assert.deepEqual(st.transfers, [], 'a transfer is still listed after completion')
    proxy.heal()
    assertInvariants(await checkCluster([S, R]))
  })
})
