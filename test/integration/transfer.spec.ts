/**
 * Data file transfers between real `quire serve` processes, through a TCP fault proxy
 * (test/fixtures/fault-proxy.ts; reliability battery N3 and the receive half of C1).
 *
 * Topology of every case: a sender S and a receiver R. S lists R by peer ID only (accept-only:
 * S never dials R, so no byte can go around the proxy) with --replicate --datareplicate. R lists S
 * at the PROXY's address, no flags: every connection R makes to S, and so every byte of every file,
 * goes through the proxy. Both run `serve --interval 1`. Every file is checked with node's sha256
 * and multiformats (CIDv1 raw), never with Quire's own hashing.
 *
 * Randomized cases print `SEED=…`; `SEED=… npx mocha --no-config dist/test/integration/transfer.spec.js`
 * replays the same cut offsets and the same file bytes.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import * as Digest from 'multiformats/hashes/digest'
import { cleanupAll, initNode, quireOk, sleep, startServe, waitFor, type InitNode, type Served } from '../fixtures/cli.js'
import { FaultProxy } from '../fixtures/fault-proxy.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { prng, seedFromEnv, seededBytes } from '../fixtures/seed.js'
import { cidOf, dataPath, stagedFiles, stagingDir } from '../fixtures/damage.js'
import { itExtended } from '../reliability/harness/tier.js'

/** This file's loopback addresses: 127.0.0.240 … 127.0.0.254 (other files use other ranges). */
const ip = loopbackRange(240, 254, { spread: true })

const KiB = 1024
const MiB = 1024 * KiB
const READY_MS = 30_000

let tmp: string
const proxies: FaultProxy[] = []
/** nodes started by the current case, for their logs if it fails */
let served: Site[] = []
/** watchers still polling (stopped by afterEach if a case failed before stopping them) */
const watchers = new Set<() => Promise<string[]>>()

// ---------------------------------------------------------------------------------------------
// seeds, bytes, CIDs

/** CIDv1 raw sha2-256 of a file, streamed (node's sha256, wrapped by multiformats). */
async function cidOfFile (path: string): Promise<{ cid: string, size: number }> {
  const h = createHash('sha256')
  let size = 0
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) { h.update(chunk as Buffer); size += (chunk as Buffer).byteLength }
  return { cid: CID.createV1(raw.code, Digest.create(sha256.code, h.digest())).toString(), size }
}

/** Staged entries, sorted (damage.ts stagedFiles). */
async function stagedNames (home: string): Promise<string[]> {
  return (await stagedFiles(home)).sort()
}

async function sizeOf (path: string): Promise<number | null> {
  try { return (await stat(path)).size } catch { return null }
}

async function writeTmp (name: string, bytes: Uint8Array | string): Promise<string> {
  const path = join(tmp, name)
  await writeFile(path, bytes)
  return path
}

const mib = (n: number): string => `${(n / MiB).toFixed(2)} MiB`

// ---------------------------------------------------------------------------------------------
// a sender, a receiver, and the proxy between them

interface Site extends InitNode { served?: Served }

interface Pair {
  S: Site
  R: Site
  proxy: FaultProxy
  /** established TCP connections seen that join S and R without the proxy (see watchBypass) */
  bypass: Set<string>
}

function hexIp (h: string): string {
  return (h.match(/../g) ?? []).reverse().map(x => parseInt(x, 16)).join('.')
}

/** Established IPv4 TCP connections: local and remote `ip:port`. */
async function tcpConnections (): Promise<Array<{ local: string, remote: string }>> {
  const text = await readFile('/proc/net/tcp', 'utf8').catch(() => '')
  const out: Array<{ local: string, remote: string }> = []
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f.length < 4 || f[3] !== '01') continue
    const [la, lp] = f[1].split(':')
    const [ra, rp] = f[2].split(':')
    out.push({ local: `${hexIp(la)}:${parseInt(lp, 16)}`, remote: `${hexIp(ra)}:${parseInt(rp, 16)}` })
  }
  return out
}

/**
 * Every 50 ms, look for a connection to S's or R's listen port that does not come from the proxy
 * (the proxy opens its upstream connections from its own address): such a connection carries
 * bytes the proxy never sees, so its faults do not apply. Only S and R could make one.
 */
