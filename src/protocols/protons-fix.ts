/**
 * Workarounds for protons-runtime 7.1.2. Its Writer.uint64 mis-encodes every value in
 * [2^31, 2^32). LongBits stores the low word signed (`lo | 0`), and writeVarint64, when the high
 * word is 0, loops on `lo > 127` — false for a negative lo — so it writes one byte and leaves the
 * other four reserved bytes as whatever the buffer pool held. A FileResponse for a 3 GiB file, a
 * resume offset past 2 GiB or a data_size in that range became garbage on the wire (found by the P1
 * decoder fuzz, test/reliability/fuzz.spec.ts). Values up to 2^53 − 1 now go through the
 * library's own correct number encoder (uint64Number: the same varint bytes); larger ones keep
 * the original path, which handles them (its high word is non-zero). Imported for its effect by
 * stream-io.ts, which every protocol service uses before any message is encoded.
 */
import { reader, writer } from 'protons-runtime'

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
const proto = Object.getPrototypeOf(writer()) as { uint64: (v: bigint) => unknown, uint64Number: (v: number) => unknown, quireFixed?: boolean }
if (proto.quireFixed !== true) {
  const original = proto.uint64
  proto.uint64 = function (this: typeof proto, value: bigint) {
    return value >= 0n && value <= MAX_SAFE ? this.uint64Number(Number(value)) : original.call(this, value)
  }
  proto.quireFixed = true
}

/**
 * Protobuf strings are UTF-8, but protons' Reader.string() turns invalid bytes into lone
 * surrogates: such a string is not what the peer meant, and re-encoded it becomes other bytes
 * (found by the P1 fuzz). A fatal decoder makes the generated decoders throw instead, which
 * decodeMessage reports as InvalidMessageError. ignoreBOM keeps a leading U+FEFF, as protons does.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const readerProto = Object.getPrototypeOf(reader(new Uint8Array(0))) as { string: () => string, bytes: () => Uint8Array, quireFixed?: boolean }
if (readerProto.quireFixed !== true) {
  readerProto.string = function (this: typeof readerProto) {
    return utf8.decode(this.bytes())
  }
  readerProto.quireFixed = true
}
