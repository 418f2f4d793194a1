/**
 * Reliability battery S6 malformed-frames: a listed evil peer sends broken frames on each Quire
 * protocol to a real `quire serve`. Each stream must end (reset, or a typed error response) within
 * 100 ms of the byte that makes its frame invalid; a slow frame ends at the protocol's deadline;
 * RSS grows < 2 × the largest maxDataLength; the process stays up with no unhandled error on
 * stderr; a listed partner's replication continues. Then fast-check mutants of valid frames.
 * (The battery's CBOR/JSON cases do not apply: Quire's frames are protobuf. Their protobuf twins —
 * invalid wire types, huge repeated fields, unknown fields — are here.)
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { cleanupAll } from '../fixtures/cli.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { seededRng } from '../fixtures/seed.js'
import type { EvilPeer } from '../fixtures/evil-peer.js'
import { rawCidOf } from '../../src/model/cids.js'
import { Request, Response } from '../../protocols/inventory.js'
import { FileRequest, FileResponse } from '../../protocols/file.js'
import { LockRequest, LockResponse } from '../../protocols/lock.js'
import * as inv from '../../src/protocols/inventory/constants.js'
import * as file from '../../src/protocols/file/constants.js'
import * as lock from '../../src/protocols/lock/constants.js'
import { assertInvariants, checkLiveness, checkResources, resources } from './harness/invariants.js'
import { scale } from './harness/tier.js'
import { crashLines, listedEvil, probe, replicates, victimAndPartner, type ProbeResult } from './harness/abuse.js'

const ip = loopbackRange(30, 49, { subnet: 2 })
/** The stream deadline the victim runs with (QUIRE_IDLE_TIMEOUT_MS): the inventory exchange deadline. */
const STREAM_TIMEOUT_MS = 5_000
/** The battery's bound from the invalid byte to the stream's end. */
const REACT_MS = 100

/** A protobuf varint of any value, or an overlong one (continuation bits set on `pad` extra bytes). */
function varint (value: bigint, pad = 0): Uint8Array {
  const out: number[] = []
  let v = value
  do {
    out.push(Number(v & 0x7fn) | 0x80)
    v >>= 7n
  } while (v > 0n)
  for (let i = 0; i < pad; i++) out.push(0x80)
  out[out.length - 1] &= 0x7f
  return Uint8Array.from(out)
}
const frame = (body: Uint8Array): Uint8Array => Buffer.concat([varint(BigInt(body.byteLength)), body])

interface Target {
  name: string
  protocol: string
  maxFrame: number
  /** the deadline for a request frame to arrive */
  deadlineMs: number
  /** a valid request body */
  valid: Uint8Array
  /** a request whose repeated field exceeds the decoder's limit (null: the protocol has none) */
  hugeRepeated: Uint8Array | null
  /** decode a response body's status */
  status: (body: Uint8Array) => string
}

function targets (evilEntry: { record: Uint8Array, signature: Uint8Array, metadata: Uint8Array }): Target[] {
  const cid = rawCidOf(randomBytes(32)).bytes
  const entry = { record: evilEntry.record, signature: evilEntry.signature, metadata: evilEntry.metadata, dataOffered: false } as any
  return [{
    name: 'inventory',
    protocol: inv.PROTOCOL,
    maxFrame: inv.MAX_FRAME_BYTES,
    deadlineMs: STREAM_TIMEOUT_MS,
    valid: Request.encode({ push: { entries: [entry] } }),
    hugeRepeated: Request.encode({ push: { entries: Array.from({ length: inv.MAX_ENTRIES + 1 }, () => ({ record: new Uint8Array(1), signature: new Uint8Array(1), metadata: new Uint8Array(0), dataOffered: false })) } }),
    status: b => String(Response.decode(b).status)
  }, {
    name: 'file',
    protocol: file.PROTOCOL,
    maxFrame: file.MAX_REQUEST_BYTES,
    deadlineMs: file.HEADER_TIMEOUT_MS,
    valid: FileRequest.encode({ cid, offset: 0n, length: 0n, wantBlocks: false, batch: [] }),
    hugeRepeated: FileRequest.encode({ cid: new Uint8Array(0), offset: 0n, length: 0n, wantBlocks: false, batch: Array.from({ length: file.MAX_BATCH_FILES + 1 }, () => new Uint8Array(1)) }),
    status: b => String(FileResponse.decode(b).status)
  }, {
    name: 'lock',
    protocol: lock.PROTOCOL,
    maxFrame: lock.MAX_FRAME_BYTES,
    deadlineMs: lock.REQUEST_TIMEOUT_MS,
    valid: LockRequest.encode({ acquire: { id: 'frames.no-such-doc', baseRev: 0n, ttlMs: 1000 } }),
    hugeRepeated: null,
    status: b => String(LockResponse.decode(b).status)
  }]
}