function watchBypass (p: Pair): void {
  const S = `${p.S.ip}:${p.S.port}`
  const R = `${p.R.ip}:${p.R.port}`
  let stopped = false
  const run = async (): Promise<void> => {
    while (!stopped) {
      for (const c of await tcpConnections()) {
        if ((c.local === S && !c.remote.startsWith(`${p.proxy.listenHost}:`)) || c.local === R) {
          p.bypass.add(`${c.remote} → ${c.local === S ? `S (${S})` : `R (${R})`}, seen ${new Date().toISOString()}`)
        }
      }
      await sleep(50)
    }
  }
  const done = run()
  const stop = async (): Promise<string[]> => { stopped = true; watchers.delete(stop); await done; return [] }
  watchers.add(stop)
}

/** `TRANSFER_DEBUG=quire:fetch,quire:file` turns on the nodes' debug logs (printed when a case fails). */
const DEBUG = process.env.TRANSFER_DEBUG

async function serve (s: Site): Promise<Served> {
  s.served = await startServe(s.home, ['--interval', '1'], { timeoutMs: READY_MS, ...(DEBUG != null ? { env: { DEBUG } } : {}) })
  served.push(s)
  return s.served
}

/** Init S and R, put a proxy in front of S, list each other as the module comment says, start both. */
async function pair (name: string): Promise<Pair> {
  const [S, R] = await Promise.all([initNode(`${name}-S`, ip()), initNode(`${name}-R`, ip())])
  const proxy = await FaultProxy.start({ listenHost: ip(), targetHost: S.ip, targetPort: S.port, name: `${name} R→S` })
  proxies.push(proxy)
  await Promise.all([
    quireOk(['peer', 'add', R.peerId, '--replicate', '--datareplicate', '--home', S.home]),
    quireOk(['peer', 'add', `${proxy.multiaddr}/p2p/${S.peerId}`, '--home', R.home])
  ])
  const p: Pair = { S, R, proxy, bypass: new Set() }
  watchBypass(p)
  await Promise.all([serve(S), serve(R)])
  await waitConnected(p)
  return p
}

async function waitConnected (p: Pick<Pair, 'R' | 'S'>, timeoutMs = 20_000): Promise<void> {
  await waitFor(async () => {
    const st = await p.R.served!.op('status')
    return st.partners.some((x: any) => x.peerId === p.S.peerId && x.connected === true)
  }, timeoutMs, `${p.R.name} to be connected to ${p.S.name} through the proxy`, 100)
}

/** R's counters for S (this process's, since its start). */
async function countersAtR (p: Pair): Promise<any> {
  const st = await p.R.served!.op('status')
  return st.partners.find((x: any) => x.peerId === p.S.peerId)?.counters ?? null
}

interface Put { id: string, cid: string, size: number, bytes?: Buffer }

/** Put one document with `bytes` as its data at S (through S's API). */
async function putAt (s: Site, id: string, bytes: Buffer): Promise<Put> {
  const [meta, data] = await Promise.all([writeTmp(`${id}.meta`, `{"title": "${id}"}`), writeTmp(`${id}.data`, bytes)])
  const r = await s.served!.op('put', { id, meta, data })
  assert.equal(r.id, id)
  return { id, cid: await cidOf(bytes), size: bytes.byteLength, bytes }
}

/** Put many documents at S in one `put.batch`. */
async function putBatchAt (s: Site, docs: Array<{ id: string, bytes: Buffer }>): Promise<Put[]> {
  const lines: string[] = []
  for (const d of docs) {
    const [meta, data] = await Promise.all([writeTmp(`${d.id}.meta`, `{"title": "${d.id}"}`), writeTmp(`${d.id}.data`, d.bytes)])
    lines.push(JSON.stringify({ id: d.id, meta, data }))
  }
  const r = await s.served!.op('put.batch', { file: await writeTmp(`batch-${docs[0].id}`, lines.join('\n') + '\n') })
  assert.equal(r.stored, docs.length, `put.batch stored ${r.stored} of ${docs.length}: ${JSON.stringify(r.failed)}`)
  return await Promise.all(docs.map(async d => ({ id: d.id, cid: await cidOf(d.bytes), size: d.bytes.byteLength })))
}

