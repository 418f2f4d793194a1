/**
 * The few S3 calls the object-store file store makes, on one bucket, with every failure turned
 * into a one-line typed error (unreachable, credentials, bucket missing, other): an object store
 * that cannot be asked must never read as "the file is not there", or an audit would mark good
 * data as damaged. Only a 404 for the key itself means absent.
 */
import { createHash } from 'node:crypto'
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand,
  CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand,
  ListMultipartUploadsCommand, ListPartsCommand, PutObjectCommand, S3Client, UploadPartCommand, UploadPartCopyCommand,
  paginateListObjectsV2, type CompletedPart
} from '@aws-sdk/client-s3'
import { QuireError, StoreError, UnreachableError } from '../../errors.js'
import type { ObjectStoreConfig, S3Credentials } from './s3-config.js'

/** Time to open a connection to the endpoint: a local gateway answers in milliseconds. */
const CONNECT_TIMEOUT_MS = 5_000
/**
 * A socket silent this long is dead: a gateway that accepts and never answers fails the request
 * (and its retries) instead of hanging the node. An idle timeout, not a whole-request one: a 1 TiB
 * GET streamed to a partner takes hours but is never silent that long. As the file transfers' own.
 */
export const SOCKET_TIMEOUT_MS = 30_000
/** Tries per request: the SDK backs off between them; an unreachable endpoint fails in seconds. */
const MAX_ATTEMPTS = 3
/**
 * CopyObject's limit. Larger objects are copied part by part (UploadPartCopy), which moves the
 * bytes (Ceph RGW: about 50 MB/s here) where CopyObject only adds a reference (about 1 s for
 * 1 GiB): so files larger than this whose CID is known beforehand are uploaded at their own key
 * (s3-file-store.ts put, s3-writer.ts).
 */
export const MAX_COPY_BYTES = 5 * 1024 ** 3
const COPY_PART_BYTES = 1024 ** 3

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'])
const CREDENTIAL_ERRORS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden', 'InvalidToken', 'ExpiredToken'])

export class Bucket {
  readonly client: S3Client
  readonly name: string
  readonly endpoint: string

