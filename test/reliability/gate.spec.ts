/**
 * Reliability battery S1 and S2 (reliability-battery.md, "Security: bad inputs and abusive peers"):
 * strangers at the gate. A real `quire serve` victim with one listed partner (also serving, so
 * replication is live), and strangers that are real libp2p hosts (S1) or raw TCP sockets (S2) on
 * their own 127.0.2.x addresses, so libp2p's per-host limits tell them from the partner.
 */
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { cleanupAll, sleep, waitFor } from '../fixtures/cli.js'
import { op, waitConnected } from '../fixtures/cluster.js'
import { replicates, victimAndPartner } from './harness/abuse.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { EvilPeer } from '../fixtures/evil-peer.js'
import { createHost, INBOUND_UPGRADE_TIMEOUT_MS, type Host } from '../../src/node/create-libp2p.js'
import { PROTOCOL as INVENTORY } from '../../src/protocols/inventory/constants.js'
import { PROTOCOL as FILE } from '../../src/protocols/file/constants.js'
import { PROTOCOL as LOCK } from '../../src/protocols/lock/constants.js'
import { assertInvariants, checkLiveness, checkResources, resources } from './harness/invariants.js'

/** Victims and partners: 127.0.2.10-29; strangers: 127.0.2.100-199 (frames: 30-49, floods: 50-69). */
const nodeIp = loopbackRange(10, 29, { subnet: 2 })
const strangerIp = loopbackRange(100, 199, { subnet: 2 })

const hosts: Host[] = []
const evils: EvilPeer[] = []
/** Run after each case of every describe below (a root-level hook would run after every test of the whole suite). */
async function cleanUp (): Promise<void> {
  await Promise.all(hosts.splice(0).map(async h => { await Promise.resolve(h.stop()).catch(() => {}) }))
  await Promise.all(evils.splice(0).map(async e => await e.stop().catch(() => {})))
  await cleanupAll()
}

