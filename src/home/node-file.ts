import { readFile, unlink } from 'node:fs/promises'
import { writeFileAtomic } from './atomic-write.js'

/**
 * HOME/node.json: how other commands find the running node. Written (mode 0600, it holds the API
 * token) when `serve` is ready, removed on a clean exit. After a crash it stays behind; readers
 * treat it as a hint and confirm by reaching the API, and `serve` by taking the store's lock.
 */
export interface NodeFile {
  peerId: string
  addrs: string[]
  /** base URL of the local API, always on 127.0.0.1 */
  api: string
  pid: number
  /** bearer token every API request must carry */
  token: string
}

export async function readNodeFile (path: string): Promise<NodeFile | null> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8'))
    if (typeof parsed?.api !== 'string' || typeof parsed?.token !== 'string' || typeof parsed?.pid !== 'number') return null
    return parsed as NodeFile
  } catch {
    return null
  }
}

export async function writeNodeFile (path: string, info: NodeFile): Promise<void> {
  await unlink(path).catch(() => {})
  await writeFileAtomic(path, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 })
}

export async function removeNodeFile (path: string): Promise<void> {
  await unlink(path).catch(() => {})
}

export function processAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err: any) {
    return err.code === 'EPERM'
  }
}
