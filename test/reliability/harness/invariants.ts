/**
 * Invariant checkers I1–I8 (reliability-battery.md, principle 6), run at the end of every cluster
 * test of the battery. Each returns a list of problems (empty = holds) so that a test can report
 * all of them at once; {@link assertInvariants} fails the test with that list.
 *
 * They look at the nodes the way an auditor would, not through Quire's own checks: files are hashed
 * with node's sha256 (fixtures/damage.ts), signatures verified with @libp2p/peer-id's public key,
 * documents read through the API (`ls`) or, for a stopped node, straight from its LevelDB.
 */
import assert from 'node:assert/strict'
import { readdir, readFile, readlink, stat } from 'node:fs/promises'
import { join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import { peerIdFromString } from '@libp2p/peer-id'
import { concat } from 'uint8arrays/concat'
import { allDocs, sub, withDb, type ClusterNode } from '../../fixtures/cluster.js'
import { filesFailingHash, stagedFiles, stagingDir } from '../../fixtures/damage.js'

/** What a node holds of one document, as compared across nodes. */
export interface Held { id: string, rev: number, home: string, deleted: boolean, record: string, cid: string | null, local: boolean }

function held (d: any): Held {
  return { id: d.id, rev: d.rev, home: d.home, deleted: d.deleted, record: d.record, cid: d.data?.cid ?? null, local: d.data?.local ?? false }
}

/** Every document a serving node holds. */
export async function holdings (node: ClusterNode, pageSize?: number): Promise<Map<string, Held>> {
  return new Map((await allDocs(node, undefined, pageSize)).map(d => [d.id, held(d)]))
}

/** I1 content addressing: every file under a final name in the node's store hashes to its CID. */
export async function checkContentAddressing (node: ClusterNode): Promise<string[]> {
  return (await filesFailingHash(node.home)).map(name => `I1 ${node.name}: ${name} does not hash to its name`)
}

/**
 * I2 no acknowledged write lost: every write acknowledged (exit 0 / API answer) is there, at that
 * revision or a later one. `acked` maps id → the revision acknowledged.
 */
export function checkAcknowledged (name: string, docs: Map<string, Held>, acked: Map<string, number>): string[] {
  const out: string[] = []
  for (const [id, rev] of acked) {
    const d = docs.get(id)
    if (d == null) out.push(`I2 ${name}: acknowledged ${id} rev ${rev} is missing`)
    else if (d.rev < rev) out.push(`I2 ${name}: acknowledged ${id} rev ${rev}, holds rev ${d.rev}`)
  }
  return out
}

/** I3 one content per (id, rev) across all nodes: never two record CIDs for the same revision. */
export function checkNoFork (all: Array<{ name: string, docs: Map<string, Held> }>): string[] {
  const seen = new Map<string, { record: string, name: string }>()
  const out: string[] = []
  for (const { name, docs } of all) {
    for (const d of docs.values()) {
      const key = `${d.id}@${d.rev}`
      const first = seen.get(key)
      if (first == null) seen.set(key, { record: d.record, name })
      else if (first.record !== d.record) out.push(`I3 fork of ${key}: ${first.name} holds ${first.record}, ${name} holds ${d.record}`)
    }
  }
  return out
}

/**
 * I4 every stored revision carries a valid signature by its home: read from a stopped node's
 * LevelDB (revs sublevel: DAG-CBOR {bytes, signature}) and verified against the home named in the
 * record. Also checks the current entry points at a stored revision.
 */
export async function checkSignatures (node: ClusterNode): Promise<string[]> {
  const prefix = new TextEncoder().encode('quire/record/v1\n')
  const out: string[] = []
  await withDb(node.home, async db => {
    for await (const [key, value] of sub(db, 'revs').iterator({ valueEncoding: 'view' } as any)) {
      const blob = dagCbor.decode<{ bytes: Uint8Array, signature: Uint8Array }>(value as Uint8Array)
      const rec = dagCbor.decode<{ home: string, id: string, rev: number }>(blob.bytes)
      const where = `${node.name} ${String(key).replace('\x00', '@')}`
      try {
        const pub = peerIdFromString(rec.home).publicKey
        if (pub == null || !pub.verify(concat([prefix, blob.bytes]), blob.signature)) out.push(`I4 ${where}: signature does not verify against its home ${rec.home}`)
      } catch (err: any) {
        out.push(`I4 ${where}: ${err.message}`)
      }
    }
  })
  return out
}

/**
 * I5 each node's set of documents matches the model: `expected` maps node name → the ids it must
 * hold, exactly (no more, no fewer).
 */
export function checkModel (name: string, docs: Map<string, Held>, expected: Set<string>): string[] {
  const out: string[] = []
  for (const id of expected) if (!docs.has(id)) out.push(`I5 ${name}: lacks ${id}`)
  for (const id of docs.keys()) if (!expected.has(id)) out.push(`I5 ${name}: holds ${id}, which the model never sends it`)
  return out
}

/** Resources of a live process (I7): resident memory and open file descriptors, from /proc. */
export async function resources (pid: number): Promise<{ rssMiB: number, fds: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN)
  const fds = (await readdir(`/proc/${pid}/fd`)).length
  return { rssMiB: rssKiB / 1024, fds }
}

/** Bytes in the node's staging area (I7). */
export async function stagingBytes (node: ClusterNode): Promise<number> {
  let total = 0
  const dir = stagingDir(node.home)
  for (const name of await stagedFiles(node.home)) {
    total += (await stat(join(dir, name)).catch(() => ({ size: 0 }))).size
  }
  return total
}

