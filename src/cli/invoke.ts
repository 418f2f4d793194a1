import type { HomePaths } from '../home/paths.js'
import { processAlive, readNodeFile, type NodeFile } from '../home/node-file.js'
import { callOperation, StaleNodeFileError } from '../api/client.js'
import { OPERATIONS } from '../ops/index.js'
import { Site } from '../site.js'
import { StoreError, UnreachableError } from '../errors.js'
import type { OnProgress } from '../progress.js'

/** The node serving this home, if one is alive (node.json is only a hint after a crash). */
export async function runningNode (paths: HomePaths): Promise<NodeFile | null> {
  const info = await readNodeFile(paths.nodeJson)
  if (info == null || !processAlive(info.pid)) return null
  return info
}

/**
 * Run an operation where the store is: inside the running node through the local API, or, when no
 * node runs and the operation needs no network, against the store opened here.
 */
export async function invoke (paths: HomePaths, name: string, args: object = {}, onProgress?: OnProgress): Promise<unknown> {
  const op = OPERATIONS[name]
  const node = await runningNode(paths)
  if (node != null && op.nodeStopped === true) throw new StoreError(`a node is serving ${paths.root} (pid ${node.pid}): stop it first ("${name}" changes what it runs on)`, 'node-running')
  if (node != null) {
    try {
      return await callOperation(node, name, args, undefined, onProgress)
    } catch (err) {
      if (!(err instanceof StaleNodeFileError)) throw err
      // the pid was reused by another process: fall through to the store
    }
  }
  if (!op.offline) throw new UnreachableError(`no node is running for ${paths.root}: start one with "quire serve"`, 'node-not-running')
  let site: Site
  try {
    site = await Site.open(paths, op.open)
  } catch (err: any) {
    // a node starting up (or another command) holds the store: the node is not reachable yet, try again
    if (err?.code === 'store-busy') throw new UnreachableError(`${err.message as string}: a node may be starting; try again`, 'store-busy')
    throw err
  }
  try {
    return await op.run({ site, onProgress }, args)
  } finally {
    await site.close()
  }
}