  constructor (cfg: ObjectStoreConfig, credentials: S3Credentials, socketTimeoutMs = SOCKET_TIMEOUT_MS) {
    this.name = cfg.bucket
    this.endpoint = cfg.endpoint
    this.client = new S3Client({
      endpoint: cfg.endpoint,
      region: cfg.region,
      forcePathStyle: true,
      credentials,
      maxAttempts: MAX_ATTEMPTS,
      requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, socketTimeout: socketTimeoutMs },
      // the SDK's default CRC32 trailers are not understood by every S3 implementation (Ceph
      // before Squid among them); integrity comes from Content-MD5 below and our own SHA-256
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED'
    })
    // Content-MD5 on every body we send (each part of a multipart upload too): the server
    // refuses a body damaged on the way (BadDigest) instead of storing it
    this.client.middlewareStack.add((next, context) => async (args: any) => {
      const req = args.request
      if ((context.commandName === 'PutObjectCommand' || context.commandName === 'UploadPartCommand') && req?.body instanceof Uint8Array && req.headers['content-md5'] == null) {
        req.headers['content-md5'] = createHash('md5').update(req.body).digest('base64')
      }
      return await next(args)
    }, { step: 'build', name: 'quireContentMd5' })
  }

  /** A failure of the object store as a one-line typed error, saying what was being done. */
  error (err: any, doing: string): QuireError {
    if (err instanceof QuireError) return err
    const name: string = err?.name ?? 'Error'
    const code: string | undefined = err?.code ?? err?.cause?.code
    const status: number | undefined = err?.$metadata?.httpStatusCode
    const where = `object store ${this.endpoint}`
    if ((code != null && NETWORK_CODES.has(code)) || name === 'TimeoutError' || name === 'AbortError' || (status == null && err?.$fault == null)) {
      return new UnreachableError(`${where} unreachable while ${doing}: ${code ?? err?.message ?? name}`, 'object-store-unreachable')
    }
    if (CREDENTIAL_ERRORS.has(name) || status === 403) return new StoreError(`${where} refused our credentials while ${doing} (${name}): check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or objectStore.credentialsFile`, 'object-store-credentials')
    if (name === 'NoSuchBucket') return new StoreError(`${where} has no bucket "${this.name}" (while ${doing})`, 'object-store-bucket-missing')
    if (name === 'SlowDown' || name === 'ServiceUnavailable' || (status != null && status >= 500)) return new UnreachableError(`${where} failed while ${doing}: ${name} (HTTP ${status ?? '?'}); try again later`, 'object-store-unavailable')
    return new StoreError(`${where} failed while ${doing}: ${name}${status != null ? ` (HTTP ${status})` : ''}`, 'object-store')
  }

  /** Run one call, its failure mapped by {@link error}. */
  async call<T> (doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw this.error(err, doing)
    }
  }

  /** A 404 for the key itself (not for the bucket: a missing bucket is a missing store). */
  static isAbsent (err: any): boolean {
    return err?.name === 'NotFound' || err?.name === 'NoSuchKey' || (err?.$metadata?.httpStatusCode === 404 && err?.name !== 'NoSuchBucket')
  }

  async head (key: string): Promise<{ size: number } | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.name, Key: key }))
      return { size: Number(out.ContentLength ?? 0) }
    } catch (err) {
      if (Bucket.isAbsent(err)) return null
      throw this.error(err, `looking up ${key}`)
    }
  }

  /** A small object whole (markers, block lists); null if absent. */
  async getSmall (key: string): Promise<Uint8Array | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.name, Key: key }))
      return await out.Body!.transformToByteArray()
    } catch (err) {
      if (Bucket.isAbsent(err)) return null
      throw this.error(err, `reading ${key}`)
    }
  }

  /** The object's bytes from `offset`, `length` of them or to the end; null if absent. */
  async getRange (key: string, offset: number, length?: number): Promise<AsyncIterable<Uint8Array> | null> {
    const range = offset === 0 && length == null ? undefined : `bytes=${offset}-${length != null ? offset + length - 1 : ''}`
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.name, Key: key, Range: range }))
      return out.Body as AsyncIterable<Uint8Array>
    } catch (err: any) {
      if (Bucket.isAbsent(err)) return null
      // a range starting at or past the end: nothing to read, as a short file read gives
      if (err?.name === 'InvalidRange' || err?.$metadata?.httpStatusCode === 416) return (async function * () {})()
      throw this.error(err, `reading ${key}`)
    }
  }

  async put (key: string, body: Uint8Array): Promise<void> {
    await this.call(`writing ${key}`, async () => await this.client.send(new PutObjectCommand({ Bucket: this.name, Key: key, Body: body })))
  }

  async delete (key: string): Promise<void> {
    await this.call(`deleting ${key}`, async () => await this.client.send(new DeleteObjectCommand({ Bucket: this.name, Key: key })))
  }

  /** Server-side copy, part by part above CopyObject's 5 GiB limit. */
  async copy (from: string, to: string, size: number): Promise<void> {
    const source = `${this.name}/${encodeURIComponent(from)}`
    if (size <= MAX_COPY_BYTES) {
      await this.call(`copying ${from} to ${to}`, async () => await this.client.send(new CopyObjectCommand({ Bucket: this.name, Key: to, CopySource: source })))
      return
    }
    const uploadId = await this.createUpload(to)
    try {
      const parts: CompletedPart[] = []
      for (let off = 0, n = 1; off < size; off += COPY_PART_BYTES, n++) {
        const end = Math.min(size, off + COPY_PART_BYTES) - 1
        const out = await this.call(`copying ${from} to ${to}`, async () => await this.client.send(new UploadPartCopyCommand({ Bucket: this.name, Key: to, UploadId: uploadId, PartNumber: n, CopySource: source, CopySourceRange: `bytes=${off}-${end}` })))
        parts.push({ PartNumber: n, ETag: out.CopyPartResult?.ETag })
      }
      await this.completeUpload(to, uploadId, parts)
    } catch (err) {
      await this.abortUpload(to, uploadId).catch(() => {})
      throw err
    }
  }

  async * listKeys (prefix: string): AsyncGenerator<{ key: string, size: number }> {
    try {
      for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.name, Prefix: prefix })) {
        for (const o of page.Contents ?? []) if (o.Key != null) yield { key: o.Key, size: Number(o.Size ?? 0) }
      }
    } catch (err) {
      throw this.error(err, `listing ${prefix}`)
    }
  }

  async createUpload (key: string): Promise<string> {
    const out = await this.call(`starting an upload to ${key}`, async () => await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.name, Key: key })))
    return out.UploadId!
  }

  async uploadPart (key: string, uploadId: string, partNumber: number, body: Uint8Array): Promise<CompletedPart> {
    const out = await this.call(`uploading part ${partNumber} of ${key}`, async () => await this.client.send(new UploadPartCommand({ Bucket: this.name, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body })))
    return { PartNumber: partNumber, ETag: out.ETag }
  }

  async completeUpload (key: string, uploadId: string, parts: CompletedPart[]): Promise<void> {
    await this.call(`completing the upload of ${key}`, async () => await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.name, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } })))
  }

  async abortUpload (key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.name, Key: key, UploadId: uploadId }))
    } catch (err: any) {
      if (err?.name === 'NoSuchUpload' || err?.$metadata?.httpStatusCode === 404) return
      throw this.error(err, `aborting the upload of ${key}`)
    }
  }

  /** Multipart uploads not completed nor aborted, under `prefix`, newest last. */
  async listUploads (prefix: string): Promise<Array<{ key: string, uploadId: string, initiated: number }>> {
    const found: Array<{ key: string, uploadId: string, initiated: number }> = []
    let keyMarker: string | undefined
    let uploadIdMarker: string | undefined
    while (true) {
      const page = await this.call(`listing uploads under ${prefix}`, async () => await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.name, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker })))
      for (const u of page.Uploads ?? []) if (u.Key != null && u.UploadId != null) found.push({ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated?.getTime() ?? 0 })
      if (page.IsTruncated !== true) break
      keyMarker = page.NextKeyMarker
      uploadIdMarker = page.NextUploadIdMarker
    }
    return found.sort((a, b) => a.initiated - b.initiated)
  }

  /** The parts an upload holds so far, by part number. */
  async listParts (key: string, uploadId: string): Promise<Array<{ partNumber: number, size: number, etag: string }>> {
    const parts: Array<{ partNumber: number, size: number, etag: string }> = []
    let marker: string | undefined
    while (true) {
      const out = await this.call(`listing the parts of ${key}`, async () => await this.client.send(new ListPartsCommand({ Bucket: this.name, Key: key, UploadId: uploadId, PartNumberMarker: marker })))
      for (const p of out.Parts ?? []) parts.push({ partNumber: p.PartNumber!, size: Number(p.Size ?? 0), etag: p.ETag! })
      if (out.IsTruncated !== true || out.NextPartNumberMarker == null) break
      marker = String(out.NextPartNumberMarker)
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber)
  }

  /** The bucket exists (created if not): a new home, a recovery, a migration. */
  async ensure (): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.name }))
      return
    } catch (err: any) {
      if (err?.name !== 'NotFound' && err?.name !== 'NoSuchBucket' && err?.$metadata?.httpStatusCode !== 404) throw this.error(err, `looking up bucket ${this.name}`)
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.name }))
    } catch (err: any) {
      if (err?.name === 'BucketAlreadyOwnedByYou') return
      throw this.error(err, `creating bucket ${this.name}`)
    }
  }
}
