/**
 * P1 decoder-fuzz and P3 id-path-property (reliability-battery.md, "Fuzz, property and soak").
 *
 * P1: fast-check bytes and structured mutants into every decoder of input from outside: each wire
 * message (protocols/*.proto, through the product's decodeMessage), the length-prefixed frame
 * reader (readMessage on an in-memory libp2p stream pair), the signed-record verifier, block lists,
 * CIDs, doc ids, namespaces, peer ids and addresses, config validation; and the local API's
 * operation arguments through one real `quire serve` (last describe). Pass: a value or a typed
 * error, never another exception; < 50 ms CPU per input; valid values round-trip canonically.
 * P3: random strings over `. / \ NUL %` and Unicode: an accepted id is normalized, cannot leave a
 * store root, and meets no case-fold collision (ids are keys, never file names; files are CIDs).
 *
 * Replay: `SEED=<printed seed> npx mocha --no-config dist/test/reliability/fuzz.spec.js`;
 * QUIRE_TIER=extended runs 1M inputs per decoder instead of 10k.
 */
import assert from 'node:assert/strict'
import { join, normalize, relative, isAbsolute } from 'node:path'
import { mkdir, writeFile } from 'node:fs/promises'
import fc from 'fast-check'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { streamPair } from '@libp2p/utils'
import { concat } from 'uint8arrays/concat'
import { decodeMessage, messageStream, readMessage } from '../../src/protocols/stream-io.js'
import { InvalidMessageError } from '../../src/protocols/errors.js'
import { Pull, Request } from '../../protocols/inventory.js'
import { FileRequest, FileResponse, FileStatus } from '../../protocols/file.js'
import { Commit } from '../../protocols/lock.js'
import { REQUEST_LIMITS } from '../../src/protocols/inventory/inventory.js'
import { RECORD_SIGNING_PREFIX, RecordError, encodeRevision, verifyRevision, type Revision } from '../../src/model/record.js'
import { MAX_BLOCKS, MIN_BLOCK_SIZE, blockCount, blockDigest, blockListCid, blockListProblem, blockSize } from '../../src/model/blocks.js'
import { cidFromBytes, parseCid, rawCidOf } from '../../src/model/cids.js'
import { namespaceOf, parseDocId, parseNamespace, parseNamespaceList } from '../../src/model/doc-id.js'
import { parseAddrsFor, parsePeerAddr, parsePeerId } from '../../src/model/peer-input.js'
import { validateConfig } from '../../src/home/config.js'
import { FsFileStore } from '../../src/store/files.js'
import { scale } from './harness/tier.js'
import { cleanupAll, initNode, startServe } from '../fixtures/cli.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { errorNamed, fuzz, fuzzSeed, mutantsOf, plain } from './harness/fuzz.js'
import { WIRE_CODECS } from './harness/wire-arbitraries.js'

const RUNS = scale(10_000, 1_000_000)
/** each frame read needs a fresh stream pair (a bad frame ends its stream): fewer, see the title */
const FRAME_RUNS = scale(1_000, 100_000)

const te = new TextEncoder()

