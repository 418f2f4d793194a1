/**
 * Reliability battery S7 slow-stream, S8 stream-flood, S9 fetch-flood: listed peers that abuse
 * their access, against a real `quire serve` victim that replicates with a good partner. The
 * victim runs with QUIRE_IDLE_TIMEOUT_MS=10000 (the battery's "idle timeout set to 10 s in tests").
 * Flooders are bare libp2p hosts with a listed identity (harness/abuse.ts bareListed): no Quire
 * handlers of their own, so libp2p does not cap the streams they open.
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Stream } from '@libp2p/interface'
import { cleanupAll, sleep } from '../fixtures/cli.js'
import { op, waitUntil, type ClusterNode } from '../fixtures/cluster.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { seededBytes, seedFromEnv } from '../fixtures/seed.js'
import { FaultProxy } from '../fixtures/fault-proxy.js'
import type { Host } from '../../src/node/create-libp2p.js'
import * as inv from '../../src/protocols/inventory/constants.js'
import * as file from '../../src/protocols/file/constants.js'
import * as lock from '../../src/protocols/lock/constants.js'
import { assertInvariants, checkLiveness, checkResources, resources } from './harness/invariants.js'
import { scale } from './harness/tier.js'
import { bareListed, stopHosts, crashLines, fileRequest, probe, replicates, requestFile, serving, victimAndPartner } from './harness/abuse.js'

const ip = loopbackRange(50, 69, { subnet: 2 })
const IDLE_MS = 10_000
const ENV = { QUIRE_IDLE_TIMEOUT_MS: String(IDLE_MS) }
const MiB = 1 << 20
/** Eligible for the victim's data files (so a file request is served, not refused as not eligible). */
const DATA_ROW = { replicate: true, datareplicate: true }

const proxies: FaultProxy[] = []
/** Run after each case of every describe below (a root-level hook would run after every test of the whole suite). */
async function cleanUp (): Promise<void> {
  await stopHosts()
  await Promise.all(proxies.splice(0).map(async p => { await p.close().catch(() => {}) }))
  await cleanupAll()
}

/** Put a document with `size` seeded bytes of data at `v`; returns its data CID. */
async function putData (v: ClusterNode, id: string, size: number, seed: number): Promise<string> {
  const meta = join(v.tmp.dir, `${id}.meta`)
  const data = join(v.tmp.dir, `${id}.data`)
  await writeFile(meta, `meta of ${id}`)
  await writeFile(data, seededBytes(seed, id, size))
  await op(v, 'put', { id, meta, data })
  return (await op(v, 'get', { id })).data.cid
}

/** Wait until `p` holds `id`'s data file; returns ms since `t0`. */
async function whenLocal (p: ClusterNode, id: string, t0: number, withinMs: number): Promise<number> {
  await waitUntil(`${p.name} to hold the data of ${id}`, async () => {
    const d = await op(p, 'get', { id }).catch(() => null)
    return d?.data?.local === true ? null : 'not yet'
  }, withinMs, 50)
  return performance.now() - t0
}

/** Sample `fn` every `ms` until stopped; keeps the maximum. */
function sampler (fn: () => Promise<number>, ms: number): { max: () => number, stop: () => Promise<void> } {
  let max = 0
  let running = true
  const loop = (async () => {
    while (running) {
      max = Math.max(max, await fn().catch(() => 0))
      await sleep(ms)
    }
  })()
  return { max: () => max, stop: async () => { running = false; await loop } }
}

