import { mkdir, readdir, readFile, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import type { HomePaths } from './home/paths.js'
import { type Config, defaultConfig, loadConfig, writeConfig } from './home/config.js'
import { createIdentity, loadIdentity } from './home/identity.js'
import { Db } from './store/db.js'
import { PeerTable } from './store/peers.js'
import { FsFileStore } from './store/files.js'
import { Documents } from './store/documents.js'
import { Cursors } from './store/cursors.js'
import { Blobs } from './store/blobs.js'
import type { PeerRow } from './model/peer-row.js'
import { InputError, StoreError } from './errors.js'
import { writeFileAtomic } from './home/atomic-write.js'

/**
 * A marker in the file store naming the store epoch it belongs to (like Syncthing's `.stfolder`):
 * an emptied, replaced or unmounted file store has no marker, and must never read as "all files
 * were deleted".
 */
export const FILE_STORE_MARKER = '.quire-store'

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
  readonly files: FsFileStore
  readonly docs: Documents
  readonly cursors: Cursors
  readonly blobs: Blobs
  /** set while `serve --recover` rebuilds the store: no commits as home until it is done */
  recoveringSince: string | null = null
  /** opened for `audit` without a node: a missing file store is reported, not refused */
  diagnosing = false
  /** the change-log position recorded at the last close: it only grows (Db.readHighWater) */
  private highWater = 0

  private constructor (paths: HomePaths, config: Config, key: PrivateKey, db: Db, peers: PeerTable, docs: Documents, blobs: Blobs) {
    this.paths = paths
    this.config = config
    this.key = key
    this.peerId = peerIdFromPrivateKey(key).toString()
    this.db = db
    this.peers = peers
    this.docs = docs
    this.files = docs.files as FsFileStore
    this.cursors = new Cursors(db)
    this.blobs = blobs
    this.files.onStored = async refs => { await blobs.noteStored(refs) }
  }

  private static async assemble (paths: HomePaths, config: Config, key: PrivateKey, db: Db): Promise<Site> {
    const peers = await PeerTable.load(db.sub<PeerRow>('peers'), paths.peers)
    const blobs = await Blobs.open(db)
    const docs = await Documents.open(db, new FsFileStore(paths.files, config.reserveBytes), blobs)
    return new Site(paths, config, key, db, peers, docs, blobs)
  }

  /** `quire init`: a new home with a new identity and empty stores. Never touches an existing home. */
  static async init (paths: HomePaths, settings: Partial<Config> = {}): Promise<Site> {
    await assertFreshHome(paths.root)
    await mkdir(paths.root, { recursive: true, mode: 0o700 })
    const key = await createIdentity(paths.key)
    const db = await Db.create(paths.db)
    try {
      await mkdir(paths.files, { mode: 0o700 })
      await writeMarker(paths.files, (await db.readMeta()).epoch)
      const config = { ...defaultConfig(), ...settings }
      // written last: a home without config.json is an interrupted init, refused by open()
      await writeConfig(paths.config, config)
      return await Site.assemble(paths, config, key, db)
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
      const marker = await readMarker(paths.files)
      if (opts.recover === true) {
        // a new epoch: partners see a reset store and send everything again
        const epoch = await db.beginRecovery()
        await mkdir(paths.files, { recursive: true, mode: 0o700 })
        await writeMarker(paths.files, epoch)
      } else if (opts.diagnose === true) {
        // reporting only: a missing file store shows up as every file missing
      } else if (marker == null) {
        throw new StoreError(`store missing: the file store ${paths.files} is missing or was emptied (no ${FILE_STORE_MARKER}): restore it, or rebuild it from partners with "quire serve --recover"`, 'store-missing')
      } else if (marker !== meta.epoch) {
        throw new StoreError(`the file store ${paths.files} belongs to another store (epoch ${marker}, the database has ${meta.epoch}): restore the matching pair, or run "quire serve --recover"`, 'store-mismatch')
      }
      const site = await Site.assemble(paths, config, key, db)
      if (!dbPresent) await site.peers.restoreFromMirror()
      if (opts.recover === true) {
        // pull everything again from the start: the data files we lost come back with it
        for (const row of site.peers.list()) await site.cursors.dropPull(row.peerId)
      }
      site.highWater = await db.readHighWater()
      if (opts.verify === true && opts.recover !== true && site.docs.lastSeq < site.highWater) {
        throw new StoreError(`store ${paths.db} is damaged (it ended at change ${site.highWater} when last closed, it now ends at ${site.docs.lastSeq}: its log lost acknowledged writes): restore it from a backup, or move it aside and rebuild it from partners with "quire serve --recover"`, 'store-corrupt')
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
    return (await readMarker(this.paths.files)) != null && await exists(join(this.paths.db, 'CURRENT'))
  }

  async close (): Promise<void> {
    // never lowered: an offline command on a damaged store must not erase the evidence
    try {
      if (this.docs.lastSeq > this.highWater) await this.db.writeHighWater(this.docs.lastSeq)
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

async function readMarker (files: string): Promise<string | null> {
  try {
    const epoch = JSON.parse(await readFile(join(files, FILE_STORE_MARKER), 'utf8'))?.epoch
    return typeof epoch === 'string' ? epoch : null
  } catch {
    return null
  }
}

async function writeMarker (files: string, epoch: string): Promise<void> {
  await writeFileAtomic(join(files, FILE_STORE_MARKER), JSON.stringify({ epoch }) + '\n', { mode: 0o600 })
}