describe('P1 decoder-fuzz', function () {
  this.timeout(scale(120_000, 3_600_000))
  before(() => { fuzzSeed('P1/P3 fuzz') })

  describe(`wire messages: random bytes, mutants of valid encodings and valid values (${RUNS} inputs each)`, () => {
    for (const w of WIRE_CODECS) {
      it(`${w.name}: value or InvalidMessageError, < 50 ms; valid values round-trip canonically`, async () => {
        // each input: raw bytes, a mutant of a valid encoding, or a valid encoding (which must decode back)
        const arb = fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map(bytes => ({ bytes, valid: undefined })),
          mutantsOf(w.arb.map(v => w.codec.encode(v))).map(bytes => ({ bytes, valid: undefined })),
          w.arb.map(v => ({ bytes: w.codec.encode(v), valid: v }))
        )
        await fuzz(w.name, arb, x => decodeMessage(w.codec, x.bytes, w.limits), e => e instanceof InvalidMessageError, RUNS, (x, out) => {
          if (x.valid !== undefined) {
            assert.ok('value' in out, `a valid ${w.name} did not decode`)
            assert.deepEqual(plain(out.value), plain(x.valid))
          }
          if ('value' in out) {
            // whatever decoded re-encodes to a canonical form that decodes to the same value
            const again = w.codec.encode(out.value)
            assert.deepEqual(plain(decodeMessage(w.codec, again, w.limits)), plain(out.value))
            if (x.valid !== undefined) assert.deepEqual(Buffer.from(again), Buffer.from(x.bytes))
          }
        })
      })
    }
  })

  it('uint64 fields round-trip across [2^31, 2^32) (protons-runtime 7.1.2 wrote garbage there; src/protocols/protons-fix.ts)', () => {
    const cases: Array<[any, (n: bigint) => any, (v: any) => bigint]> = [
      [FileResponse, n => ({ status: FileStatus.OK, size: n, message: '', blocks: new Uint8Array(0) }), v => v.size],
      [FileRequest, n => ({ cid: new Uint8Array(0), offset: n, length: n, wantBlocks: false, batch: [] }), v => v.offset],
      [Commit, n => ({ id: 'x', token: new Uint8Array(0), dataSize: n, dropData: false, delete: false }), v => v.dataSize],
      [Pull, n => ({ epoch: '', since: n, namespaces: [], limit: 0, policy: n, recovering: false }), v => v.since]
    ]
    for (const n of [(1n << 31n) - 1n, 1n << 31n, 3n << 30n, (1n << 32n) - 1n, 1n << 32n]) {
      for (const [codec, make, field] of cases) assert.equal(field(decodeMessage(codec, codec.encode(make(n)))), n, `${n}`)
    }
  })

  it(`length-prefixed frame reader (readMessage over a stream pair): InvalidMessageError or TruncatedStreamError, never a hang (${FRAME_RUNS} inputs, scaled from 10k)`, async () => {
    const varint = (n: bigint): number[] => { const out: number[] = []; do { let b = Number(n & 0x7fn); n >>= 7n; if (n > 0n) b |= 0x80; out.push(b) } while (n > 0n); return out }
    const valid = WIRE_CODECS.find(w => w.name === 'inventory.Request')!.arb.map(v => Request.encode(v))
    const MAX_FRAME = 4096
    const arb = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      // well-formed frames, and frames whose declared length lies
      valid.map(b => Uint8Array.from([...varint(BigInt(b.byteLength)), ...b])),
      fc.tuple(valid, fc.bigInt({ min: 0n, max: (1n << 70n) })).map(([b, n]) => Uint8Array.from([...varint(n), ...b])),
      // overlong varints: 10+ continuation bytes
      fc.integer({ min: 9, max: 16 }).map(n => Uint8Array.from([...new Array(n).fill(0xff), 0x01])),
      mutantsOf(valid.map(b => Uint8Array.from([...varint(BigInt(b.byteLength)), ...b])))
    )
    await fuzz('frame reader', arb, async bytes => {
      const [out, inb] = await streamPair({ delay: 0 })
      out.send(bytes)
      await out.close()
      // 2 s: far above any honest read here; a reader waiting for bytes that never come is a hang
      return await readMessage(messageStream(inb, MAX_FRAME), Request, AbortSignal.timeout(2_000), REQUEST_LIMITS)
    }, errorNamed('InvalidMessageError', 'TruncatedStreamError'), FRAME_RUNS)
  })

  it(`signed-record verifier: value or RecordError; no mutant of a signed record verifies; valid records round-trip (${RUNS} inputs)`, async () => {
    const keys = await Promise.all([0, 1, 2].map(async () => await generateKeyPair('Ed25519')))
    const homes = keys.map(k => peerIdFromPrivateKey(k).toString())
    const sign = async (bytes: Uint8Array, k: number): Promise<Uint8Array> => await keys[k].sign(concat([RECORD_SIGNING_PREFIX, bytes]))
    const cidArb = fc.uint8Array({ maxLength: 16 }).map(b => rawCidOf(b))
    const revision: fc.Arbitrary<{ r: Revision, k: number }> = fc.record({
      id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}(\.[A-Za-z0-9_-]{1,20}){0,2}$/),
      rev: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      k: fc.integer({ min: 0, max: 2 }),
      meta: fc.uint8Array({ maxLength: 32 }),
      data: fc.option(fc.record({ cid: cidArb, size: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), blocks: cidArb })),
      deleted: fc.boolean(),
      time: fc.string({ maxLength: 64 })
    }).map(v => ({
      k: v.k,
      r: { id: v.id, rev: v.rev, home: homes[v.k], meta: rawCidOf(v.deleted ? new Uint8Array(0) : v.meta), data: v.deleted ? null : v.data, deleted: v.deleted, time: v.time }
    }))
    // any CBOR-encodable value, to put in place of one field of a valid record
    const { anyValue } = fc.letrec(tie => ({
      anyValue: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.bigInt({ min: -(1n << 64n) + 1n, max: (1n << 64n) - 1n }), fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(), fc.constant(null), fc.uint8Array({ maxLength: 40 }), cidArb, fc.constant(CID.parse('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n')),
        fc.array(tie('anyValue'), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), tie('anyValue'), { maxKeys: 4 }))
    }))
    type Input = { kind: 'valid' | 'bytes' | 'mutant' | 'field', bytes: Uint8Array, signature: Uint8Array, valid?: Revision, original?: Uint8Array }
    const signed = revision.map(({ r, k }) => ({ r, k, bytes: encodeRevision(r) }))
    const arb: fc.Arbitrary<Promise<Input>> = fc.oneof(
      signed.map(async s => ({ kind: 'valid' as const, bytes: s.bytes, signature: await sign(s.bytes, s.k), valid: s.r })),
      fc.tuple(fc.uint8Array({ maxLength: 2100 }), fc.uint8Array({ minLength: 60, maxLength: 68 })).map(async ([bytes, signature]) => ({ kind: 'bytes' as const, bytes, signature })),
      signed.chain(s => mutantsOf(fc.constant(s.bytes)).map(async m => ({ kind: 'mutant' as const, bytes: m, signature: await sign(s.bytes, s.k), original: s.bytes }))),
      // a field replaced by any value, re-encoded canonically and validly signed: only the shape checks stand in the way
      fc.tuple(signed, fc.constantFrom('v', 'id', 'rev', 'home', 'meta', 'data', 'deleted', 'time', 'extra'), anyValue).map(async ([s, field, value]) => {
        const map = dagCbor.decode<Record<string, unknown>>(s.bytes)
        map[field] = value
        const bytes = dagCbor.encode(map)
        return { kind: 'field' as const, bytes, signature: await sign(bytes, s.k) }
      })
    )
    await fuzz('verifyRevision', arb, async p => { const x = await p; return { x, v: await verifyRevision({ bytes: x.bytes, signature: x.signature }) } }, e => e instanceof RecordError, RUNS, async (p, out) => {
      const x = await p
      if (x.kind === 'valid') {
        assert.ok('value' in out, 'a validly signed record was refused')
        assert.deepEqual(plain(out.value.v.revision), plain(x.valid))
      }
      if (x.kind === 'mutant' && !Buffer.from(x.bytes).equals(Buffer.from(x.original!))) assert.ok('error' in out, 'a mutated record verified with the original signature')
      if ('value' in out) assert.deepEqual(Buffer.from(encodeRevision(out.value.v.revision)), Buffer.from(x.bytes), 'an accepted record is not canonical')
    })
  })

  it(`block lists and block arithmetic: a list is accepted only if it is the record's (${RUNS} inputs)`, async () => {
    const arb = fc.oneof(
      // the record's own list (synthetic digests for sizes up to petabytes) must pass; any mutant must not
      // (mostly files up to 64 MiB; one in ten up to 64 TiB, whose lists are 2 MiB)
      fc.tuple(fc.oneof({ arbitrary: fc.integer({ min: 0, max: 64 * MIN_BLOCK_SIZE }), weight: 9 }, { arbitrary: fc.integer({ min: 0, max: 64 * MIN_BLOCK_SIZE * 1024 * 1024 }), weight: 1 }), fc.uint8Array({ minLength: 3, maxLength: 3 }), fc.option(fc.nat())).map(([size, salt, mutateAt]) => {
        const list = Buffer.alloc(blockCount(size) * 32).fill(salt)
        let sent: Uint8Array = list
        if (mutateAt != null && list.byteLength > 0) { sent = Buffer.from(list); sent[mutateAt % list.byteLength] ^= 1 }
        return { size, list: sent, blocks: blockListCid(list), good: sent === list }
      }),
      // any bytes against the record's list `other`: good only if they are that list, of the right length
      fc.tuple(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 8 })).map(([size, list, other]) => ({ size, list, blocks: rawCidOf(other), good: Buffer.from(list).equals(Buffer.from(other)) && list.byteLength === blockCount(size) * 32 }))
    )
    await fuzz('block lists', arb, x => blockListProblem(x.list, x), () => false, RUNS, (x, out) => {
      assert.ok('value' in out)
      assert.equal(out.value === null, x.good, `size ${x.size}: ${out.value}`)
      const bs = blockSize(x.size)
      const n = blockCount(x.size)
      assert.ok(n <= MAX_BLOCKS && n * bs >= x.size && (x.size === 0 || (n - 1) * bs < x.size) && bs % MIN_BLOCK_SIZE === 0)
      if (x.good && n > 0) assert.equal(blockDigest(x.list, n - 1).byteLength, 32)
    })
  })

  it(`CIDs from the wire and from operators: a Quire CID or a typed refusal; accepted bytes are canonical (${RUNS} inputs)`, async () => {
    const good = fc.uint8Array({ maxLength: 16 }).map(b => rawCidOf(b))
    const arb = fc.oneof(fc.uint8Array({ maxLength: 48 }), good.map(c => c.bytes), mutantsOf(good.map(c => c.bytes)))
    await fuzz('cidFromBytes', arb, b => cidFromBytes(b), () => false, RUNS, (b, out) => {
      if ('value' in out && out.value != null) assert.deepEqual(Buffer.from(out.value.bytes), Buffer.from(b))
    })
    const text = fc.oneof(fc.string({ maxLength: 80 }), good.map(c => c.toString()), good.chain(c => mutantsOf(fc.constant(te.encode(c.toString())))).map(b => Buffer.from(b).toString('latin1')))
    await fuzz('parseCid', text, s => parseCid(s), errorNamed('InputError'), RUNS, (s, out) => {
      if ('value' in out) assert.equal(parseCid(out.value.toString()).toString(), out.value.toString())
    })
  })

  it(`doc ids, namespaces and namespace lists: a value or InputError; accepted values are fixed points (${RUNS} inputs)`, async () => {
    const anyInput = fc.oneof(pathish(), fc.string({ unit: 'binary', maxLength: 300 }), fc.anything())
    await fuzz('parseDocId', anyInput, x => parseDocId(x), errorNamed('InputError'), RUNS, (_, out) => {
      if ('value' in out) {
        assert.equal(typeof out.value, 'string')
        assert.equal(parseDocId(out.value), out.value)
        const ns = namespaceOf(out.value)
        assert.equal(parseNamespace(ns), ns)
      }
    })
    await fuzz('parseNamespace', anyInput, x => parseNamespace(x as string), errorNamed('InputError'), RUNS, (_, out) => {
      if ('value' in out) assert.equal(typeof out.value, 'string', 'an accepted namespace is a string')
    })
    await fuzz('parseNamespaceList', fc.oneof(pathish(), fc.array(fc.oneof(pathish(), fc.constant('')), { maxLength: 5 }).map(a => a.join(','))), s => parseNamespaceList(s), errorNamed('InputError'), RUNS, (_, out) => {
      if ('value' in out) assert.deepEqual(parseNamespaceList(out.value.join(',')), out.value)
    })
  })

  it(`peer ids and partner addresses: a value or InputError; accepted values are canonical (${RUNS} inputs)`, async () => {
    const ids = await Promise.all([0, 1].map(async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
    const rsa = 'QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n'
    const idArb = fc.oneof(fc.constantFrom(...ids, rsa), fc.string({ maxLength: 60 }), fc.constantFrom(...ids).chain(id => mutantsOf(fc.constant(te.encode(id))).map(b => Buffer.from(b).toString('latin1'))))
    await fuzz('parsePeerId', fc.oneof(idArb, fc.anything()), x => parsePeerId(x as string, ids[1]), errorNamed('InputError'), RUNS, (_, out) => {
      if ('value' in out) assert.equal(parsePeerId(out.value), out.value)
    })
    const host = fc.oneof(fc.constantFrom('/ip4/127.0.1.9', '/ip6/::1', '/dns4/example.org', '/dns/a', '/ip4/300.1.1.1', '/unix/x', ''), fc.string({ maxLength: 20 }).map(s => `/ip4/${s}`))
    const addr = fc.tuple(host, fc.oneof(fc.integer({ min: -1, max: 70000 }).map(p => `/tcp/${p}`), fc.constantFrom('/udp/1', '/tcp/1/ws', '')), fc.oneof(fc.constant(''), idArb.map(id => `/p2p/${id}`))).map(p => p.join(''))
    const addrArb = fc.oneof(addr, addr.chain(a => mutantsOf(fc.constant(te.encode(a))).map(b => Buffer.from(b).toString('latin1'))))
    await fuzz('parsePeerAddr', addrArb, s => parsePeerAddr(s), errorNamed('InputError'), RUNS, (_, out) => {
      if ('value' in out) {
        assert.deepEqual(parsePeerAddr(out.value.addr), { addr: out.value.addr })
        if (out.value.peerId != null) assert.deepEqual(parseAddrsFor(out.value.peerId, [out.value.addr, `${out.value.addr}/p2p/${out.value.peerId}`]), [out.value.addr])
      }
    })
  })

  it(`config validation: a Config or StoreError; an accepted config validates to itself (${RUNS} inputs)`, async () => {
    const listen = fc.oneof(fc.constantFrom('/ip4/127.0.1.9/tcp/4770', '/ip6/::/tcp/0', '/ip4/0.0.0.0/tcp/1/p2p/QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n', '/ip4/1.2.3.4/udp/1', 'tcp'), fc.string({ maxLength: 30 }))
    const value = fc.oneof(fc.anything(), fc.array(listen, { maxLength: 3 }), fc.double(), fc.integer(), fc.constant(null))
    const raw = fc.oneof(fc.anything(), fc.record({ listen: value, announce: value, interval: value, auditInterval: value, auditRate: value, reserveBytes: value, other: value }, { requiredKeys: [] }))
    await fuzz('validateConfig', raw, x => validateConfig(x, 'config.json'), errorNamed('StoreError'), RUNS, (_, out) => {
      // the config is a JSON file: its canonical form is what writeConfig writes (so -0 is 0)
      if ('value' in out) assert.equal(JSON.stringify(validateConfig(JSON.parse(JSON.stringify(out.value)), 'again')), JSON.stringify(out.value))
    })
  })
})