describe('reliability S7–S9: abusive listed peers', function () {
  afterEach(cleanUp)
  this.timeout(180_000)

  it(`S9 fetch-flood: 100 parallel requests for one ${scale(16, 1024)} MiB file are capped per peer (${file.MAX_SERVING_PER_PEER}) and in all (${file.MAX_SERVING_TOTAL}); the rest get BUSY or a stream-cap reset; a partner still replicates`, async function () {
    const seed = seedFromEnv('S9')
    const [v, p] = await victimAndPartner(ip, ENV)
    // the size does not matter to the caps: an unread transfer holds its slot until the idle timeout
    const size = scale(16, 1024) * MiB
    const t0 = performance.now()
    const cid = CID.parse(await putData(v, 'floods.big', size, seed)).bytes
    await whenLocal(p, 'floods.big', t0, 60_000) // the partner's own copy done: the victim serves nothing now
    const flooder = await bareListed(v, ip(), DATA_ROW)
    const base = await resources(v.served!.pid)
    const rss = sampler(async () => (await resources(v.served!.pid)).rssMiB, 200)
    const gauge = sampler(async () => await serving(v), 50)

    // one peer, 100 streams at once
    const one = await Promise.all(Array.from({ length: 100 }, async () => await requestFile(flooder, v.peerId, cid)))
    const count = (rs: Array<{ status: string }>): Record<string, number> => rs.reduce<Record<string, number>>((c, r) => { c[r.status] = (c[r.status] ?? 0) + 1; return c }, {})
    const perPeer = count(one)
    const heldByOne = gauge.max()
    // the partner is not affected: a new file reaches it while the flooder holds its slots
    const t1 = performance.now()
    await putData(v, 'floods.during', 8 * MiB, seed)
    const partnerMs = await whenLocal(p, 'floods.during', t1, 15_000)

    // five more flooding peers, 2 requests each: 10 wanted past the flooder's 2 — the global cap
    const more: Host[] = []
    for (let i = 0; i < 5; i++) more.push(await bareListed(v, ip(), DATA_ROW))
    const heldBefore = await serving(v)
    const all = await Promise.all(more.flatMap(h => [0, 1].map(async () => await requestFile(h, v.peerId, cid))))
    const global = count(all)
    await gauge.stop()
    await rss.stop()
    console.log(`      S9: one peer × 100: ${JSON.stringify(perPeer)}, serving at most ${heldByOne}; partner got an 8 MiB file in ${partnerMs.toFixed(0)} ms meanwhile; then ${heldBefore} held + 5 peers × 2: ${JSON.stringify(global)}; serving at most ${gauge.max()}; victim RSS ${base.rssMiB.toFixed(0)} → peak ${rss.max().toFixed(0)} MiB`)

    const problems: string[] = []
    if ((perPeer.OK ?? 0) > file.MAX_SERVING_PER_PEER) problems.push(`one peer got ${perPeer.OK} transfers at once (cap ${file.MAX_SERVING_PER_PEER})`)
    if ((perPeer.BUSY ?? 0) === 0) problems.push('no request got a typed BUSY')
    const other = Object.keys(perPeer).filter(k => !['OK', 'BUSY', 'reset'].includes(k))
    if (other.length > 0) problems.push(`unexpected outcomes: ${other.join(', ')}`)
    if (heldByOne > file.MAX_SERVING_PER_PEER + 1) problems.push(`the victim served ${heldByOne} transfers while one peer flooded (its cap ${file.MAX_SERVING_PER_PEER}, plus the partner's)`)
    if (gauge.max() > file.MAX_SERVING_TOTAL) problems.push(`the victim served ${gauge.max()} transfers at once (cap ${file.MAX_SERVING_TOTAL})`)
    if ((global.OK ?? 0) + heldBefore > file.MAX_SERVING_TOTAL) problems.push(`${global.OK} more transfers granted on top of ${heldBefore} (cap ${file.MAX_SERVING_TOTAL})`)
    if ((global.BUSY ?? 0) < 10 + heldBefore - file.MAX_SERVING_TOTAL) problems.push(`only ${global.BUSY ?? 0} BUSY past the global cap`)
    if (rss.max() - base.rssMiB > 64) problems.push(`victim RSS grew ${(rss.max() - base.rssMiB).toFixed(0)} MiB (bound 64)`)
    problems.push(...crashLines(v.served!.stderr()))
    assert.deepEqual(problems, [])
    assertInvariants([
      ...await checkResources(v, base, { rssGrowMiB: 64, fdsGrow: 20 }),
      ...await checkLiveness(v), ...await checkLiveness(p)
    ])
  })

  it(`S8 stream-flood: a listed peer opens streams as fast as it can on every Quire protocol for ${scale(10, 20)} s (scaled from 20 s): per-protocol caps hold, RSS < +100 MiB, status ≤ 2 s, replication continues`, async function () {
    const [v, p] = await victimAndPartner(ip, ENV)
    const flooder = await bareListed(v, ip())
    const base = await resources(v.served!.pid)
    const victim = peerIdFromString(v.peerId)
    const caps: Record<string, number> = { [inv.PROTOCOL]: inv.MAX_INBOUND_STREAMS, [file.PROTOCOL]: file.MAX_INBOUND_STREAMS, [lock.PROTOCOL]: lock.MAX_INBOUND_STREAMS }
    const stats = new Map<string, { opened: number, refused: number, failed: number, errors: Map<string, number>, maxHeld: number, live: Map<Stream, number> }>()
    for (const proto of Object.keys(caps)) stats.set(proto, { opened: 0, refused: 0, failed: 0, errors: new Map(), maxHeld: 0, live: new Map() })
    const end = performance.now() + scale(10, 20) * 1000
    const worker = async (proto: string): Promise<void> => {
      const s = stats.get(proto)!
      while (performance.now() < end) {
        let stream: Stream
        try {
          stream = await flooder.dialProtocol(victim, proto, { signal: AbortSignal.timeout(3_000), maxOutboundStreams: 1_000_000 })
        } catch (err: any) {
          s.failed++
          s.errors.set(err.name, (s.errors.get(err.name) ?? 0) + 1)
          await sleep(1)
          continue
        }
        const at = performance.now()
        s.opened++
        s.live.set(stream, at)
        stream.addEventListener('close', () => {
          s.live.delete(stream)
          if (performance.now() - at < 1_000) s.refused++
        })
        // one byte of a request: libp2p negotiates the protocol lazily, with the first write, and
        // a stream never written to would only wait out the negotiation timeout at the victim
        try { stream.send(Uint8Array.from([0x05])) } catch {}
      }
    }
    // held: streams the victim has kept for more than 500 ms (a cap reset arrives within ms)
    const heldSampler = setInterval(() => {
      const now = performance.now()
      for (const s of stats.values()) s.maxHeld = Math.max(s.maxHeld, [...s.live.values()].filter(at => now - at > 500).length)
    }, 100)
    const live: string[] = []
    let rssPeak = base.rssMiB
    const watch = (async () => {
      while (performance.now() < end) {
        live.push(...await checkLiveness(v))
        rssPeak = Math.max(rssPeak, (await resources(v.served!.pid)).rssMiB)
        await sleep(1_000)
      }
    })()
    const flood = Promise.all(Object.keys(caps).flatMap(proto => Array.from({ length: 6 }, async () => await worker(proto))))
    await sleep(2_000)
    const replicatedMs = await replicates(v, p, 'floods.s8', 15_000)
    await flood
    clearInterval(heldSampler)
    await watch
    for (const s of stats.values()) for (const stream of s.live.keys()) stream.abort(new Error('flood over'))
    // the victim's side: every stream past a cap is reset before any handler runs, and a handler
    // holds its slot at most until the request deadline (IDLE_MS), so in T ms at most
    // cap × (1 + ceil(T / deadline)) handler calls per protocol can have happened
    const tEnd = performance.now() - (end - scale(10, 20) * 1000)
    const handlerCalls = (await op(v, 'status')).admission.inboundStreams[flooder.peerId.toString()] ?? 0
    const callBound = Object.values(caps).reduce((a, c) => a + c, 0) * (1 + Math.ceil(tEnd / IDLE_MS))
    const opened = [...stats.values()].reduce((a, s) => a + s.opened + s.failed, 0)
    const table = [...stats].map(([proto, s]) => `${proto}: opened ${s.opened}, ended by the victim within 1 s ${s.refused}, open refused ${s.failed} ${JSON.stringify(Object.fromEntries(s.errors))}, seen open > 500 ms at once ≤ ${s.maxHeld} (cap ${caps[proto]})`)
    table.push(`victim handler calls for the flooder: ${handlerCalls} of ${opened} streams tried (bound ${callBound} for ${(tEnd / 1000).toFixed(1)} s)`)
    console.log(`      S8:\n${table.map(l => `        ${l}`).join('\n')}\n        partner replication during the flood: ${replicatedMs.toFixed(0)} ms; victim RSS ${base.rssMiB.toFixed(0)} → peak ${rssPeak.toFixed(0)} MiB`)

    const problems = [...live]
    if (handlerCalls > callBound) problems.push(`${handlerCalls} handler calls for the flooder (bound ${callBound}): a stream cap is not enforced`)
    if (opened < 2 * callBound) problems.push(`the flood tried only ${opened} streams: too few to test the caps (bound ${callBound})`)
    if (rssPeak - base.rssMiB >= 100) problems.push(`victim RSS grew ${(rssPeak - base.rssMiB).toFixed(0)} MiB (bound 100)`)
    problems.push(...crashLines(v.served!.stderr()))
    assert.deepEqual(problems, [])
    assertInvariants([
      ...await checkResources(v, base, { rssGrowMiB: 100, fdsGrow: 20 }),
      ...await checkLiveness(v), ...await checkLiveness(p)
    ])
  })

  it(`S7 slow-stream: a reader that never reads, one at 1 byte/s, and a request at 1 byte / 10 s are cut within the idle bound (${IDLE_MS / 1000} s); sender RSS < +64 MiB; a partner's transfer keeps ≥ 80 % throughput (${scale(64, 1024)} MiB files)`, async function () {
    const seed = seedFromEnv('S7')
    // the victim logs each stream it gives up on (quire:file), with the time: what it did, when
    const [v, p] = await victimAndPartner(ip, { ...ENV, DEBUG: 'quire:file' })
    const size = scale(64, 1024) * MiB
    // the partner's transfer alone: the baseline
    let t0 = performance.now()
    const cid = CID.parse(await putData(v, 'floods.slow', size, seed)).bytes
    const aloneMs = await whenLocal(p, 'floods.slow', t0, 60_000)

    const never = await bareListed(v, ip(), DATA_ROW)
    // the 1 byte/s reader reaches the victim through a proxy capped at 1 byte/s toward it
    const proxy = await FaultProxy.start({ listenHost: ip(), targetHost: v.ip, targetPort: v.port, name: 'trickle' })
    proxies.push(proxy)
    const trickler = await bareListed(v, ip(), DATA_ROW, `${proxy.multiaddr}/p2p/${v.peerId}`)
    const base = await resources(v.served!.pid)
    const rss = sampler(async () => (await resources(v.served!.pid)).rssMiB, 200)

    const started = performance.now()
    const startedAt = Date.now()
    const a = await requestFile(never, v.peerId, cid)
    const b = await requestFile(trickler, v.peerId, cid)
    proxy.rate(1, 'toClient')
    assert.equal(a.status, 'OK', 'the never-reading request was served')
    assert.equal(b.status, 'OK', 'the slow-reading request was served')
    // (b) a request frame at 1 byte / 10 s: the header deadline ends it
    const slowRequest = probe({ host: never }, v.peerId, file.PROTOCOL, [...fileRequest(cid).subarray(0, 3)].map(x => Uint8Array.from([x])), { gapMs: 10_000, waitMs: file.HEADER_TIMEOUT_MS + 5_000 })
      .then(r => ({ ...r, total: performance.now() - started }))

    // meanwhile the partner fetches another file of the same size
    t0 = performance.now()
    await putData(v, 'floods.during-slow', size, seed + 1)
    const duringMs = await whenLocal(p, 'floods.during-slow', t0, 60_000)

    // both slow transfers end at the idle timeout: the victim serves nothing more
    await waitUntil('the victim to drop both slow transfers', async () => (await serving(v)) === 0 ? null : 'still serving', IDLE_MS + 20_000, 100)
    const req = await slowRequest
    await rss.stop()
    // the victim's own record: when it ended each stream, and why
    const ended = (peer: string): Array<{ ms: number, why: string }> => v.served!.stderr().split('\n').flatMap(l => {
      const m = /^(\S+Z) quire:file file stream from (\S+) failed: (.*)$/.exec(l)
      return m != null && m[2] === peer ? [{ ms: Date.parse(m[1]) - startedAt, why: m[3] }] : []
    })
    const neverEnds = ended(never.peerId.toString())
    const tricklerEnds = ended(trickler.peerId.toString())
    const idleEnd = (list: Array<{ ms: number, why: string }>): number => list.find(e => /idle/.test(e.why))?.ms ?? Infinity
    // through the 1 byte/s link the victim's keep-alive ping times out too, and may close the whole
    // connection before the idle timer fires: either way the transfer ends within the bound
    const firstEnd = (list: Array<{ ms: number, why: string }>): number => list[0]?.ms ?? Infinity
    const headerEnd = neverEnds.find(e => /timed out waiting/.test(e.why))?.ms ?? Infinity
    const ratio = aloneMs / duringMs
    console.log(`      S7: the victim ended the never-reader's transfer at ${idleEnd(neverEnds)} ms, the 1 byte/s reader's at ${firstEnd(tricklerEnds)} ms (${tricklerEnds[0]?.why}) (idle timeout ${IDLE_MS}); the 1 byte / 10 s request at ${headerEnd} ms (header deadline ${file.HEADER_TIMEOUT_MS}; the requester saw its reset at ${req.total.toFixed(0)} ms); partner ${size / MiB} MiB alone ${aloneMs.toFixed(0)} ms, during ${duringMs.toFixed(0)} ms (${(ratio * 100).toFixed(0)} %); victim RSS ${base.rssMiB.toFixed(0)} → peak ${rss.max().toFixed(0)} MiB`)

    const slack = 1_500 // for the close to be seen on a loaded 2-core machine
    const problems: string[] = []
    // from the start of the requests: a transfer's last byte moved shortly after it (one window)
    if (idleEnd(neverEnds) > IDLE_MS + slack) problems.push(`the never-reader's transfer lived ${idleEnd(neverEnds)} ms (idle ${IDLE_MS}): ${JSON.stringify(neverEnds)}`)
    if (firstEnd(tricklerEnds) > IDLE_MS + slack) problems.push(`the 1 byte/s reader's transfer lived ${firstEnd(tricklerEnds)} ms (idle ${IDLE_MS}): ${JSON.stringify(tricklerEnds)}`)
    if (headerEnd > file.HEADER_TIMEOUT_MS + slack) problems.push(`the trickled request lived ${headerEnd} ms (deadline ${file.HEADER_TIMEOUT_MS})`)
    if (rss.max() - base.rssMiB >= 64) problems.push(`sender RSS grew ${(rss.max() - base.rssMiB).toFixed(0)} MiB (bound 64)`)
    if (ratio < 0.8) problems.push(`the partner's transfer kept ${(ratio * 100).toFixed(0)} % of its throughput (bound 80 %)`)
    problems.push(...crashLines(v.served!.stderr()))
    assert.deepEqual(problems, [])
    assertInvariants([
      ...await checkResources(v, base, { rssGrowMiB: 64, fdsGrow: 20 }),
      ...await checkLiveness(v), ...await checkLiveness(p)
    ])
  })
})
