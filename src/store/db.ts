import { Level } from 'level'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { StoreError } from '../errors.js'
import { writeFileAtomic } from '../home/atomic-write.js'

/**
 * The node's LevelDB: one database, one sublevel per concern. The schema version is recorded at
 * `init`; a node refuses to open a store written by a newer Quire, so downgrades cannot corrupt it.
 */
export const SCHEMA_VERSION = 1

/**
 * The highest change-log position the database is known to hold on disk (written at each close and
 * by a serving node every few seconds; synced writes only), kept beside LevelDB in a file of its own. LevelDB drops a damaged tail of its write-ahead log on open without a word
 * (paranoid checks are off and classic-level cannot turn them on), so a flipped or cut .log would
 * otherwise start a node without its newest acknowledged writes (battery C7). LevelDB ignores
 * files whose names it does not use.
 */
const HIGH_WATER_FILE = 'QUIRE-HIGH-WATER'


export interface StoreMeta {
  schema: number
  /** random id made at init: a partner can tell a reset store from a continuing one */
  epoch: string
  createdAt: string
}

export class Db {
  readonly level: Level<string, unknown>
  readonly path: string

  private constructor (level: Level<string, unknown>, path: string) {
    this.level = level
    this.path = path
  }

  private readonly subs = new Map<string, unknown>()

  /** A typed sublevel, JSON unless `binary`; one instance per name. */
  sub<V> (name: string, binary = false): Level<string, V> {
    let s = this.subs.get(name)
    if (s == null) {
      s = this.level.sublevel<string, V>(name, { valueEncoding: binary ? 'view' : 'json' })
      this.subs.set(name, s)
    }
    return s as Level<string, V>
  }

  get meta (): Level<string, unknown> { return this.sub<unknown>('meta') }

  async readMeta (): Promise<StoreMeta> {
    const meta = this.meta
    const [schema, epoch, createdAt] = await meta.getMany(['schema', 'epoch', 'createdAt'])
    return { schema: schema as number, epoch: epoch as string, createdAt: createdAt as string }
  }

  /** Create a new, empty store. Fails if one exists at `path`. */
  static async create (path: string): Promise<Db> {
    const level = new Level<string, unknown>(path, { valueEncoding: 'json', createIfMissing: true, errorIfExists: true })
    await openLevel(level, path)
    const db = new Db(level, path)
    await db.meta.batch([
      { type: 'put', key: 'schema', value: SCHEMA_VERSION },
      { type: 'put', key: 'epoch', value: randomBytes(8).toString('hex') },
      { type: 'put', key: 'createdAt', value: new Date().toISOString() }
    ])
    return db
  }

  /**
   * Open an existing store. A missing store is an error, never a reason to start empty: an empty
   * store announced to partners would read as "everything was deleted".
   */
  static async open (path: string): Promise<Db> {
    const level = new Level<string, unknown>(path, { valueEncoding: 'json', createIfMissing: false })
    await openLevel(level, path)
    const db = new Db(level, path)
    let meta: StoreMeta
    try {
      meta = await db.readMeta()
    } catch (err: any) {
      await level.close()
      throw new StoreError(`store ${path} cannot be read (${err.message}); it may be damaged`, 'store-corrupt')
    }
    if (typeof meta.schema !== 'number' || typeof meta.epoch !== 'string') {
      await level.close()
      throw new StoreError(`store ${path} has no schema record: it is not a Quire store or it is damaged`, 'store-corrupt')
    }
    if (meta.schema > SCHEMA_VERSION) {
      await level.close()
      throw new StoreError(`store ${path} has schema version ${meta.schema}, newer than this Quire understands (${SCHEMA_VERSION}); upgrade Quire`, 'store-newer')
    }
    return db
  }

  /**
   * Read every entry once (`serve` at start): LevelDB opens a damaged table without reading it, and
   * classic-level cannot ask for checksums, so a flipped or cut block would otherwise surface later
   * as a node that serves errors, or fewer documents, to its partners. A block that fails to
   * decompress or parse stops the start here, in one line. Raw bytes, no cache: about 1 s per
   * million small entries.
   */
  async verify (): Promise<void> {
    let n = 0
    try {
      for await (const _ of this.level.iterator({ keyEncoding: 'view', valueEncoding: 'view', fillCache: false } as any)) n++
    } catch (err: any) {
      const cause = err.cause ?? err
      throw new StoreError(`store ${this.path} is damaged (${cause.message ?? err.message}, after ${n} readable entries): restore it from a backup, or move it aside and rebuild it from partners with "quire serve --recover"`, 'store-corrupt')
    }
  }

  /** A new epoch, and the recovering flag on until {@link endRecovery}. */
  async beginRecovery (): Promise<string> {
    const epoch = randomBytes(8).toString('hex')
    await this.meta.batch([
      { type: 'put', key: 'epoch', value: epoch },
      { type: 'put', key: 'recovering', value: new Date().toISOString() }
    ], { sync: true })
    return epoch
  }

  /** When recovery began, or null if the store is not recovering. */
  async recoveringSince (): Promise<string | null> {
    return ((await this.meta.get('recovering')) as string | undefined) ?? null
  }

  async endRecovery (): Promise<void> {
    await this.meta.del('recovering', { sync: true })
  }

  /** The change-log position last recorded (0 if none was). */
  async readHighWater (): Promise<number> {
    try {
      return Number.parseInt(await readFile(join(this.path, HIGH_WATER_FILE), 'utf8'), 10) || 0
    } catch (err: any) {
      if (err.code === 'ENOENT') return 0
      throw err
    }
  }

  async writeHighWater (seq: number): Promise<void> {
    await writeFileAtomic(join(this.path, HIGH_WATER_FILE), String(seq))
  }

  async close (): Promise<void> {
    await this.level.close()
  }
}

async function openLevel (level: Level<string, unknown>, path: string): Promise<void> {
  try {
    await level.open()
  } catch (err: any) {
    const cause = err.cause ?? err
    const text = `${cause.code ?? ''} ${cause.message ?? ''}`
    if (/LOCK|lock/.test(text)) throw new StoreError(`store ${path} is in use by another Quire process`, 'store-busy')
    if (/does not exist|NotFound|No such file/i.test(text)) throw new StoreError(`no store at ${path}: run "quire init" first, or restore the store`, 'store-missing')
    if (/exists/i.test(text)) throw new StoreError(`a store already exists at ${path}`, 'store-exists')
    throw new StoreError(`store ${path} cannot be opened: ${cause.message ?? err.message}`, 'store-corrupt')
  }
}