/** Strings over the characters that matter to paths: `. / \ NUL %`, look-alikes, case twins, long runs. */
function pathish (): fc.Arbitrary<string> {
  const pieces = ['.', '..', '/', '\\', '\0', '%', '%2e', '%2f', 'a', 'B', 'mdi', '_', '-', ' ', '\u2024', '\uff0e', '\u2215', '\u0130', 'ı', 'K', '\u212a', 'é', 'e\u0301', 'CON', 'nul', '~', ':', '\n']
  return fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 12 }).map(p => p.join(''))
}

describe('P3 id-path-property', function () {
  this.timeout(60_000)
  before(() => { fuzzSeed('P1/P3 fuzz') })

  it('accepted ids are normalized, stay inside any root and meet no case-fold collision; data files are named by CID only (10k)', async () => {
    const root = '/store/root'
    await fuzz('id path property', fc.oneof(pathish(), fc.string({ unit: 'binary', maxLength: 64 })), s => parseDocId(s), errorNamed('InputError'), 10_000, (s, out) => {
      if ('error' in out) return
      const id = out.value
      assert.equal(id, s)
      // normalized: one spelling in every Unicode normal form and under path normalization
      for (const form of ['NFC', 'NFD', 'NFKC', 'NFKD'] as const) assert.equal(id.normalize(form), id)
      assert.equal(normalize(id), id)
      // even if an id were ever used as a path component, it could not leave its directory
      const p = join(root, id)
      assert.ok(!isAbsolute(relative(root, p)) && !relative(root, p).startsWith('..') && relative(root, p) === id)
      assert.ok(!/[/\\\0%\s]/.test(id))
    })
    // case-fold: two ids that differ in case are two documents (keys compare bytewise); they never
    // meet on a case-insensitive disk, because the file store names files by CID, which is lower case
    await fuzz('CID file names', fc.uint8Array({ maxLength: 64 }), b => new FsFileStore(root, 0).pathOf(rawCidOf(b)), () => false, 10_000, (b, out) => {
      assert.ok('value' in out)
      const name = rawCidOf(b).toString()
      assert.equal(name, name.toLowerCase())
      assert.match(name, /^b[a-z2-7]+$/)
      assert.equal(out.value, join(root, name.slice(-2), name))
    })
  })
})