/** One canned case: the parts to send, and whether we then send EOF. The last part holds the invalid byte. */
interface Canned {
  what: string
  parts: (t: Target) => Uint8Array[] | null
  eof?: boolean
  /** the frame is a valid request, served before anything is wrong: a handler's time, not 100 ms */
  boundMs?: number
}

const CANNED: Canned[] = [
  { what: 'length 2^31', parts: () => [varint(2n ** 31n)] },
  { what: 'length 2^53', parts: () => [varint(2n ** 53n)] },
  { what: 'length 2^64-1 (a negative int64)', parts: () => [varint(2n ** 64n - 1n)] },
  { what: 'overlong length: 11 continuation bytes', parts: () => [Uint8Array.from([0x81, ...Array(10).fill(0x80)])] },
  { what: 'declared 4 GiB (then it would trickle)', parts: () => [varint(2n ** 32n)] },
  { what: 'one byte over maxDataLength', parts: t => [varint(BigInt(t.maxFrame + 1))] },
  { what: 'truncated frame + EOF', parts: t => [frame(t.valid).subarray(0, Math.max(2, frame(t.valid).byteLength - 3))], eof: true },
  { what: 'length prefix only + EOF', parts: () => [varint(50n)], eof: true },
  { what: '0-length frame', parts: () => [varint(0n)] },
  { what: 'invalid protobuf (wire type 7)', parts: () => [frame(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff]))] },
  { what: 'invalid protobuf (field length past the end)', parts: () => [frame(Uint8Array.from([0x0a, 0x7f, 0x01]))] },
  { what: 'huge repeated field', parts: t => t.hugeRepeated != null ? [frame(t.hugeRepeated)] : null },
  { what: 'unknown fields only', parts: () => [frame(Uint8Array.from([0x78, 0x01, 0x82, 0x01, 0x01, 0x00]))] },
  { what: 'two requests on one stream', parts: t => [Buffer.concat([frame(t.valid), frame(t.valid)])], boundMs: 1_000 }
]

/** A reaction is typed if the victim reset the stream or answered with a decodable error status. */
function typed (t: Target, r: ProbeResult): string | null {
  if (r.outcome === 'reset') return 'reset'
  if (r.response.byteLength === 0) return r.outcome === 'closed' ? 'closed' : null
  try {
    let len = 0; let shift = 0; let i = 0
    for (; i < r.response.byteLength; i++) { len |= (r.response[i] & 0x7f) << shift; shift += 7; if ((r.response[i] & 0x80) === 0) break }
    return t.status(r.response.subarray(i + 1, i + 1 + len))
  } catch {
    return null
  }
}

let evil: EvilPeer | undefined
/** Run after each case of every describe below (a root-level hook would run after every test of the whole suite). */
async function cleanUp (): Promise<void> {
  await evil?.stop().catch(() => {})
  evil = undefined
  await cleanupAll()
}

