/**
 * fast-check arbitraries for every message of Quire's wire protocols (protocols/*.proto), in the
 * shape the generated codecs decode to (defaults present, optional fields absent or set), so that
 * decode(encode(x)) can be compared with x.
 */
import fc from 'fast-check'
import type { Codec } from '../../../src/protocols/stream-io.js'
import * as inv from '../../../protocols/inventory.js'
import * as lock from '../../../protocols/lock.js'
import * as file from '../../../protocols/file.js'
import { REQUEST_LIMITS, RESPONSE_LIMITS } from '../../../src/protocols/inventory/inventory.js'
import { MAX_BATCH_FILES } from '../../../src/protocols/file/constants.js'

const bytes = (maxLength = 40): fc.Arbitrary<Uint8Array<ArrayBuffer>> => fc.uint8Array({ maxLength }).map(b => new Uint8Array(b))
// the whole range, and around 2^31..2^32 and 2^53, where encoders have failed (protons-fix.ts)
const u64 = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: 1n << 33n }), fc.constantFrom(0n, (1n << 31n) - 1n, 1n << 31n, 3n << 30n, (1n << 32n) - 1n, 1n << 32n, (1n << 53n) - 1n, 1n << 53n, (1n << 64n) - 1n))
const u32 = fc.integer({ min: 0, max: 0xffffffff })
// no lone surrogates: a string the encoder could not write as UTF-8 is not wire input
const str = fc.string({ unit: 'binary', maxLength: 24 })
/** the string members of a protons enum (its namespace adds a `codec` function) */
const member = <E>(e: object): fc.Arbitrary<E> => fc.constantFrom(...Object.values(e).filter(v => typeof v === 'string')) as fc.Arbitrary<E>

const entry = fc.record({ record: bytes(), signature: bytes(), metadata: bytes(), dataOffered: fc.boolean(), seq: u64 }, { requiredKeys: ['record', 'signature', 'metadata', 'dataOffered'] })
const push = fc.record({ entries: fc.array(entry, { maxLength: 4 }) })
const pull = fc.record({ epoch: str, since: u64, namespaces: fc.array(str, { maxLength: 4 }), limit: u32, policy: u64, recovering: fc.boolean() })
const verdict = fc.record({ outcome: member<inv.Outcome>(inv.Outcome), reason: str })
const batch = fc.record({ entries: fc.array(entry, { maxLength: 4 }), epoch: str, upTo: u64, more: fc.boolean(), policy: u64 })
const acquire = fc.record({ id: str, baseRev: u64, ttlMs: u32 })
const commit = fc.record({ id: str, token: bytes(), metadata: bytes(), dataCid: bytes(), dataSize: u64, dropData: fc.boolean(), delete: fc.boolean() }, { requiredKeys: ['id', 'token', 'dataSize', 'dropData', 'delete'] })
const release = fc.record({ id: str, token: bytes() })

export interface WireCodec {
  name: string
  codec: Codec<any>
  /** the field limits the product decodes this message with (src/protocols/*) */
  limits?: Record<string, unknown>
  arb: fc.Arbitrary<any>
}

/** Every message type of the three protocols: what a peer can send us or answer us. */
export const WIRE_CODECS: WireCodec[] = [
  { name: 'inventory.Entry', codec: inv.Entry, arb: entry },
  { name: 'inventory.Push', codec: inv.Push, arb: push },
  { name: 'inventory.Pull', codec: inv.Pull, arb: pull },
  { name: 'inventory.Request', codec: inv.Request, limits: REQUEST_LIMITS, arb: fc.record({ push, pull }, { requiredKeys: [] }) },
  { name: 'inventory.Verdict', codec: inv.Verdict, arb: verdict },
  { name: 'inventory.Batch', codec: inv.Batch, arb: batch },
  { name: 'inventory.Response', codec: inv.Response, limits: RESPONSE_LIMITS, arb: fc.record({ status: member<inv.Status>(inv.Status), message: str, verdicts: fc.array(verdict, { maxLength: 4 }), batch }, { requiredKeys: ['status', 'message', 'verdicts'] }) },
  { name: 'lock.Acquire', codec: lock.Acquire, arb: acquire },
  { name: 'lock.Commit', codec: lock.Commit, arb: commit },
  { name: 'lock.Release', codec: lock.Release, arb: release },
  { name: 'lock.LockRequest', codec: lock.LockRequest, arb: fc.record({ acquire, commit, release }, { requiredKeys: [] }) },
  { name: 'lock.LockResponse', codec: lock.LockResponse, arb: fc.record({ status: member<lock.LockStatus>(lock.LockStatus), message: str, token: bytes(), ttlMs: u32, holder: str, currentRev: u64, record: bytes(), signature: bytes(), metadata: bytes() }) },
  { name: 'file.FileRequest', codec: file.FileRequest, limits: { batch: MAX_BATCH_FILES }, arb: fc.record({ cid: bytes(), offset: u64, record: bytes(), signature: bytes(), length: u64, wantBlocks: fc.boolean(), batch: fc.array(bytes(), { maxLength: 4 }) }, { requiredKeys: ['cid', 'offset', 'length', 'wantBlocks', 'batch'] }) },
  { name: 'file.FileResponse', codec: file.FileResponse, arb: fc.record({ status: member<file.FileStatus>(file.FileStatus), size: u64, message: str, blocks: bytes() }) }
]