/** Operation names the API routes, plus a few it must not. */
const OP_NAMES = ['id', 'peer.add', 'peer.set', 'peer.rm', 'peer.ls', 'status', 'put', 'put.batch', 'update', 'rm', 'get', 'ls', 'sync', 'lock.ls', 'lock.break', 'audit', 'repair', 'log', 'nope', 'constructor', '__proto__']
const ARG_KEYS = ['id', 'meta', 'data', 'wait', 'metaOut', 'dataOut', 'namespace', 'limit', 'after', 'target', 'addrs', 'peerId', 'replicate', 'datareplicate', 'hub', 'updates', 'namespaces', 'clearAddrs', 'peer', 'full', 'from', 'all', 'file', '__proto__']
const API_RUNS = scale(1_000, 100_000)
/** operations do real I/O (fsync, LevelDB): the API's bound is the liveness one (I8: 2 s), not the decoders' 50 ms */
const API_MS = 2_000

describe('P1 decoder-fuzz: the local API\'s operation arguments', function () {
  this.timeout(scale(180_000, 3_600_000))
  afterEach(async () => { await cleanupAll() })

  it(`every operation answers a result or a typed error (never HTTP 500 / code "internal") for any JSON arguments, each answered < ${API_MS} ms (${API_RUNS} requests to one real serve, scaled from 10k)`, async () => {
    const node = await initNode('api-fuzz', loopbackRange(60, 69, { subnet: 1 })())
    const work = join(node.tmp.dir, 'cwd')
    await mkdir(work)
    const meta = join(work, 'meta.xml')
    await writeFile(meta, '<m/>')
    // the serve's working directory is a temp dir: relative output paths land there
    const served = await startServe(node.home, [], { cwd: work })
    await served.op('put', { id: 'mdi.exists', meta })
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('mdi.exists', 'mdi.other', meta, work, peer, `/ip4/127.0.1.69/tcp/1/p2p/${peer}`, 'mdi', '-', '', 0, -1, 1e308, true), pathish())
    // output paths may be anything but must stay in the temp cwd: no separators (a fuzzer as root could write anywhere)
    const args = fc.dictionary(fc.oneof(fc.constantFrom(...ARG_KEYS), fc.string({ maxLength: 6 })), value, { maxKeys: 5 })
      .map(a => { for (const k of ['metaOut', 'dataOut']) if (typeof a[k] === 'string') a[k] = (a[k] as string).replace(/[/\\\0]/g, '_'); return a })
    const arb = fc.record({ op: fc.constantFrom(...OP_NAMES), args: fc.oneof({ arbitrary: args, weight: 9 }, { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 }) })
    const slowOk: number[] = []
    await fuzz('local API', arb, async x => {
      const t0 = performance.now()
      const res = await fetch(`${served.nodeJson.api}/v1/op/${x.op}`, { method: 'POST', headers: { authorization: `Bearer ${served.nodeJson.token}` }, body: JSON.stringify(x.args), signal: AbortSignal.timeout(10_000) })
      const body: any = await res.json()
      if (res.status === 200) slowOk.push(performance.now() - t0)
      // a typed error may be any status (502: a partner unreachable, exit 3); a 500, an internal or a codeless error is not
      if (res.status === 500 || body.code === 'internal' || (res.status !== 200 && typeof body.code !== 'string')) throw new Error(`HTTP ${res.status} ${JSON.stringify(body)}`)
      return res.status
    }, () => false, API_RUNS, undefined, API_MS, 'wall')
    console.log(`      local API: ${slowOk.length} accepted requests, slowest accepted ${Math.max(0, ...slowOk).toFixed(1)} ms`)
    assert.ok(served.proc.exitCode == null, 'serve exited during the fuzz')
  })
})
