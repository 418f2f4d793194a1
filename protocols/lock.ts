import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Acquire {
  id: string
  baseRev: bigint
  ttlMs: number
}

export namespace Acquire {
  let _codec: Codec<Acquire>

  export const codec = (): Codec<Acquire> => {
    if (_codec == null) {
      _codec = message<Acquire>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(10)
          w.string(obj.id)
        }

        if ((obj.baseRev != null && obj.baseRev !== 0n)) {
          w.uint32(16)
          w.uint64(obj.baseRev)
        }

        if ((obj.ttlMs != null && obj.ttlMs !== 0)) {
          w.uint32(24)
          w.uint32(obj.ttlMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: '',
          baseRev: 0n,
          ttlMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.string()
              break
            }
            case 2: {
              obj.baseRev = reader.uint64()
              break
            }
            case 3: {
              obj.ttlMs = reader.uint32()
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
                field: `${prefix}.id`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.baseRev`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.ttlMs`,
                value: reader.uint32()
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

  export interface AcquireIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface AcquireBaseRevFieldEvent {
    field: '$.baseRev'
    value: bigint
  }

  export interface AcquireTtlMsFieldEvent {
    field: '$.ttlMs'
    value: number
  }

  export function encode (obj: Partial<Acquire>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Acquire.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Acquire>): Acquire {
    return decodeMessage(buf, Acquire.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Acquire>): Generator<AcquireIdFieldEvent | AcquireBaseRevFieldEvent | AcquireTtlMsFieldEvent> {
    return streamMessage(buf, Acquire.codec(), opts)
  }
}

export interface Commit {
  id: string
  token: Uint8Array<ArrayBuffer>
  metadata?: Uint8Array<ArrayBuffer>
  dataCid?: Uint8Array<ArrayBuffer>
  dataSize: bigint
  dropData: boolean
  delete: boolean
}

export namespace Commit {
  let _codec: Codec<Commit>

  export const codec = (): Codec<Commit> => {
    if (_codec == null) {
      _codec = message<Commit>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(10)
          w.string(obj.id)
        }

        if ((obj.token != null && obj.token.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.token)
        }

        if (obj.metadata != null) {
          w.uint32(26)
          w.bytes(obj.metadata)
        }

        if (obj.dataCid != null) {
          w.uint32(34)
          w.bytes(obj.dataCid)
        }

        if ((obj.dataSize != null && obj.dataSize !== 0n)) {
          w.uint32(40)
          w.uint64(obj.dataSize)
        }

        if ((obj.dropData != null && obj.dropData !== false)) {
          w.uint32(48)
          w.bool(obj.dropData)
        }

        if ((obj.delete != null && obj.delete !== false)) {
          w.uint32(56)
          w.bool(obj.delete)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: '',
          token: uint8ArrayAlloc(0),
          dataSize: 0n,
          dropData: false,
          delete: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.string()
              break
            }
            case 2: {
              obj.token = reader.bytes()
              break
            }
            case 3: {
              obj.metadata = reader.bytes()
              break
            }
            case 4: {
              obj.dataCid = reader.bytes()
              break
            }
            case 5: {
              obj.dataSize = reader.uint64()
              break
            }
            case 6: {
              obj.dropData = reader.bool()
              break
            }
            case 7: {
              obj.delete = reader.bool()
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
                field: `${prefix}.id`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.token`,
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
                field: `${prefix}.dataCid`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.dataSize`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.dropData`,
                value: reader.bool()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.delete`,
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

  export interface CommitIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface CommitTokenFieldEvent {
    field: '$.token'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CommitMetadataFieldEvent {
    field: '$.metadata'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CommitDataCidFieldEvent {
    field: '$.dataCid'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CommitDataSizeFieldEvent {
    field: '$.dataSize'
    value: bigint
  }

  export interface CommitDropDataFieldEvent {
    field: '$.dropData'
    value: boolean
  }

  export interface CommitDeleteFieldEvent {
    field: '$.delete'
    value: boolean
  }

  export function encode (obj: Partial<Commit>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Commit.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Commit>): Commit {
    return decodeMessage(buf, Commit.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Commit>): Generator<CommitIdFieldEvent | CommitTokenFieldEvent | CommitMetadataFieldEvent | CommitDataCidFieldEvent | CommitDataSizeFieldEvent | CommitDropDataFieldEvent | CommitDeleteFieldEvent> {
    return streamMessage(buf, Commit.codec(), opts)
  }
}

export interface Release {
  id: string
  token: Uint8Array<ArrayBuffer>
}

export namespace Release {
  let _codec: Codec<Release>

  export const codec = (): Codec<Release> => {
    if (_codec == null) {
      _codec = message<Release>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(10)
          w.string(obj.id)
        }

        if ((obj.token != null && obj.token.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.token)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: '',
          token: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.string()
              break
            }
            case 2: {
              obj.token = reader.bytes()
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
                field: `${prefix}.id`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.token`,
                value: reader.bytes()
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

  export interface ReleaseIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface ReleaseTokenFieldEvent {
    field: '$.token'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Release>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Release.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Release>): Release {
    return decodeMessage(buf, Release.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Release>): Generator<ReleaseIdFieldEvent | ReleaseTokenFieldEvent> {
    return streamMessage(buf, Release.codec(), opts)
  }
}

export interface LockRequest {
  acquire?: Acquire
  commit?: Commit
  release?: Release
}

export namespace LockRequest {
  let _codec: Codec<LockRequest>

  export const codec = (): Codec<LockRequest> => {
    if (_codec == null) {
      _codec = message<LockRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.acquire != null) {
          w.uint32(10)
          Acquire.codec().encode(obj.acquire, w)
        }

        if (obj.commit != null) {
          w.uint32(18)
          Commit.codec().encode(obj.commit, w)
        }

        if (obj.release != null) {
          w.uint32(26)
          Release.codec().encode(obj.release, w)
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
              obj.acquire = Acquire.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.acquire
              })
              break
            }
            case 2: {
              obj.commit = Commit.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.commit
              })
              break
            }
            case 3: {
              obj.release = Release.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.release
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
              yield * Acquire.codec().stream(reader, reader.uint32(), `${prefix}.acquire`, {
                limits: opts.limits?.acquire
              })

              break
            }
            case 2: {
              yield * Commit.codec().stream(reader, reader.uint32(), `${prefix}.commit`, {
                limits: opts.limits?.commit
              })

              break
            }
            case 3: {
              yield * Release.codec().stream(reader, reader.uint32(), `${prefix}.release`, {
                limits: opts.limits?.release
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

  export interface LockRequestAcquireIdFieldEvent {
    field: '$.acquire.id'
    value: string
  }

  export interface LockRequestAcquireBaseRevFieldEvent {
    field: '$.acquire.baseRev'
    value: bigint
  }

  export interface LockRequestAcquireTtlMsFieldEvent {
    field: '$.acquire.ttlMs'
    value: number
  }

  export interface LockRequestCommitIdFieldEvent {
    field: '$.commit.id'
    value: string
  }

  export interface LockRequestCommitTokenFieldEvent {
    field: '$.commit.token'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LockRequestCommitMetadataFieldEvent {
    field: '$.commit.metadata'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LockRequestCommitDataCidFieldEvent {
    field: '$.commit.dataCid'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LockRequestCommitDataSizeFieldEvent {
    field: '$.commit.dataSize'
    value: bigint
  }

  export interface LockRequestCommitDropDataFieldEvent {
    field: '$.commit.dropData'
    value: boolean
  }

  export interface LockRequestCommitDeleteFieldEvent {
    field: '$.commit.delete'
    value: boolean
  }

  export interface LockRequestReleaseIdFieldEvent {
    field: '$.release.id'
    value: string
  }

  export interface LockRequestReleaseTokenFieldEvent {
    field: '$.release.token'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<LockRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LockRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LockRequest>): LockRequest {
    return decodeMessage(buf, LockRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LockRequest>): Generator<LockRequestAcquireIdFieldEvent | LockRequestAcquireBaseRevFieldEvent | LockRequestAcquireTtlMsFieldEvent | LockRequestCommitIdFieldEvent | LockRequestCommitTokenFieldEvent | LockRequestCommitMetadataFieldEvent | LockRequestCommitDataCidFieldEvent | LockRequestCommitDataSizeFieldEvent | LockRequestCommitDropDataFieldEvent | LockRequestCommitDeleteFieldEvent | LockRequestReleaseIdFieldEvent | LockRequestReleaseTokenFieldEvent> {
    return streamMessage(buf, LockRequest.codec(), opts)
  }
}

export enum LockStatus {
  GRANTED = 'GRANTED',
  LOCKED = 'LOCKED',
  OUTDATED = 'OUTDATED',
  NOT_HOME = 'NOT_HOME',
  NOT_FOUND = 'NOT_FOUND',
  REFUSED = 'REFUSED',
  COMMITTED = 'COMMITTED',
  BAD_TOKEN = 'BAD_TOKEN',
  QUOTA = 'QUOTA',
  BAD_REQUEST = 'BAD_REQUEST',
  DELETED = 'DELETED',
  RELEASED = 'RELEASED',
  ERROR = 'ERROR'
}

enum __LockStatusValues {
  GRANTED = 0,
  LOCKED = 1,
  OUTDATED = 2,
  NOT_HOME = 3,
  NOT_FOUND = 4,
  REFUSED = 5,
  COMMITTED = 6,
  BAD_TOKEN = 7,
  QUOTA = 8,
  BAD_REQUEST = 9,
  DELETED = 10,
  RELEASED = 11,
  ERROR = 12
}

export namespace LockStatus {
  export const codec = (): Codec<LockStatus> => {
    return enumeration<LockStatus>(__LockStatusValues)
  }
}

export interface LockResponse {
  status: LockStatus
  message: string
  token: Uint8Array<ArrayBuffer>
  ttlMs: number
  holder: string
  currentRev: bigint
  record: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
  metadata: Uint8Array<ArrayBuffer>
}

export namespace LockResponse {
  let _codec: Codec<LockResponse>

  export const codec = (): Codec<LockResponse> => {
    if (_codec == null) {
      _codec = message<LockResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __LockStatusValues[obj.status] !== 0) {
          w.uint32(8)
          LockStatus.codec().encode(obj.status, w)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(18)
          w.string(obj.message)
        }

        if ((obj.token != null && obj.token.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.token)
        }

        if ((obj.ttlMs != null && obj.ttlMs !== 0)) {
          w.uint32(32)
          w.uint32(obj.ttlMs)
        }

        if ((obj.holder != null && obj.holder !== '')) {
          w.uint32(42)
          w.string(obj.holder)
        }

        if ((obj.currentRev != null && obj.currentRev !== 0n)) {
          w.uint32(48)
          w.uint64(obj.currentRev)
        }

        if ((obj.record != null && obj.record.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.record)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.signature)
        }

        if ((obj.metadata != null && obj.metadata.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.metadata)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: LockStatus.GRANTED,
          message: '',
          token: uint8ArrayAlloc(0),
          ttlMs: 0,
          holder: '',
          currentRev: 0n,
          record: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0),
          metadata: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = LockStatus.codec().decode(reader)
              break
            }
            case 2: {
              obj.message = reader.string()
              break
            }
            case 3: {
              obj.token = reader.bytes()
              break
            }
            case 4: {
              obj.ttlMs = reader.uint32()
              break
            }
            case 5: {
              obj.holder = reader.string()
              break
            }
            case 6: {
              obj.currentRev = reader.uint64()
              break
            }
            case 7: {
              obj.record = reader.bytes()
              break
            }
            case 8: {
              obj.signature = reader.bytes()
              break
            }
            case 9: {
              obj.metadata = reader.bytes()
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
                field: `${prefix}.status`,
                value: LockStatus.codec().decode(reader)
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
              yield {
                field: `${prefix}.token`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.ttlMs`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.holder`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.currentRev`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.record`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.metadata`,
                value: reader.bytes()
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

  export interface LockResponseStatusFieldEvent {
    field: '$.status'
    value: LockStatus
  }

  export interface LockResponseMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export interface LockResponseTokenFieldEvent {
    field: '$.token'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LockResponseTtlMsFieldEvent {
    field: '$.ttlMs'
    value: number
  }

  export interface LockResponseHolderFieldEvent {
    field: '$.holder'
    value: string
  }

  export interface LockResponseCurrentRevFieldEvent {
    field: '$.currentRev'
    value: bigint
  }

  export interface LockResponseRecordFieldEvent {
    field: '$.record'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LockResponseSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface LockResponseMetadataFieldEvent {
    field: '$.metadata'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<LockResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LockResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LockResponse>): LockResponse {
    return decodeMessage(buf, LockResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LockResponse>): Generator<LockResponseStatusFieldEvent | LockResponseMessageFieldEvent | LockResponseTokenFieldEvent | LockResponseTtlMsFieldEvent | LockResponseHolderFieldEvent | LockResponseCurrentRevFieldEvent | LockResponseRecordFieldEvent | LockResponseSignatureFieldEvent | LockResponseMetadataFieldEvent> {
    return streamMessage(buf, LockResponse.codec(), opts)
  }
}
