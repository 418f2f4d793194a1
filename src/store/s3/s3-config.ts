/**
 * The `objectStore` section of config.json (README "Files on an object store"): where a node keeps
 * its data files when they do not live in `files/`. Credentials are never in config.json (it is
 * readable, and `quire config` prints it): they come from the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY) or from a file only its owner can read.
 */
import { stat, readFile } from 'node:fs/promises'
import { StoreError } from '../../errors.js'

export interface ObjectStoreConfig {
  /** the S3 endpoint, http(s)://host:port; addressed path-style (Ceph RGW, MinIO, Swift's s3api) */
  endpoint: string
  bucket: string
  /** key prefix inside the bucket: '' or ending in '/' (several homes may share a bucket) */
  prefix: string
  region: string
  /** a JSON file {"accessKeyId", "secretAccessKey"} of mode 0600; absent: the environment */
  credentialsFile?: string
}

export interface S3Credentials { accessKeyId: string, secretAccessKey: string }

/** S3 bucket naming rules, lower-case DNS-style: what every S3 implementation accepts. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

export function validateObjectStore (raw: unknown, source: string): ObjectStoreConfig {
  const bad = (what: string): never => { throw new StoreError(`${source}: "objectStore" ${what}`, 'config-invalid') }
  if (raw == null || typeof raw !== 'object' || Array.isArray(raw)) bad('must be an object {endpoint, bucket, prefix}')
  const o = raw as Record<string, unknown>
  const known = new Set(['endpoint', 'bucket', 'prefix', 'region', 'credentialsFile'])
  for (const k of Object.keys(o)) if (!known.has(k)) bad(`has an unknown field "${k}"`)
  if (typeof o.endpoint !== 'string') bad('needs "endpoint", an http:// or https:// URL')
  let url: URL | undefined
  try { url = new URL(o.endpoint as string) } catch {}
  if (url == null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search !== '' || url.username !== '') bad(`"endpoint" must be an http:// or https:// URL with no path or credentials, not "${String(o.endpoint)}"`)
  if (typeof o.bucket !== 'string' || !BUCKET.test(o.bucket)) bad(`"bucket" must be an S3 bucket name (3–63 of a-z 0-9 . -), not ${JSON.stringify(o.bucket)}`)
  const prefix = o.prefix ?? ''
  if (typeof prefix !== 'string' || (prefix !== '' && !prefix.endsWith('/')) || prefix.startsWith('/') || prefix.includes('//') || prefix.length > 512) bad('"prefix" must be "" or a key prefix ending in "/" (not starting with one)')
  const region = o.region ?? 'us-east-1'
  if (typeof region !== 'string' || region === '') bad('"region" must be a string')
  if (o.credentialsFile != null && typeof o.credentialsFile !== 'string') bad('"credentialsFile" must be a path')
  return { endpoint: url!.origin, bucket: o.bucket as string, prefix: prefix as string, region: region as string, ...(o.credentialsFile != null ? { credentialsFile: o.credentialsFile as string } : {}) }
}

/**
 * The credentials to sign with: the file if one is named (refused unless only its owner can read
 * it, as ssh refuses a readable key), else the environment. Never logged, never printed.
 */
export async function loadCredentials (cfg: ObjectStoreConfig): Promise<S3Credentials> {
  if (cfg.credentialsFile != null) {
    const file = cfg.credentialsFile
    let mode: number
    try {
      mode = (await stat(file)).mode
    } catch (err: any) {
      throw new StoreError(`object store credentials: cannot read ${file}: ${err.code ?? err.message}`, 'object-store-credentials')
    }
    if ((mode & 0o077) !== 0) throw new StoreError(`object store credentials: ${file} can be read by others (mode ${(mode & 0o777).toString(8)}): chmod 600 it`, 'object-store-credentials')
    let parsed: any
    try { parsed = JSON.parse(await readFile(file, 'utf8')) } catch {}
    if (typeof parsed?.accessKeyId !== 'string' || typeof parsed?.secretAccessKey !== 'string') {
      throw new StoreError(`object store credentials: ${file} must be JSON {"accessKeyId": "…", "secretAccessKey": "…"}`, 'object-store-credentials')
    }
    return { accessKeyId: parsed.accessKeyId, secretAccessKey: parsed.secretAccessKey }
  }
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY
  if (accessKeyId == null || accessKeyId === '' || secretAccessKey == null || secretAccessKey === '') {
    throw new StoreError('object store credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a 0600 file in objectStore.credentialsFile', 'object-store-credentials')
  }
  return { accessKeyId, secretAccessKey }
}