describe('reliability S1–S2: strangers at the gate', function () {
  afterEach(cleanUp)
  this.timeout(120_000)

  it('S1 untrusted-dial: 100 dials (paced 4/s) by an unlisted peer, every Quire protocol tried, all closed at the gate, 0 handler calls, peer store flat', async function () {
    const [v, p] = await victimAndPartner(nodeIp)
    const before = await op(v, 'status')
    const base = await resources(v.served!.pid)
    // 100 dials at 4/s: libp2p's per-host rate limit (5/s) would refuse faster ones before Noise, and
    // every dial is to reach the encrypted-connection gate. (A libp2p TCP dial leaves from 127.0.0.1
    // whatever the host listens on, so more stranger hosts would not spread the source address.)
    const stranger = await createHost({ privateKey: await generateKeyPair('Ed25519'), listen: [`/ip4/${strangerIp()}/tcp/0`], announce: [], gater: {} })
    hosts.push(stranger)
    const target = multiaddr(v.addr)
    const protocols = [INVENTORY, FILE, LOCK]
    const got: string[] = []
    const errors = new Map<string, number>()
    for (let i = 0; i < 100; i++) {
      const paced = sleep(250)
      const protocol = protocols[i % 3]
      try {
        const s = await stranger.dialProtocol(target, protocol, { signal: AbortSignal.timeout(5_000) })
        got.push(`a ${protocol} stream opened (status ${s.status})`)
        s.abort(new Error('not expected'))
      } catch (err: any) {
        errors.set(err.name, (errors.get(err.name) ?? 0) + 1)
      }
      await stranger.hangUp(target).catch(() => {})
      await paced
    }
    console.log(`      S1: the stranger's dials failed with ${JSON.stringify(Object.fromEntries(errors))}`)
    assert.deepEqual(got, [], 'no stream may open for a stranger')
    // no connection survives at the stranger's side either (it may read "open" for a few ms per dial)
    await waitFor(() => stranger.getConnections().length === 0, 2_000, 'the stranger to hold no connection')
    const after = await op(v, 'status')
    const newPeers = after.admission.knownPeers - before.admission.knownPeers
    console.log(`      S1: deniedPending ${after.admission.deniedPending}; refused ${after.gate.deniedInbound - before.gate.deniedInbound} inbound connections; handler calls by the stranger ${after.admission.inboundStreams[stranger.peerId.toString()] ?? 0}; peer store ${before.admission.knownPeers} → ${after.admission.knownPeers}`)
    assert.ok(after.gate.deniedInbound - before.gate.deniedInbound >= 100, `the gate refused ${after.gate.deniedInbound - before.gate.deniedInbound} of 100 dials`)
    assert.equal(after.admission.inboundStreams[stranger.peerId.toString()], undefined, 'a Quire handler ran for the stranger')
    assert.deepEqual(Object.keys(after.admission.inboundStreams).filter(k => k !== p.peerId), [], 'only the listed partner has handler calls')
    assert.equal(newPeers, 0, 'the peer store grew')
    // the listed partner is unaffected: still connected, replication flows
    await waitConnected(v, p, 2_000)
    await replicates(v, p, 'gate.s1')
    assertInvariants([
      ...await checkResources(v, base, { rssGrowMiB: 32, fdsGrow: 10 }),
      ...await checkLiveness(v), ...await checkLiveness(p)
    ])
  })

  it('S2 handshake-slowloris: 50 unlisted TCP connections silent or at 1 byte/s, each closed within inboundUpgradeTimeout; a listed peer connects in ≤ 2 s during the flood (15 s window, scaled from 30 s)', async function () {
    const [v, p] = await victimAndPartner(nodeIp)
    // a listed peer that dials during the flood: an evil-peer host the victim lists (accept-only)
    const listed = await EvilPeer.start({ ip: nodeIp() })
    evils.push(listed)
    await op(v, 'peer.add', { target: listed.peerId })
    const base = await resources(v.served!.pid)
    const [host, port] = [v.ip, v.port]
    const bound = INBOUND_UPGRADE_TIMEOUT_MS
    // 500 ms beyond the timeout for the close to reach us on a loaded 2-core machine
    const slack = 500
    const FLOOD_MS = 15_000
    const closes: number[] = []
    const open: Socket[] = []
    let stop = false
    const deadline = Date.now() + FLOOD_MS
    // the start of a multistream-select header, one byte a second: a client that never finishes
    const hello = Buffer.from('\x13/multistream/1.0.0\n/noise\n')
    const one = (i: number): void => {
      if (stop || Date.now() > deadline) return
      const started = Date.now()
      const s = connect({ host, port, localAddress: strangerIp() })
      open.push(s)
      let sent = 0
      const trickle = i % 2 === 1
        ? setInterval(() => { if (!s.destroyed) s.write(hello.subarray(sent % hello.length, (sent++ % hello.length) + 1)) }, 1_000)
        : undefined
      s.on('error', () => {})
      s.on('close', () => {
        clearInterval(trickle)
        closes.push(Date.now() - started)
        one(i) // keep 50 up for the whole window
      })
    }
    for (let i = 0; i < 50; i++) one(i)
    await sleep(2_000) // every slot the flood can take is taken
    const rssDuring: number[] = []
    const joins: number[] = []
    try {
      for (let round = 0; round < 3; round++) {
        const t0 = performance.now()
        await listed.connect(v.addr).catch(err => { throw new Error(`the listed peer could not connect during the flood: ${err.message}`) })
        joins.push(performance.now() - t0)
        await listed.host.hangUp(multiaddr(v.addr))
        rssDuring.push((await resources(v.served!.pid)).rssMiB)
        assertInvariants(await checkLiveness(v))
        await sleep(3_000)
      }
    } finally {
      stop = true
    }
    // the ones still open close on their own, within the bound
    await waitFor(() => open.every(s => s.destroyed), bound + 3_000, 'every flood connection to be closed by the victim')
    const worst = Math.max(...closes)
    console.log(`      S2: ${closes.length} flood connections closed, slowest after ${worst} ms (bound ${bound} ms); listed peer connected in ${joins.map(ms => ms.toFixed(0)).join(', ')} ms; victim RSS ${base.rssMiB.toFixed(0)} → max ${Math.max(...rssDuring).toFixed(0)} MiB`)
    assert.ok(closes.length >= 50, `only ${closes.length} flood connections ended`)
    assert.ok(worst <= bound + slack, `a stranger's connection stayed ${worst} ms (bound ${bound} ms)`)
    assert.ok(joins.every(ms => ms <= 2_000), `the listed peer took ${joins.map(ms => ms.toFixed(0)).join(', ')} ms to connect`)
    assert.ok(Math.max(...rssDuring) - base.rssMiB < 32, 'RSS grew ≥ 32 MiB during the flood')
    await waitConnected(v, p, 2_000)
    await replicates(v, p, 'gate.s2')
    assertInvariants([
      ...await checkResources(v, base, { rssGrowMiB: 32, fdsGrow: 10 }),
      ...await checkLiveness(v), ...await checkLiveness(p)
    ])
  })
})