describe('reliability S6: malformed frames', function () {
  afterEach(cleanUp)
  this.timeout(180_000)

  it(`S6 malformed-frames: ${CANNED.length} canned cases × 3 protocols, a slow frame per protocol, then ${scale(150, 5000)} fast-check mutants per protocol`, async function () {
    const [v, p] = await victimAndPartner(ip, { QUIRE_IDLE_TIMEOUT_MS: String(STREAM_TIMEOUT_MS) })
    evil = await listedEvil(v, ip())
    const base = await resources(v.served!.pid)
    let peakRss = base.rssMiB
    const sampleRss = async (): Promise<void> => { peakRss = Math.max(peakRss, (await resources(v.served!.pid)).rssMiB) }
    const e = (await evil.record('frames.valid')).entry
    const ts = targets(e)
    const problems: string[] = []
    const table: string[] = []

    // canned cases: the victim must react within REACT_MS of the invalid byte
    for (const t of ts) {
      for (const c of CANNED) {
        const parts = c.parts(t)
        if (parts == null) continue
        const r = await probe(evil, v.peerId, t.protocol, parts, { eof: c.eof, waitMs: 5_000 })
        const how = typed(t, r)
        table.push(`${t.name.padEnd(9)} ${c.what.padEnd(45)} ${r.outcome.padEnd(8)} ${(how ?? '?').padEnd(11)} ${r.ms.toFixed(1)} ms`)
        if (r.outcome === 'open') problems.push(`${t.name} / ${c.what}: the stream was still open after 5 s`)
        else if (r.ms > (c.boundMs ?? REACT_MS)) problems.push(`${t.name} / ${c.what}: ended ${r.ms.toFixed(0)} ms after the invalid byte (bound ${c.boundMs ?? REACT_MS})`)
        if (how == null) problems.push(`${t.name} / ${c.what}: no typed reaction (${r.outcome}, ${r.response.byteLength} bytes back)`)
      }
      await sampleRss()
    }

    // slow frames: a declared 100-byte request trickled at 1 byte / 500 ms; ends at the deadline
    const slow = await Promise.all(ts.map(async t => {
      const parts = [varint(100n), ...Array.from({ length: 40 }, () => Uint8Array.from([0x08]))]
      const started = performance.now()
      const r = await probe(evil!, v.peerId, t.protocol, parts, { gapMs: 500, waitMs: t.deadlineMs + 3_000 })
      return { t, r, total: performance.now() - started }
    }))
    for (const { t, r, total } of slow) {
      table.push(`${t.name.padEnd(9)} ${'slow frame, 1 byte / 500 ms'.padEnd(45)} ${r.outcome.padEnd(8)} ${'deadline'.padEnd(11)} ${total.toFixed(0)} ms from the stream's start (deadline ${t.deadlineMs} ms)`)
      if (r.outcome === 'open' || total > t.deadlineMs + 1_000) problems.push(`${t.name}: a trickled frame lived ${total.toFixed(0)} ms (deadline ${t.deadlineMs} ms)`)
    }
    console.log('      S6 canned and slow cases (protocol, case, outcome, reaction, time):\n' + table.map(l => `        ${l}`).join('\n'))
    const replicatedMs = await replicates(v, p, 'frames.during')

    // fast-check mutants of valid frames, EOF after each: a mutant that is still a valid request is
    // answered, any other must end; either within 1 s (a valid push is verified first)
    const rng = seededRng('S6 mutants')
    const runs = scale(150, 5000)
    const mutant = fc.record({
      kind: fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate', 'relength', 'append'),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }),
      length: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })
    })
    const slowMutants: string[] = []
    for (const t of ts) {
      const good = frame(t.valid)
      await fc.assert(fc.asyncProperty(mutant, async m => {
        const at = Math.min(good.byteLength - 1, Math.floor(m.at * good.byteLength))
        let bad: Uint8Array
        switch (m.kind) {
          case 'flip': bad = Uint8Array.from(good); bad[at] ^= 1 << (m.bytes[0] % 8); break
          case 'set': bad = Uint8Array.from(good); bad[at] = m.bytes[0]; break
          case 'insert': bad = Buffer.concat([good.subarray(0, at), m.bytes, good.subarray(at)]); break
          case 'delete': bad = Buffer.concat([good.subarray(0, at), good.subarray(at + m.bytes.byteLength)]); break
          case 'truncate': bad = good.subarray(0, at); break
          case 'relength': bad = Buffer.concat([varint(m.length), t.valid]); break
          default: bad = Buffer.concat([good, m.bytes])
        }
        if (bad.byteLength === 0) return
        const r = await probe(evil!, v.peerId, t.protocol, [bad], { eof: true, waitMs: 3_000 })
        if (r.outcome === 'open' || r.ms > 1_000) slowMutants.push(`${t.name} ${m.kind}: ${r.outcome} after ${r.ms.toFixed(0)} ms: ${Buffer.from(bad.subarray(0, 64)).toString('hex')}`)
      }), { numRuns: runs, seed: rng.seed })
      await sampleRss()
    }
    problems.push(...slowMutants.slice(0, 10))
    const after = await replicates(v, p, 'frames.after')

    const grew = peakRss - base.rssMiB
    const bound = 2 * inv.MAX_FRAME_BYTES / 2 ** 20
    console.log(`      S6: ${runs} mutants per protocol, ${slowMutants.length} slow; victim RSS ${base.rssMiB.toFixed(0)} → peak ${peakRss.toFixed(0)} MiB (bound +${bound}); partner replication ${replicatedMs.toFixed(0)} ms during, ${after.toFixed(0)} ms after`)
    if (grew >= bound) problems.push(`RSS grew ${grew.toFixed(1)} MiB (bound ${bound})`)
    if (v.served!.proc.exitCode != null) problems.push(`the victim exited (${v.served!.proc.exitCode})`)
    problems.push(...crashLines(v.served!.stderr()).map(l => `victim stderr: ${l}`))
    assert.deepEqual(problems, [])
    assertInvariants([
      ...await checkResources(v, base, { rssGrowMiB: bound, fdsGrow: 10 }),
      ...await checkLiveness(v), ...await checkLiveness(p)
    ])
  })
})
