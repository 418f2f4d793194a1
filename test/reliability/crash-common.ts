/**
 * Helpers shared by the crash rows of the battery (crash-file.spec.ts, crash-docs.spec.ts): an
 * offline audit of a stopped node's LevelDB against its file store, written independently of
 * Quire's own audit (node's sha256 via fixtures/damage.ts, raw sublevel reads via withDb).
 */
import { join } from 'node:path'
import { writeFile } from 'node:fs/promises'
import { dataPath, hashesTo, stagedFiles, storeFiles } from '../fixtures/damage.js'
import { exists, startServe } from '../fixtures/cli.js'
import { makeNodes, sub, withDb, type ClusterNode } from '../fixtures/cluster.js'

const KiB = 1024
export const MiB = 1024 * KiB
export const mib = (n: number): string => `${(n / MiB).toFixed(1)} MiB`

/** What a stopped node holds, as the crash rows judge it. */
export interface OfflineState {
  /** id → data CID (null: no data) of every document record */
  docs: Map<string, string | null>
  /** id → current revision of every document record */
  revs: Map<string, number>
  /** CIDs in the blob index (store/blobs.ts), not marked damaged */
  indexed: Set<string>
  /** CIDs the blob index marks damaged (quarantined: flagged for repair) */
  damaged: Set<string>
  /** data CIDs some revision held here names, current or past (documents.ts `cidrefs`) */
  referenced: Set<string>
  /** CIDs still wanted (documents.ts `wants`) */
  wanted: Set<string>
  /** names of files under a final name in the store */
  files: Set<string>
  staged: string[]
  /** documents naming a data file that is neither stored nor wanted */
  orphanRecords: string[]
  /** broken rules: a record or index entry naming a missing or partial file, a file failing its hash */
  problems: string[]
}

/**
 * Read a stopped node's store. Problems found:
 *  - a file under a final name that does not hash to its CID (I1);
 *  - a blob-index entry (the DB's "this file is stored") whose file is missing or partial;
 *  - a document whose data file is neither here nor wanted: nothing would ever fetch it (`orphanRecords`:
 *    right after a crash this is allowed when the revision was never acknowledged, since the sender
 *    offers it again; after a restart and convergence it is a problem).
 */
export async function offlineState (home: string): Promise<OfflineState> {
  const st: OfflineState = { docs: new Map(), revs: new Map(), indexed: new Set(), damaged: new Set(), referenced: new Set(), wanted: new Set(), files: new Set(), staged: await stagedFiles(home), orphanRecords: [], problems: [] }
  await withDb(home, async db => {
    for await (const [id, e] of sub(db, 'docs').iterator()) {
      st.docs.set(id, e.deleted === true ? null : (e.data?.cid ?? null))
      st.revs.set(id, e.rev)
    }
    for await (const [cid, info] of sub(db, 'blobs').iterator()) (info.damaged == null ? st.indexed : st.damaged).add(cid)
    for await (const key of sub(db, 'cidrefs').keys()) st.referenced.add(key.slice(0, key.indexOf('\x00')))
    for await (const cid of sub(db, 'wants').keys()) st.wanted.add(cid)
  })
  for (const f of await storeFiles(home)) {
    st.files.add(f.name)
    if (!await hashesTo(f.path, f.name)) st.problems.push(`${f.name}: under its final name but does not hash to it`)
  }
  for (const cid of st.indexed) {
    if (!await exists(dataPath(home, cid))) st.problems.push(`${cid}: in the blob index but missing from the store`)
  }
  for (const [id, cid] of st.docs) {
    if (cid != null && !st.files.has(cid) && !st.wanted.has(cid)) st.orphanRecords.push(`${id}: names data ${cid}, which is neither stored nor wanted`)
  }
  return st
}

/** Which of C3's allowed outcomes a stopped node shows for the document `id` with data `cid`. */
export function outcomeOf (st: OfflineState, id: string, cid: string): 'no trace' | 'record, file wanted' | 'record and file' | 'orphan file' | 'record, file neither here nor wanted' {
  const rec = st.docs.has(id)
  const file = st.files.has(cid)
  if (!rec) return file ? 'orphan file' : 'no trace'
  if (file) return 'record and file'
  return st.wanted.has(cid) ? 'record, file wanted' : 'record, file neither here nor wanted'
}

/** Write a small metadata file (JSON) under `dir`; returns its path. */
export async function metaFile (dir: string, name: string, body: object): Promise<string> {
  const path = join(dir, `${name}.meta.json`)
  await writeFile(path, JSON.stringify(body))
  return path
}


/**
 * Bounds for a machine shared with other test runs: a node's start-up (node.json written, API
 * answering) may take far longer than on an idle CI box. These bound waits, not pass criteria.
 */
export const SLOW_START_MS = 90_000

/** `serve` with {@link SLOW_START_MS} to become ready (cluster.ts's serveNode allows 25 s). */
export async function serveSlow (node: ClusterNode, args: string[], env?: NodeJS.ProcessEnv): Promise<void> {
  node.served = await startServe(node.home, args, { env, timeoutMs: SLOW_START_MS })
}

/** makeNodes for one node, tried three times: `quire init` is bounded at 15 s, which a swamped machine can exceed. */
export async function makeNode (name: string, ip: () => string): Promise<ClusterNode> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await makeNodes([name], ip))[0]
    } catch (err) {
      if (attempt >= 3) throw err
    }
  }
}