/** I7 bounds, checked against a baseline taken before the faults (RSS only when `rssGrowMiB` is given). */
export async function checkResources (node: ClusterNode, baseline: { rssMiB: number, fds: number }, bound: { rssGrowMiB?: number, fdsGrow: number }): Promise<string[]> {
  const pid = node.served?.pid
  if (pid == null) return []
  const now = await resources(pid)
  const out: string[] = []
  if (bound.rssGrowMiB != null && now.rssMiB - baseline.rssMiB > bound.rssGrowMiB) out.push(`I7 ${node.name}: RSS grew ${(now.rssMiB - baseline.rssMiB).toFixed(1)} MiB (bound ${bound.rssGrowMiB})`)
  if (now.fds - baseline.fds > bound.fdsGrow) out.push(`I7 ${node.name}: ${now.fds - baseline.fds} more open fds (bound ${bound.fdsGrow}): ${await fdTargets(pid)}`)
  return out
}

async function fdTargets (pid: number): Promise<string> {
  const names = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])
  const targets = await Promise.all(names.map(async n => await readlink(`/proc/${pid}/fd/${n}`).catch(() => '?')))
  const counts = new Map<string, number>()
  for (const t of targets) { const k = t.replace(/\[\d+\]/, '[…]'); counts.set(k, (counts.get(k) ?? 0) + 1) }
  return [...counts].filter(([, n]) => n > 1).map(([k, n]) => `${k}×${n}`).join(', ')
}

/** I8 liveness: `status` answers within 2 s. Returns the time it took, or a problem. */
export async function checkLiveness (node: ClusterNode, boundMs = 2_000, samples?: number[]): Promise<string[]> {
  if (node.served == null) return []
  const started = performance.now()
  try {
    await node.served.op('status')
  } catch (err: any) {
    return [`I8 ${node.name}: status failed: ${err.message}`]
  }
  const ms = performance.now() - started
  samples?.push(ms)
  return ms > boundMs ? [`I8 ${node.name}: status took ${ms.toFixed(0)} ms (bound ${boundMs})`] : []
}

/** No staged leftovers once everything is done (part of C1/C3's pass criteria). */
export async function checkStagingEmpty (node: ClusterNode): Promise<string[]> {
  const names = await stagedFiles(node.home)
  return names.length === 0 ? [] : [`${node.name}: staging holds ${names.length} entries: ${names.slice(0, 5).join(', ')}`]
}

/**
 * The checks that apply to any set of serving nodes after a test: I1, I3, I8 on all of them, and
 * I2/I5 where given. I4 needs the node stopped (LevelDB admits one process): {@link checkSignatures}.
 */
export async function checkCluster (nodes: ClusterNode[], opts: { acked?: Map<string, Map<string, number>>, model?: Map<string, Set<string>> } = {}): Promise<string[]> {
  const problems: string[] = []
  const all: Array<{ name: string, docs: Map<string, Held> }> = []
  for (const n of nodes) {
    problems.push(...await checkLiveness(n), ...await checkContentAddressing(n))
    const docs = await holdings(n)
    all.push({ name: n.name, docs })
    const acked = opts.acked?.get(n.name)
    if (acked != null) problems.push(...checkAcknowledged(n.name, docs, acked))
    const model = opts.model?.get(n.name)
    if (model != null) problems.push(...checkModel(n.name, docs, model))
  }
  problems.push(...checkNoFork(all))
  return problems
}

/** Fail the test with every problem listed. */
export function assertInvariants (problems: string[]): void {
  assert.deepEqual(problems, [], `invariants broken:\n  ${problems.join('\n  ')}`)
}

/**
 * I6 convergence: wait (bounded by `withinMs`, e.g. 2·Δt plus the time a pass takes) until every
 * node holds the same (id, rev, record) for each id in `ids`, with data local where it has a file
 * (unless `dataExpected` says that node gets the metadata only, as a row without datareplicate).
 * Returns the ms it took.
 */
export async function waitConverged (nodes: ClusterNode[], ids: (name: string) => Set<string>, withinMs: number, opts: { dataExpected?: (name: string, id: string) => boolean } = {}): Promise<number> {
  const started = Date.now()
  let last = ''
  for (;;) {
    const all = await Promise.all(nodes.map(async n => ({ name: n.name, docs: await holdings(n) })))
    const problems: string[] = []
    const best = new Map<string, Held>()
    for (const { docs } of all) for (const d of docs.values()) { const b = best.get(d.id); if (b == null || d.rev > b.rev) best.set(d.id, d) }
    for (const { name, docs } of all) {
      for (const id of ids(name)) {
        const d = docs.get(id)
        const b = best.get(id)
        if (d == null) problems.push(`${name} lacks ${id}`)
        else if (b != null && (d.rev !== b.rev || d.record !== b.record)) problems.push(`${name} holds ${id}@${d.rev}, newest seen ${b.rev}`)
        else if (d.cid != null && !d.deleted && !d.local && (opts.dataExpected?.(name, id) ?? true)) problems.push(`${name}: ${id}'s file not local yet`)
      }
    }
    if (problems.length === 0) return Date.now() - started
    last = `${problems.length} problems, e.g. ${problems.slice(0, 5).join('; ')}`
    if (Date.now() - started > withinMs) throw new Error(`I6: not converged within ${withinMs} ms: ${last}`)
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}