/** R's view of documents: id → data {cid,size,local} (paged `ls`). */
async function dataAtR (R: Site): Promise<Map<string, any>> {
  const out = new Map<string, any>()
  let after: string | undefined
  for (;;) {
    const page: any[] = await R.served!.op('ls', { limit: 1000, ...(after != null ? { after } : {}) })
    for (const d of page) out.set(d.id, d.data)
    if (page.length < 1000) return out
    after = page[page.length - 1].id
  }
}

async function waitAllLocal (R: Site, puts: Put[], timeoutMs: number): Promise<void> {
  let last = ''
  try {
    await waitFor(async () => {
      const seen = await dataAtR(R)
      const missing = puts.filter(p => seen.get(p.id)?.local !== true)
      last = `${missing.length} of ${puts.length} not local yet (e.g. ${missing.slice(0, 3).map(p => `${p.id}: ${JSON.stringify(seen.get(p.id) ?? 'no record')}`).join(', ')})`
      return missing.length === 0
    }, timeoutMs, `${puts.length} data files to be local at ${R.name}`, 250)
  } catch (err: any) {
    const st = await R.served!.op('status').catch(() => null)
    throw new Error(`${err.message}; ${last}; R status: wantedFiles ${st?.counts?.wantedFiles}, transfers ${JSON.stringify(st?.transfers)}, connected ${st?.counts?.connected}`)
  }
}

/** Every put's file at R: under its final name, the right size, hashing to its CID (our hashing). */
async function assertStoredRight (R: Site, puts: Put[]): Promise<void> {
  const bad: string[] = []
  for (const p of puts) {
    const path = dataPath(R.home, p.cid)
    const size = await sizeOf(path)
    if (size == null) { bad.push(`${p.id} (${p.size} B): no file ${p.cid}`); continue }
    const got = await cidOfFile(path)
    if (got.size !== p.size || got.cid !== p.cid) bad.push(`${p.id}: ${got.size} B hashing to ${got.cid}, want ${p.size} B ${p.cid}`)
  }
  assert.deepEqual(bad, [], 'every file at R is whole and hashes to its CID')
}

/**
 * Watches R's final path for `cid` and the document's `local` flag while a transfer runs: any
 * file that appears under the final name must be whole (size, then the hash once), and `local`
 * must not be true while the final file is not whole. Violations are collected, not thrown.
 */
function watchFinal (R: Site, id: string, cid: string, size: number): { stop: () => Promise<string[]>, localSeen: () => boolean, firstSeenAt: () => number | null } {
  const problems: string[] = []
  let firstSeen: number | null = null
  let stopped = false
  let hashed = false
  let localSeen = false
  const path = dataPath(R.home, cid)
  const files = (async () => {
    while (!stopped) {
      const s = await sizeOf(path)
      if (s != null && firstSeen == null) firstSeen = Date.now()
      if (s != null && s !== size) problems.push(`a ${s}-byte file appeared under the final name ${cid} (want ${size})`)
      if (s === size && !hashed) {
        hashed = true
        const got = await cidOfFile(path)
        if (got.cid !== cid) problems.push(`the file under ${cid} hashes to ${got.cid}`)
      }
      await sleep(20)
    }
  })()
  const flags = (async () => {
    while (!stopped) {
      try {
        const doc = await R.served?.op('get', { id })
        if (doc?.data?.local === true) {
          localSeen = true
          const s = await sizeOf(path)
          if (s !== size) problems.push(`get said local:true while the final file was ${s ?? 'absent'} bytes (want ${size})`)
        }
      } catch {} // R may be down (killed) or the record not there yet
      await sleep(100)
    }
  })()
  const stop = async (): Promise<string[]> => { stopped = true; watchers.delete(stop); await Promise.all([files, flags]); return problems }
  watchers.add(stop)
  return { localSeen: () => localSeen, firstSeenAt: () => firstSeen, stop }
}

// ---------------------------------------------------------------------------------------------
// N3: cuts at growing offsets of one transfer

