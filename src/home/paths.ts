import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

/**
 * The layout of a Quire home directory (documented in README "The home directory").
 * Everything a node owns lives under one root so that an operator can back it up or move it whole.
 */
export interface HomePaths {
  root: string
  /** operator-editable settings, see README "Configuration" */
  config: string
  /** Ed25519 private key, libp2p protobuf form, mode 0600 */
  key: string
  /** written by `serve` when ready, removed on a clean exit */
  nodeJson: string
  /** LevelDB: peer table, documents, change log */
  db: string
  /** a copy of the peer table, rewritten on every change (for recovery, and to read) */
  peers: string
  /** content-addressed data files */
  files: string
}

/** `--home`, else `$QUIRE_HOME`, else `~/.quire`. */
export function resolveHome (flag?: string): HomePaths {
  const root = resolve(flag ?? process.env.QUIRE_HOME ?? join(homedir(), '.quire'))
  return {
    root,
    config: join(root, 'config.json'),
    key: join(root, 'identity.key'),
    nodeJson: join(root, 'node.json'),
    db: join(root, 'db'),
    peers: join(root, 'peers.json'),
    files: join(root, 'files')
  }
}
