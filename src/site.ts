import { mkdir, readdir, stat } from 'node:fs/promises'
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
import type { PeerRow } from './model/peer-row.js'
import { InputError, StoreError } from './errors.js'

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

  private constructor (paths: HomePaths, config: Config, key: PrivateKey, db: Db, peers: PeerTable, docs: Documents) {
    this.paths = paths
    this.config = config
    this.key = key
    this.peerId = peerIdFromPrivateKey(key).toString()
    this.db = db
    this.peers = peers
    this.docs = docs
    this.files = docs.files as FsFileStore
    this.cursors = new Cursors(db)
  }

  private static async assemble (paths: HomePaths, config: Config, key: PrivateKey, db: Db): Promise<Site> {
    const peers = await PeerTable.load(db.sub<PeerRow>('peers'), paths.peers)
    const docs = await Documents.open(db, new FsFileStore(paths.files))
    return new Site(paths, config, key, db, peers, docs)
  }

  /** `quire init`: a new home with a new identity and empty stores. Never touches an existing home. */
  static async init (paths: HomePaths, settings: Partial<Config> = {}): Promise<Site> {
    await assertFreshHome(paths.root)
    await mkdir(paths.root, { recursive: true, mode: 0o700 })
    const key = await createIdentity(paths.key)
    const db = await Db.create(paths.db)
    try {
      await mkdir(paths.files, { mode: 0o700 })
      const config = { ...defaultConfig(), ...settings }
      // written last: a home without config.json is an interrupted init, refused by open()
      await writeConfig(paths.config, config)
      return await Site.assemble(paths, config, key, db)
    } catch (err) {
      await db.close()
      throw err
    }
  }

  static async open (paths: HomePaths): Promise<Site> {
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
    const db = await Db.open(paths.db)
    try {
      await assertDir(paths.files, 'file store')
      return await Site.assemble(paths, config, key, db)
    } catch (err) {
      await db.close()
      throw err
    }
  }

  async close (): Promise<void> {
    await this.db.close()
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

async function assertDir (path: string, what: string): Promise<void> {
  try {
    if ((await stat(path)).isDirectory()) return
  } catch {}
  throw new StoreError(`${what} ${path} is missing: restore it, or start with "quire serve --recover"`, 'store-missing')
}