const N3_SIZE = 64 * MiB
const N3_CUTS = 20
/** a cut is armed at least this far beyond what the proxy has forwarded, so it lands in the file's bytes, not in a handshake or a pull */
const N3_MIN_GAP = 256 * KiB
/** a node that retries promptly brings the next cut well within this */
const N3_PER_CUT_MS = 30_000

async function n3 (opts: { nudge: boolean }): Promise<void> {
  const seed = seedFromEnv(`N3${opts.nudge ? ' (nudged)' : ''}`)
  const rand = prng(seed)
  // offsets into the byte stream the proxy forwards toward R, counted from the put; growing
  const offsets = Array.from({ length: N3_CUTS }, () => Math.floor(rand() * (N3_SIZE - 4 * MiB))).sort((a, b) => a - b)
  console.log(`      cut offsets (MiB): ${offsets.map(o => (o / MiB).toFixed(1)).join(' ')}`)
  const bytes = seededBytes(seed, 'n3', N3_SIZE)
  const p = await pair(opts.nudge ? 'n3n' : 'n3')
  const cid = await cidOf(bytes)
  const watch = watchFinal(p.R, 'n3.big', cid, N3_SIZE)
  const base = p.proxy.forwarded.toClient
  const started = Date.now()
  const part = join(stagingDir(p.R.home), `${cid}.part`)
  const cuts: Array<{ at: number, ms: number, staged: number | null, read: number }> = []
  const report = (): void => {
    // the proxy cuts on its own schedule (rstSeries); the last two columns are what the test saw when
    // it got to look after that cut, which in the nudged case can be several cuts later
    console.log(`      cuts (MiB forwarded toward R since the put / s since the put / MiB staged at R, MiB R had read, when the test looked): ${cuts.map(c => `${(c.at / MiB).toFixed(1)}/${(c.ms / 1000).toFixed(1)}/${c.staged == null ? '-' : (c.staged / MiB).toFixed(0)}/${(c.read / MiB).toFixed(1)}`).join('  ')}`)
  }
  // the proxy re-arms itself at each cut (rstSeries): no byte passes unwatched between two cuts
  p.proxy.rstSeries(offsets.map(o => base + o), { minGap: N3_MIN_GAP })
  const put = await putAt(p.S, 'n3.big', bytes)
  try {
    for (let k = 0; k < N3_CUTS; k++) {
      const conns = p.proxy.connections
      try {
        await p.proxy.waitResets(k + 1, N3_PER_CUT_MS)
      } catch (err: any) {
        const st = await p.R.served!.op('status').catch(() => null)
        const partner = st?.partners?.find((x: any) => x.peerId === p.S.peerId)
        throw new Error(`cut ${k + 1} of ${N3_CUTS} did not come within ${N3_PER_CUT_MS / 1000} s of cut ${k} (${((Date.now() - started) / 1000).toFixed(0)} s since the put): ` +
          `R did not retry the transfer. R: connected ${partner?.connected}, wanted files ${st?.counts?.wantedFiles}, transfers ${JSON.stringify(st?.transfers)}, ` +
          `staged ${mib((await sizeOf(part)) ?? 0)}, final file ${(await sizeOf(dataPath(p.R.home, cid))) ?? 'absent'}; proxy: ${p.proxy.connections - conns} new connections, ` +
          `${mib(p.proxy.forwarded.toClient - base - (cuts.at(-1)?.at ?? 0))} forwarded since the last cut; connections around the proxy: ${JSON.stringify([...p.bypass])}. (${err.message})`)
      }
      const cut = p.proxy.resetLog[k]
      // the failed attempt is over at R (its bytes are counted when it ends)
      await waitFor(async () => ((await p.R.served!.op('status')).transfers as any[]).length === 0, 10_000, `R to give up the cut transfer ${k + 1}`, 20).catch(() => {})
      const counters = await countersAtR(p).catch(() => null)
      cuts.push({ at: cut.total - base, ms: cut.time - started, staged: await sizeOf(part), read: counters?.bytesReceived ?? NaN })
      if (opts.nudge) {
        // the old connection must be gone and a new one identified before the offer can travel
        await waitFor(() => p.proxy.connections > cut.connection, 20_000, 'R to redial through the proxy', 50)
        await waitConnected(p)
        await p.R.served!.op('sync', { full: true })
      }
    }
    await waitAllLocal(p.R, [put], 120_000)
  } finally {
    report()
  }
  const problems = await watch.stop()
  await assertStoredRight(p.R, [put])
  const counters = await countersAtR(p)
  const viaProxy = p.proxy.forwarded.toClient - base
  const ratioRead = counters.bytesReceived / N3_SIZE
  const ratioProxy = viaProxy / N3_SIZE
  console.log(`      ${p.proxy.resets} resets, ${p.proxy.connections} connections; R read ${mib(counters.bytesReceived)} from the network (${ratioRead.toFixed(3)} × size); ` +
    `the proxy forwarded ${mib(viaProxy)} toward R (${ratioProxy.toFixed(3)} × size; this includes what sat in socket and libp2p buffers when each RST came); ${((Date.now() - started) / 1000).toFixed(1)} s`)
  assert.deepEqual(problems, [], 'nothing partial under the final name, no local:true before the file was whole')
  assert.deepEqual([...p.bypass], [], 'no connection between the nodes went around the proxy')
  assert.equal(p.proxy.resets, N3_CUTS)
  const whole = watch.firstSeenAt()
  assert.ok(whole != null && p.proxy.resetLog.every(r => r.time < whole), 'every cut came before the file was whole (mid-transfer)')
  assert.ok(counters.bytesReceived <= viaProxy, 'R read no byte that did not come through the proxy')
  assert.ok(counters.bytesReceived <= 1.25 * N3_SIZE, `R read ${counters.bytesReceived} bytes from the network (${ratioRead.toFixed(3)} ×): more than 1.25 × ${N3_SIZE}`)
  const st = await p.R.served!.op('status')
  assert.deepEqual(st.transfers, [], 'no transfer left in status after completion')
  assert.equal(st.counts.wantedFiles, 0)
  assert.deepEqual(await stagedNames(p.R.home), [], 'staging is empty')
}

