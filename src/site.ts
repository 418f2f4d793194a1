import { mkdir, readdir, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import type { HomePaths } from './home/paths.js'
import { type Config, defaultConfig, loadConfig, writeConfig } from './home/config.js'
import { createIdentity, loadIdentity } from './home/identity.js'
import { Db } from './store/db.js'
import { PeerTable } from './store/peers.js'
import { FsFileStore } from './store/files.js'
import type { FileStore } from './store/file-store.js'
import { S3FileStore } from './store/s3/s3-file-store.js'
import { Documents } from './store/documents.js'
import { Cursors } from './store/cursors.js'
import { Blobs } from './store/blobs.js'
import { PendingFiles } from './store/pending-files.js'
import type { PeerRow } from './model/peer-row.js'
import { InputError, StoreError } from './errors.js'

export interface OpenOptions {
  /** `serve --recover`: rebuild a lost store (new epoch) instead of refusing to open */
  recover?: boolean
  /** `audit` without a node: open even if the file store is missing or emptied, to report it */
  diagnose?: boolean
  /** `serve`: read the whole database once before starting (a damaged table fails the start) */
  verify?: boolean
}

/**
 * A site: one home directory opened — its settings, identity, store and peer table. Commands that
 * need no network run against a Site directly; `serve` wraps one in a running node.
 * LevelDB admits one process, so a Site is open in at most one process at a time.
 */
export class Site {
  readonly paths: HomePaths
  readonly config: Config
  readonly key: PrivateKey
  readonly peerId: string
  readonly db: Db
  readonly peers: PeerTable
  readonly files: FileStore
  readonly docs: Documents
  readonly cursors: Cursors
  readonly blobs: Blobs
  /** local files stored ahead of their records: what a crash may leave unnamed */
  readonly pending: PendingFiles
  /** set while `serve --recover` rebuilds the store: no commits as home until it is done */
  recoveringSince: string | null = null
  /** opened for `audit` without a node: a missing file store is reported, not refused */
  diagnosing = false
  /** the change-log position last recorded (at a close, or by serve every few seconds): it only grows (Db.readHighWater) */
  private highWater = 0

  private constructor (paths: HomePaths, config: Config, key: PrivateKey, db: Db, peers: PeerTable, docs: Documents, files: FileStore, blobs: Blobs) {
    this.paths = paths
    this.config = config
    this.key = key
    this.peerId = peerIdFromPrivateKey(key).toString()
    this.db = db
    this.peers = peers
    this.docs = docs
    this.files = files
    this.cursors = new Cursors(db)
    this.blobs = blobs
    this.pending = new PendingFiles(db, files, docs, blobs, () => this.recoveringSince != null)
    this.files.onStored = async refs => { await blobs.noteStored(refs) }
  }

  private static async assemble (paths: HomePaths, config: Config, key: PrivateKey, db: Db, files: FileStore): Promise<Site> {
    const peers = await PeerTable.load(db.sub<PeerRow>('peers'), paths.peers)
    const blobs = await Blobs.open(db)
    const docs = await Documents.open(db, files, blobs)
    return new Site(paths, config, key, db, peers, docs, files, blobs)
  }

  /** `quire init`: a new home with a new identity and empty stores. Never touches an existing home. */
  static async init (paths: HomePaths, settings: Partial<Config> = {}): Promise<Site> {
    await assertFreshHome(paths.root)
    await mkdir(paths.root, { recursive: true, mode: 0o700 })
    const key = await createIdentity(paths.key)
    const db = await Db.create(paths.db)
    try {
      const config = { ...defaultConfig(), ...settings }
      const files = await openFileStore(paths, config)
      await files.create()
      // an object store may hold another home's files under this prefix: never adopt them
      if ((await files.readMarker()) != null) throw new StoreError(`the file store ${files.where} already belongs to a Quire home (it has a store marker): choose another bucket or prefix`, 'store-mismatch')
      await files.writeMarker((await db.readMeta()).epoch)
      // written last: a home without config.json is an interrupted init, refused by open()
      await writeConfig(paths.config, config)
      return await Site.assemble(paths, config, key, db, files)
    } catch (err) {
      await db.close()
      throw err
    }
  }

  static async open (paths: HomePaths, opts: OpenOptions = {}): Promise<Site> {
    try {
      await stat(paths.root)
    } catch {
      throw new StoreError(`no Quire home at ${paths.root}: run "quire init" (or pass --home / set QUIRE_HOME)`, 'home-missing')
    }
    try {
      await stat(paths.config)
    } catch {
      throw new StoreError(`home ${paths.root} has no config.json: it is incomplete (an interrupted init?) or not a Quire home`, 'home-incomplete')
    }
    const config = await loadConfig(paths.config)
    const key = await loadIdentity(paths.key)
    // LevelDB's CURRENT file, not the directory: an emptied db/ is a lost store too
    const dbPresent = await exists(join(paths.db, 'CURRENT'))
    if (!dbPresent && opts.recover !== true) {
      throw new StoreError(`store missing: the store ${paths.db} is missing: restore it from a backup, or rebuild it from partners with "quire serve --recover"`, 'store-missing')
    }
    // whatever is left of a broken store is moved aside, never deleted: it may still be read by hand
    if (!dbPresent && await exists(paths.db)) await rename(paths.db, `${paths.db}.lost-${Date.now()}`)
    const db = dbPresent ? await Db.open(paths.db) : await Db.create(paths.db)
    try {
      if (dbPresent && opts.verify === true) await db.verify()
      const meta = await db.readMeta()
      const files = await openFileStore(paths, config)
      const marker = await files.readMarker()
      if (opts.recover === true) {
        // a new epoch: partners see a reset store and send everything again
        const epoch = await db.beginRecovery()
        await files.create()
        await files.writeMarker(epoch)
      } else if (opts.diagnose === true) {
        // reporting only: a missing file store shows up as every file missing
      } else if (marker == null) {
        throw new StoreError(`store missing: the file store ${files.where} is missing or was emptied (no store marker): restore it, or rebuild it from partners with "quire serve --recover"`, 'store-missing')
      } else if (marker !== meta.epoch) {
        throw new StoreError(`the file store ${files.where} belongs to another store (epoch ${marker}, the database has ${meta.epoch}): restore the matching pair, or run "quire serve --recover"`, 'store-mismatch')
      }
      const site = await Site.assemble(paths, config, key, db, files)
      if (!dbPresent) await site.peers.restoreFromMirror()
      if (opts.recover === true) {
        // pull everything again from the start: the data files we lost come back with it
        for (const row of site.peers.list()) await site.cursors.dropPull(row.peerId)
      }
      site.highWater = await db.readHighWater()
      if (opts.verify === true && opts.recover !== true && site.docs.lastSeq < site.highWater) {
        throw new StoreError(`store ${paths.db} is damaged (it had reached change ${site.highWater}, it now ends at ${site.docs.lastSeq}: its log lost acknowledged writes): restore it from a backup, or move it aside and rebuild it from partners with "quire serve --recover"`, 'store-corrupt')
      }
      site.recoveringSince = await db.recoveringSince()
      site.diagnosing = opts.diagnose === true && opts.recover !== true
      return site
    } catch (err) {
      await db.close()
      throw err
    }
  }

  /**
   * Is the store still where it was opened? (a renamed or unmounted store must stop the node): the
   * file store's marker, and LevelDB's CURRENT (a db/ renamed away keeps working through the open
   * descriptors until its next new file, so only its name tells that it is gone).
   */
  async storePresent (): Promise<boolean> {
    return (await this.files.readMarker()) != null && await exists(join(this.paths.db, 'CURRENT'))
  }

  /**
   * Raise the high-water mark to the change-log position synced so far (serve does so every few
   * seconds): then a log damaged after a kill -9, not only after a clean close, is caught at the
   * next start. Only synced changes count, so a power cut cannot leave the mark ahead of the log.
   */
  async markHighWater (): Promise<void> {
    const seq = this.docs.syncedSeq
    if (seq <= this.highWater) return
    await this.db.writeHighWater(seq)
    this.highWater = Math.max(this.highWater, seq)
  }

  async close (): Promise<void> {
    // never lowered: an offline command on a damaged store must not erase the evidence
    try {
      if (this.docs.syncedSeq > this.highWater) await this.db.writeHighWater(this.docs.syncedSeq)
    } catch (err: any) {
      // a store renamed away under the node (it is stopping for that): nothing left to guard
      if (err.code !== 'ENOENT') throw err
    } finally {
      await this.db.close()
    }
  }
}

async function assertFreshHome (root: string): Promise<void> {
  let entries: string[]
  try {
    entries = await readdir(root)
  } catch (err: any) {
    if (err.code === 'ENOENT') return
    if (err.code === 'ENOTDIR') throw new InputError(`${root} exists and is not a directory`, 'home-exists')
    throw err
  }
  if (entries.length > 0) throw new InputError(`${root} already exists and is not empty: refusing to overwrite a home`, 'home-exists')
}

async function exists (path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

/** The file store a home's config names: the local `files/` directory, or an object store. */
async function openFileStore (paths: HomePaths, config: Config): Promise<FileStore> {
  if (config.objectStore != null) return await S3FileStore.open(config.objectStore)
  return new FsFileStore(paths.files, config.reserveBytes)
}
