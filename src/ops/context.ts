import type { OpenOptions, Site } from '../site.js'
import type { QuireNode } from '../node/quire-node.js'
import type { OnProgress } from '../progress.js'

/**
 * What an operation runs against: always an open Site; a running node when the operation runs
 * inside `serve` (through the local API). Operations are the one implementation of every command:
 * the CLI calls them directly when no node runs, the API calls them inside the node.
 */
export interface OpContext {
  site: Site
  node?: QuireNode
  /** where long operations report progress (a CLI's bar, or the API streaming to one) */
  onProgress?: OnProgress
}

export interface Operation<A = any, R = unknown> {
  /** may run without a node (opens the store directly)? */
  offline: boolean
  /** runs only while no node serves the home (it changes what the node runs on) */
  nodeStopped?: boolean
  /** how to open the store when it runs without a node */
  open?: OpenOptions
  run: (ctx: OpContext, args: A) => Promise<R>
}
