import { readFile } from 'node:fs/promises'
import { multiaddr } from '@multiformats/multiaddr'
import { writeFileAtomic } from './atomic-write.js'
import { InputError, StoreError } from '../errors.js'
import { validateObjectStore, type ObjectStoreConfig } from '../store/s3/s3-config.js'

/** Free space kept on the file store's disk (see store/files.ts). */
export const DEFAULT_RESERVE_BYTES = 128 * 1024 * 1024

/** The fixed port a node listens on when `init` is given no `--listen` (README "Configuration"). */
export const DEFAULT_PORT = 4770
export const DEFAULT_LISTEN = [`/ip4/0.0.0.0/tcp/${DEFAULT_PORT}`]
/** Delta-T interval in seconds: between NetDRMS's minute and Metacat's 48 h, see README. */
export const DEFAULT_INTERVAL_SECONDS = 300
/** The scheduled audit: every week, at most 50 MB/s (a tenth of a disk, leaving replication room). */
export const DEFAULT_AUDIT_INTERVAL_HOURS = 168
export const DEFAULT_AUDIT_RATE_MBPS = 50

/** Settings in HOME/config.json. Every field is documented in README "Configuration". */
export interface Config {
  /** multiaddrs to listen on (TCP) */
  listen: string[]
  /** multiaddrs partners should dial; empty = the listen addresses as the node sees them */
  announce: string[]
  /** delta-T interval in seconds, overridden by `serve --interval` */
  interval: number
  /** hours between scheduled audits of the whole store; 0 turns them off */
  auditInterval: number
  /** read rate of the scheduled audit, MB/s */
  auditRate: number
  /** free bytes the node keeps on the file store's disk: a file that would eat into them is refused */
  reserveBytes: number
  /** data files on an S3-compatible object store instead of `files/` (absent: the local disk) */
  objectStore?: ObjectStoreConfig
}

export function defaultConfig (): Config {
  return { listen: [...DEFAULT_LISTEN], announce: [], interval: DEFAULT_INTERVAL_SECONDS, auditInterval: DEFAULT_AUDIT_INTERVAL_HOURS, auditRate: DEFAULT_AUDIT_RATE_MBPS, reserveBytes: DEFAULT_RESERVE_BYTES }
}

/** A TCP multiaddr without `/p2p/`: what a node can listen on or announce. */
export function parseListenAddr (value: string, what: string): string {
  let ma
  try {
    ma = multiaddr(value)
  } catch (err: any) {
    throw new InputError(`invalid ${what} multiaddr "${value}": ${err.message}`, 'invalid-multiaddr')
  }
  const names = ma.getComponents().map(c => c.name)
  if (!names.includes('tcp')) throw new InputError(`${what} multiaddr "${value}" has no /tcp/ part`, 'invalid-multiaddr')
  if (names.includes('p2p')) throw new InputError(`${what} multiaddr "${value}" must not name a peer (/p2p/)`, 'invalid-multiaddr')
  return ma.toString()
}

export function validateConfig (raw: unknown, source: string): Config {
  if (raw == null || typeof raw !== 'object' || Array.isArray(raw)) throw new StoreError(`${source}: expected a JSON object`, 'config-invalid')
  const obj = raw as Record<string, unknown>
  const defaults = defaultConfig()
  const list = (key: 'listen' | 'announce'): string[] => {
    const v = obj[key] ?? defaults[key]
    if (!Array.isArray(v) || !v.every(x => typeof x === 'string')) throw new StoreError(`${source}: "${key}" must be a list of multiaddr strings`, 'config-invalid')
    try {
      return v.map(x => parseListenAddr(x, key))
    } catch (err: any) {
      throw new StoreError(`${source}: ${err.message}`, 'config-invalid')
    }
  }
  const interval = obj.interval ?? defaults.interval
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval <= 0) throw new StoreError(`${source}: "interval" must be a positive number of seconds`, 'config-invalid')
  const listen = list('listen')
  if (listen.length === 0) throw new StoreError(`${source}: "listen" must name at least one address`, 'config-invalid')
  const number = (key: 'auditInterval' | 'auditRate' | 'reserveBytes', min: number): number => {
    const v = obj[key] ?? defaults[key]
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new StoreError(`${source}: "${key}" must be a number ≥ ${min}`, 'config-invalid')
    return v
  }
  const objectStore = obj.objectStore != null ? { objectStore: validateObjectStore(obj.objectStore, source) } : {}
  return { listen, announce: list('announce'), interval, auditInterval: number('auditInterval', 0), auditRate: number('auditRate', 0.001), reserveBytes: number('reserveBytes', 0), ...objectStore }
}

export async function loadConfig (path: string): Promise<Config> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err: any) {
    throw new StoreError(`cannot read ${path}: ${err.code ?? err.message}`, 'config-missing')
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err: any) {
    throw new StoreError(`${path} is not valid JSON: ${err.message}`, 'config-invalid')
  }
  return validateConfig(raw, path)
}

export async function writeConfig (path: string, config: Config): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o644 })
}
