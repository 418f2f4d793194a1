import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Entry {
  record: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
  metadata: Uint8Array<ArrayBuffer>
  dataOffered: boolean
  seq?: bigint
}

export namespace Entry {
  let _codec: Codec<Entry>

  export const codec = (): Codec<Entry> => {
    if (_codec == null) {
      _codec = message<Entry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.record != null && obj.record.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.record)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if ((obj.metadata != null && obj.metadata.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.metadata)
        }

        if ((obj.dataOffered != null && obj.dataOffered !== false)) {
          w.uint32(32)
          w.bool(obj.dataOffered)
        }

        if (obj.seq != null) {
          w.uint32(40)
          w.uint64(obj.seq)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          record: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0),
          metadata: uint8ArrayAlloc(0),
          dataOffered: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.record = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
              break
            }
            case 3: {
              obj.metadata = reader.bytes()
              break
            }
            case 4: {
              obj.dataOffered = reader.bool()
              break
            }
            case 5: {
              obj.seq = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.record`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.metadata`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.dataOffered`,
                value: reader.bool()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface EntryRecordFieldEvent {
    field: '$.record'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EntrySignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EntryMetadataFieldEvent {
    field: '$.metadata'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EntryDataOfferedFieldEvent {
    field: '$.dataOffered'
    value: boolean
  }

  export interface EntrySeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export function encode (obj: Partial<Entry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Entry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Entry>): Entry {
    return decodeMessage(buf, Entry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Entry>): Generator<EntryRecordFieldEvent | EntrySignatureFieldEvent | EntryMetadataFieldEvent | EntryDataOfferedFieldEvent | EntrySeqFieldEvent> {
    return streamMessage(buf, Entry.codec(), opts)
  }
}

export interface Push {
  entries: Entry[]
}

export namespace Push {
  let _codec: Codec<Push>

  export const codec = (): Codec<Push> => {
    if (_codec == null) {
      _codec = message<Push>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(10)
            Entry.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          entries: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(Entry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of Entry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                limits: opts.limits?.entries$
              })) {
                yield {
                  ...evt,
                  index: obj.entries
                }
              }

              obj.entries++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PushEntriesRecordFieldEvent {
    field: '$.entries[].record'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PushEntriesSignatureFieldEvent {
    field: '$.entries[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PushEntriesMetadataFieldEvent {
    field: '$.entries[].metadata'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PushEntriesDataOfferedFieldEvent {
    field: '$.entries[].dataOffered'
    value: boolean
    index: number
  }

  export interface PushEntriesSeqFieldEvent {
    field: '$.entries[].seq'
    value: bigint
    index: number
  }

  export function encode (obj: Partial<Push>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Push.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Push>): Push {
    return decodeMessage(buf, Push.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Push>): Generator<PushEntriesRecordFieldEvent | PushEntriesSignatureFieldEvent | PushEntriesMetadataFieldEvent | PushEntriesDataOfferedFieldEvent | PushEntriesSeqFieldEvent> {
    return streamMessage(buf, Push.codec(), opts)
  }
}

export interface Pull {
  epoch: string
  since: bigint
  namespaces: string[]
  limit: number
  policy: bigint
  recovering: boolean
}

export namespace Pull {
  let _codec: Codec<Pull>

  export const codec = (): Codec<Pull> => {
    if (_codec == null) {
      _codec = message<Pull>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.epoch != null && obj.epoch !== '')) {
          w.uint32(10)
          w.string(obj.epoch)
        }

        if ((obj.since != null && obj.since !== 0n)) {
          w.uint32(16)
          w.uint64(obj.since)
        }

        if (obj.namespaces != null && obj.namespaces.length > 0) {
          for (const value of obj.namespaces) {
            w.uint32(26)
            w.string(value)
          }
        }

        if ((obj.limit != null && obj.limit !== 0)) {
          w.uint32(32)
          w.uint32(obj.limit)
        }

        if ((obj.policy != null && obj.policy !== 0n)) {
          w.uint32(40)
          w.uint64(obj.policy)
        }

        if ((obj.recovering != null && obj.recovering !== false)) {
          w.uint32(48)
          w.bool(obj.recovering)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          epoch: '',
          since: 0n,
          namespaces: [],
          limit: 0,
          policy: 0n,
          recovering: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.epoch = reader.string()
              break
            }
            case 2: {
              obj.since = reader.uint64()
              break
            }
            case 3: {
              if (opts.limits?.namespaces != null && obj.namespaces.length === opts.limits.namespaces) {
                throw new MaxLengthError('Decode error - repeated field "namespaces" had too many elements')
              }

              obj.namespaces.push(reader.string())
              break
            }
            case 4: {
              obj.limit = reader.uint32()
              break
            }
            case 5: {
              obj.policy = reader.uint64()
              break
            }
            case 6: {
              obj.recovering = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          namespaces: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.since`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              if (opts.limits?.namespaces != null && obj.namespaces === opts.limits.namespaces) {
                throw new MaxLengthError('Streaming decode error - repeated field "namespaces" had too many elements')
              }

              yield {
                field: `${prefix}.namespaces[]`,
                index: obj.namespaces,
                value: reader.string()
              }

              obj.namespaces++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.limit`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.policy`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.recovering`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PullEpochFieldEvent {
    field: '$.epoch'
    value: string
  }

  export interface PullSinceFieldEvent {
    field: '$.since'
    value: bigint
  }

  export interface PullNamespacesFieldEvent {
    field: '$.namespaces[]'
    index: number
    value: string
  }

  export interface PullLimitFieldEvent {
    field: '$.limit'
    value: number
  }

  export interface PullPolicyFieldEvent {
    field: '$.policy'
    value: bigint
  }

  export interface PullRecoveringFieldEvent {
    field: '$.recovering'
    value: boolean
  }

  export function encode (obj: Partial<Pull>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Pull.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Pull>): Pull {
    return decodeMessage(buf, Pull.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Pull>): Generator<PullEpochFieldEvent | PullSinceFieldEvent | PullNamespacesFieldEvent | PullLimitFieldEvent | PullPolicyFieldEvent | PullRecoveringFieldEvent> {
    return streamMessage(buf, Pull.codec(), opts)
  }
}

export interface Request {
  push?: Push
  pull?: Pull
}

export namespace Request {
  let _codec: Codec<Request>

  export const codec = (): Codec<Request> => {
    if (_codec == null) {
      _codec = message<Request>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.push != null) {
          w.uint32(10)
          Push.codec().encode(obj.push, w)
        }

        if (obj.pull != null) {
          w.uint32(18)
          Pull.codec().encode(obj.pull, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.push = Push.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.push
              })
              break
            }
            case 2: {
              obj.pull = Pull.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.pull
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * Push.codec().stream(reader, reader.uint32(), `${prefix}.push`, {
                limits: opts.limits?.push
              })

              break
            }
            case 2: {
              yield * Pull.codec().stream(reader, reader.uint32(), `${prefix}.pull`, {
                limits: opts.limits?.pull
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RequestPushEntriesRecordFieldEvent {
    field: '$.push.entries[].record'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RequestPushEntriesSignatureFieldEvent {
    field: '$.push.entries[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RequestPushEntriesMetadataFieldEvent {
    field: '$.push.entries[].metadata'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RequestPushEntriesDataOfferedFieldEvent {
    field: '$.push.entries[].dataOffered'
    value: boolean
    index: number
  }

  export interface RequestPushEntriesSeqFieldEvent {
    field: '$.push.entries[].seq'
    value: bigint
    index: number
  }

  export interface RequestPullEpochFieldEvent {
    field: '$.pull.epoch'
    value: string
  }

  export interface RequestPullSinceFieldEvent {
    field: '$.pull.since'
    value: bigint
  }

  export interface RequestPullNamespacesFieldEvent {
    field: '$.pull.namespaces[]'
    index: number
    value: string
  }

  export interface RequestPullLimitFieldEvent {
    field: '$.pull.limit'
    value: number
  }

  export interface RequestPullPolicyFieldEvent {
    field: '$.pull.policy'
    value: bigint
  }

  export interface RequestPullRecoveringFieldEvent {
    field: '$.pull.recovering'
    value: boolean
  }

  export function encode (obj: Partial<Request>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Request.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Request>): Request {
    return decodeMessage(buf, Request.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Request>): Generator<RequestPushEntriesRecordFieldEvent | RequestPushEntriesSignatureFieldEvent | RequestPushEntriesMetadataFieldEvent | RequestPushEntriesDataOfferedFieldEvent | RequestPushEntriesSeqFieldEvent | RequestPullEpochFieldEvent | RequestPullSinceFieldEvent | RequestPullNamespacesFieldEvent | RequestPullLimitFieldEvent | RequestPullPolicyFieldEvent | RequestPullRecoveringFieldEvent> {
    return streamMessage(buf, Request.codec(), opts)
  }
}

export enum Outcome {
  STORED = 'STORED',
  DUPLICATE = 'DUPLICATE',
  REJECTED = 'REJECTED',
  FAILED = 'FAILED'
}

enum __OutcomeValues {
  STORED = 0,
  DUPLICATE = 1,
  REJECTED = 2,
  FAILED = 3
}

export namespace Outcome {
  export const codec = (): Codec<Outcome> => {
    return enumeration<Outcome>(__OutcomeValues)
  }
}

export interface Verdict {
  outcome: Outcome
  reason: string
}

export namespace Verdict {
  let _codec: Codec<Verdict>

  export const codec = (): Codec<Verdict> => {
    if (_codec == null) {
      _codec = message<Verdict>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.outcome != null && __OutcomeValues[obj.outcome] !== 0) {
          w.uint32(8)
          Outcome.codec().encode(obj.outcome, w)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(18)
          w.string(obj.reason)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          outcome: Outcome.STORED,
          reason: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.outcome = Outcome.codec().decode(reader)
              break
            }
            case 2: {
              obj.reason = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.outcome`,
                value: Outcome.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface VerdictOutcomeFieldEvent {
    field: '$.outcome'
    value: Outcome
  }

  export interface VerdictReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export function encode (obj: Partial<Verdict>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Verdict.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Verdict>): Verdict {
    return decodeMessage(buf, Verdict.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Verdict>): Generator<VerdictOutcomeFieldEvent | VerdictReasonFieldEvent> {
    return streamMessage(buf, Verdict.codec(), opts)
  }
}

export interface Batch {
  entries: Entry[]
  epoch: string
  upTo: bigint
  more: boolean
  policy: bigint
}

export namespace Batch {
  let _codec: Codec<Batch>

  export const codec = (): Codec<Batch> => {
    if (_codec == null) {
      _codec = message<Batch>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(10)
            Entry.codec().encode(value, w)
          }
        }

        if ((obj.epoch != null && obj.epoch !== '')) {
          w.uint32(18)
          w.string(obj.epoch)
        }

        if ((obj.upTo != null && obj.upTo !== 0n)) {
          w.uint32(24)
          w.uint64(obj.upTo)
        }

        if ((obj.more != null && obj.more !== false)) {
          w.uint32(32)
          w.bool(obj.more)
        }

        if ((obj.policy != null && obj.policy !== 0n)) {
          w.uint32(40)
          w.uint64(obj.policy)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          entries: [],
          epoch: '',
          upTo: 0n,
          more: false,
          policy: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(Entry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
              }))
              break
            }
            case 2: {
              obj.epoch = reader.string()
              break
            }
            case 3: {
              obj.upTo = reader.uint64()
              break
            }
            case 4: {
              obj.more = reader.bool()
              break
            }
            case 5: {
              obj.policy = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of Entry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                limits: opts.limits?.entries$
              })) {
                yield {
                  ...evt,
                  index: obj.entries
                }
              }

              obj.entries++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.upTo`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.more`,
                value: reader.bool()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.policy`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface BatchEntriesRecordFieldEvent {
    field: '$.entries[].record'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface BatchEntriesSignatureFieldEvent {
    field: '$.entries[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface BatchEntriesMetadataFieldEvent {
    field: '$.entries[].metadata'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface BatchEntriesDataOfferedFieldEvent {
    field: '$.entries[].dataOffered'
    value: boolean
    index: number
  }

  export interface BatchEntriesSeqFieldEvent {
    field: '$.entries[].seq'
    value: bigint
    index: number
  }

  export interface BatchEpochFieldEvent {
    field: '$.epoch'
    value: string
  }

  export interface BatchUpToFieldEvent {
    field: '$.upTo'
    value: bigint
  }

  export interface BatchMoreFieldEvent {
    field: '$.more'
    value: boolean
  }

  export interface BatchPolicyFieldEvent {
    field: '$.policy'
    value: bigint
  }

  export function encode (obj: Partial<Batch>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Batch.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Batch>): Batch {
    return decodeMessage(buf, Batch.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Batch>): Generator<BatchEntriesRecordFieldEvent | BatchEntriesSignatureFieldEvent | BatchEntriesMetadataFieldEvent | BatchEntriesDataOfferedFieldEvent | BatchEntriesSeqFieldEvent | BatchEpochFieldEvent | BatchUpToFieldEvent | BatchMoreFieldEvent | BatchPolicyFieldEvent> {
    return streamMessage(buf, Batch.codec(), opts)
  }
}

export enum Status {
  OK = 'OK',
  BAD_REQUEST = 'BAD_REQUEST',
  ERROR = 'ERROR'
}

enum __StatusValues {
  OK = 0,
  BAD_REQUEST = 1,
  ERROR = 2
}

export namespace Status {
  export const codec = (): Codec<Status> => {
    return enumeration<Status>(__StatusValues)
  }
}

export interface Response {
  status: Status
  message: string
  verdicts: Verdict[]
  batch?: Batch
}

export namespace Response {
  let _codec: Codec<Response>

  export const codec = (): Codec<Response> => {
    if (_codec == null) {
      _codec = message<Response>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __StatusValues[obj.status] !== 0) {
          w.uint32(8)
          Status.codec().encode(obj.status, w)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(18)
          w.string(obj.message)
        }

        if (obj.verdicts != null && obj.verdicts.length > 0) {
          for (const value of obj.verdicts) {
            w.uint32(26)
            Verdict.codec().encode(value, w)
          }
        }

        if (obj.batch != null) {
          w.uint32(34)
          Batch.codec().encode(obj.batch, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: Status.OK,
          message: '',
          verdicts: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = Status.codec().decode(reader)
              break
            }
            case 2: {
              obj.message = reader.string()
              break
            }
            case 3: {
              if (opts.limits?.verdicts != null && obj.verdicts.length === opts.limits.verdicts) {
                throw new MaxLengthError('Decode error - repeated field "verdicts" had too many elements')
              }

              obj.verdicts.push(Verdict.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.verdicts$
              }))
              break
            }
            case 4: {
              obj.batch = Batch.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.batch
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          verdicts: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.status`,
                value: Status.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.message`,
                value: reader.string()
              }
              break
            }
            case 3: {
              if (opts.limits?.verdicts != null && obj.verdicts === opts.limits.verdicts) {
                throw new MaxLengthError('Streaming decode error - repeated field "verdicts" had too many elements')
              }

              for (const evt of Verdict.codec().stream(reader, reader.uint32(), `${prefix}.verdicts[]`, {
                limits: opts.limits?.verdicts$
              })) {
                yield {
                  ...evt,
                  index: obj.verdicts
                }
              }

              obj.verdicts++

              break
            }
            case 4: {
              yield * Batch.codec().stream(reader, reader.uint32(), `${prefix}.batch`, {
                limits: opts.limits?.batch
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ResponseStatusFieldEvent {
    field: '$.status'
    value: Status
  }

  export interface ResponseMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export interface ResponseVerdictsOutcomeFieldEvent {
    field: '$.verdicts[].outcome'
    value: Outcome
    index: number
  }

  export interface ResponseVerdictsReasonFieldEvent {
    field: '$.verdicts[].reason'
    value: string
    index: number
  }

  export interface ResponseBatchEntriesRecordFieldEvent {
    field: '$.batch.entries[].record'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseBatchEntriesSignatureFieldEvent {
    field: '$.batch.entries[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseBatchEntriesMetadataFieldEvent {
    field: '$.batch.entries[].metadata'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface ResponseBatchEntriesDataOfferedFieldEvent {
    field: '$.batch.entries[].dataOffered'
    value: boolean
    index: number
  }

  export interface ResponseBatchEntriesSeqFieldEvent {
    field: '$.batch.entries[].seq'
    value: bigint
    index: number
  }

  export interface ResponseBatchEpochFieldEvent {
    field: '$.batch.epoch'
    value: string
  }

  export interface ResponseBatchUpToFieldEvent {
    field: '$.batch.upTo'
    value: bigint
  }

  export interface ResponseBatchMoreFieldEvent {
    field: '$.batch.more'
    value: boolean
  }

  export interface ResponseBatchPolicyFieldEvent {
    field: '$.batch.policy'
    value: bigint
  }

  export function encode (obj: Partial<Response>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Response.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Response>): Response {
    return decodeMessage(buf, Response.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Response>): Generator<ResponseStatusFieldEvent | ResponseMessageFieldEvent | ResponseVerdictsOutcomeFieldEvent | ResponseVerdictsReasonFieldEvent | ResponseBatchEntriesRecordFieldEvent | ResponseBatchEntriesSignatureFieldEvent | ResponseBatchEntriesMetadataFieldEvent | ResponseBatchEntriesDataOfferedFieldEvent | ResponseBatchEntriesSeqFieldEvent | ResponseBatchEpochFieldEvent | ResponseBatchUpToFieldEvent | ResponseBatchMoreFieldEvent | ResponseBatchPolicyFieldEvent> {
    return streamMessage(buf, Response.codec(), opts)
  }
}