// ---------------------------------------------------------------------------------------------

describe('data file transfers through a fault proxy (real quire serve processes)', function () {
  this.timeout(300_000)

  beforeEach(async function () {
    tmp = await mkdtemp(join(tmpdir(), 'quire-transfer-'))
  })

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      for (const s of served) {
        const log = s.served?.stderr() ?? ''
        if (DEBUG != null) {
          const file = join(tmpdir(), `quire-transfer-${s.name}-${process.pid}.log`)
          await writeFile(file, log)
          console.log(`      ${s.name}'s log: ${file}`)
        }
        console.log(`      --- ${s.name} stderr (tail) ---\n${log.split('\n').slice(-30).join('\n')}`)
      }
    }
    served = []
    await Promise.all([...watchers].map(async stop => await stop()))
    await Promise.all(proxies.splice(0).map(async p => { await p.close() }))
    await cleanupAll()
    await rm(tmp, { recursive: true, force: true })
  })

  /**
   * N3 without help: after each cut the receiver must redial through the proxy and retry the
   * transfer on its own. Partners are redialled every LINK_CHECK_INTERVAL_MS (2 s), and a partner
   * that is back is tried again at once however many tries failed before (fetcher.ts), so a node
   * that retries promptly needs well under 30 s per cut; the case fails at the first cut that does
   * not come within that.
   */
  it('N3: the connection cut at 20 random byte offsets of a 64 MiB transfer: the node retries by itself, the file completes, hashes right, ≤ 1.25 × its size read', async function () {
    await n3({ nudge: false })
  })

  /**
   * The same cuts, but after each reconnection the test runs `sync --full` at R (an operator's
   * nudge: the partner offers the file again, which clears the fetcher's back-off). This measures
   * resumption and the bytes budget whatever the retry schedule. Nightly only since the retry
   * schedule itself is tested above and in "6 cuts in a row" (CI's 30 minutes).
   */
  itExtended('N3 with a `sync --full` nudge after each reconnection: 20 cuts, the file completes, hashes right, ≤ 1.25 × its size read', async function () {
    await n3({ nudge: true })
  })

  /**
   * The retry schedule after cuts that move no whole block (N3's near-identical offsets, again and
   * again). The transfer starts on a slow link (4 MiB/s) until R's pull has gone past the put: a pull
   * pass that offers the file again starts any back-off over, and a cut kills the pass too. Then the
   * link is fast and each cut comes 512 KiB (of what the proxy forwards toward R) after the one
   * before, so no try completes a 1 MiB block, and each cut takes the connection down. A node that
   * tries the partner again as soon as it is back brings each cut within a redial
   * (LINK_CHECK_INTERVAL_MS, 2 s) and a try; one that doubles its back-off over the cuts (1, 2, 4,
   * 8, 16 s) misses the bound by the fifth. Then the link is clean and the file must complete.
   */
  it('6 cuts in a row that move no whole block: the node tries the partner again as soon as it is back, each time, and the file completes', async function () {
    const SIZE = 128 * MiB
    const CUTS = 6
    const GAP = 512 * KiB
    /** a redial and a try fit well within this */
    const PROMPT_MS = 8_000
    const bytes = seededBytes(2, 'rb', SIZE)
    const p = await pair('rb')
    const cid = await cidOf(bytes)
    // ~32 s for the whole file: R's pull passes get by in the meantime (behind a few MiB of it)
    p.proxy.rate(4 * MiB, 'toClient')
    const put = await putAt(p.S, 'rb.big', bytes)
    const putAtMs = Date.now()
    // passes against a partner run one at a time: the second to complete after the put began after it
    let first: number | null = null
    await waitFor(async () => {
      const st = await p.R.served!.op('status')
      const checked = Date.parse(st.partners.find((x: any) => x.peerId === p.S.peerId)?.lastChecked ?? '')
      if (!(checked > putAtMs)) return false
      first ??= checked
      return checked > first
    }, 25_000, 'R to pull past the put', 50)
    assert.equal(await sizeOf(dataPath(p.R.home, cid)), null, 'the file is still on its way when the cuts begin')
    p.proxy.rate(0, 'toClient')
    p.proxy.rstSeries(Array<number>(CUTS).fill(0), { minGap: GAP })
    const started = Date.now()
    const at = (): string => p.proxy.resetLog.map(r => ((r.time - started) / 1000).toFixed(1)).join(', ')
    for (let k = 1; k <= CUTS; k++) {
      await p.proxy.waitResets(k, PROMPT_MS).catch(async err => {
        const st = await p.R.served!.op('status').catch(() => null)
        throw new Error(`cut ${k} of ${CUTS} did not come within ${PROMPT_MS / 1000} s of the one before (cuts at ${at()} s): R did not try again. ` +
          `R: connected ${st?.partners?.find((x: any) => x.peerId === p.S.peerId)?.connected}, transfers ${JSON.stringify(st?.transfers)}. (${err.message})`)
      })
    }
    console.log(`      cuts at ${at()} s after R's pull was past the put (${((started - putAtMs) / 1000).toFixed(1)} s after the put)`)
    // the rest of the file: ~100 MiB to move and hash, on a machine that may be busy
    await waitAllLocal(p.R, [put], 30_000)
    console.log(`      the file was local ${((Date.now() - started) / 1000).toFixed(1)} s after the first cut was armed`)
    assert.equal(p.proxy.resets, CUTS)
    assert.deepEqual([...p.bypass], [], 'no connection between the nodes went around the proxy')
    await assertStoredRight(p.R, [put])
    assert.deepEqual(await stagedNames(p.R.home), [], 'staging is empty')
  })

  it('C1 (receive side): the receiver killed -9 mid-file resumes after restart from its staged part, and nothing partial is ever visible', async function () {
    const SIZE = 48 * MiB
    const bytes = seededBytes(1, 'c1', SIZE)
    const p = await pair('c1')
    // slow enough to kill it mid-file: ~3 s for the whole file
    p.proxy.rate(16 * MiB, 'toClient')
    const cid = await cidOf(bytes)
    const watch = watchFinal(p.R, 'c1.big', cid, SIZE)
    const put = await putAt(p.S, 'c1.big', bytes)
    const part = join(stagingDir(p.R.home), `${cid}.part`)
    const staged = await waitFor(async () => { const s = await sizeOf(part); return s != null && s >= SIZE * 0.4 ? s : null }, 60_000, 'R to have staged 40 % of the file', 20)
    await p.R.served!.kill9()
    const kept = (await sizeOf(part)) ?? 0
    console.log(`      killed R with ${mib(staged)} staged (${mib(kept)} on disk after the kill)`)
    assert.equal(await sizeOf(dataPath(p.R.home, cid)), null, 'nothing under the final name after the kill')
    assert.ok(kept > 0, 'the staged part survived the kill')
    assert.ok((await stagedNames(p.R.home)).includes(`${cid}.blocks`), 'its block list is kept beside it')
    p.proxy.heal()
    await serve(p.R)
    await waitAllLocal(p.R, [put], 60_000)
    const problems = await watch.stop()
    assert.deepEqual(problems, [], 'nothing partial under the final name, no local:true before the file was whole')
    assert.deepEqual([...p.bypass], [], 'no connection between the nodes went around the proxy')
    await assertStoredRight(p.R, [put])
    const counters = await countersAtR(p)
    console.log(`      after the restart R read ${mib(counters.bytesReceived)} of ${mib(SIZE)} (kept ${mib(kept)})`)
    assert.ok(counters.bytesReceived < SIZE, `after the restart R read ${counters.bytesReceived} bytes: the whole file again, not resumed`)
    assert.ok(counters.bytesReceived <= SIZE - kept + 1 * MiB, `after the restart R read ${counters.bytesReceived} bytes: more than the ${SIZE - kept} it lacked plus one block`)
    assert.deepEqual(await stagedNames(p.R.home), [], 'staging is empty')
  })

  describe('sizes and batches (one pair)', function () {
    let p: Pair

    beforeEach(async function () {
      p = await pair('sz')
    })

    it('0 and 1 bytes, and sizes off every chunk, block and batch boundary, replicate and hash right', async function () {
      const sizes = [0, 1, 2, 64 * KiB - 1, 64 * KiB + 1, 256 * KiB - 1, 256 * KiB, 256 * KiB + 1, 1 * MiB - 1, 1 * MiB, 1 * MiB + 1, 3 * MiB - 7, 2 * MiB + 4097]
      const docs = sizes.map((n, i) => ({ id: `sz.f${i}-${n}`, bytes: seededBytes(7, `sz${i}`, n) }))
      const puts = await putBatchAt(p.S, docs)
      await waitAllLocal(p.R, puts, 60_000)
      await assertStoredRight(p.R, puts)
      // and `get --data-out` at R gives the bytes back
      for (const [i, d] of docs.entries()) {
        const out = join(tmp, `out-${i}`)
        await p.R.served!.op('get', { id: d.id, dataOut: out })
        assert.equal((await cidOfFile(out)).cid, puts[i].cid, `${d.id} written out`)
      }
      assert.deepEqual(await stagedNames(p.R.home), [], 'staging is empty')
    })

    it('300 small files (1–4 KiB) replicate in batches: all local, all hash right, staging empty', async function () {
      const rand = prng(300)
      const docs = Array.from({ length: 300 }, (_, i) => ({ id: `many.f${String(i).padStart(3, '0')}`, bytes: seededBytes(300, `m${i}`, 1024 + Math.floor(rand() * 3 * KiB)) }))
      const before = p.proxy.connections
      const puts = await putBatchAt(p.S, docs)
      await waitAllLocal(p.R, puts, 60_000)
      await assertStoredRight(p.R, puts)
      const counters = await countersAtR(p)
      const total = puts.reduce((n, x) => n + x.size, 0)
      assert.equal(counters.filesReceived, 300)
      assert.equal(counters.bytesReceived, total, 'R read each file once')
      assert.equal(p.proxy.connections, before, 'no reconnection was needed')
      await waitFor(async () => (await stagedNames(p.R.home)).length === 0, 5_000, 'staging to be empty', 100).catch(async () => {
        assert.deepEqual(await stagedNames(p.R.home), [], 'staging is empty')
      })
      const st = await p.R.served!.op('status')
      assert.equal(st.counts.wantedFiles, 0)
    })
  })
})
