/**
 * P2 sim-model (reliability-battery.md): the model and the fast-check commands that drive an
 * in-process cluster ({@link InProcCluster}). The network is the Metacat worked example of the
 * BRIEF (gamma, alpha, lamda; every row has an address, `updates` on), so where a document ends
 * up is not simply "everywhere": the model's holders come from src/model/closure.ts.
 *
 * The model tracks, per document: its home, the last acknowledged revision, whether it has a data
 * file and whether it is deleted; per cluster: which nodes are down, which pairs are cut (both
 * rows removed: the gater then refuses the link), and which stored files were damaged and are not
 * repaired yet. Commands run one at a time (plain `fc.asyncModelRun`: fc.scheduler cannot order
 * what happens inside libp2p, so it would only reorder our own awaits), so the model is
 * sequential: an update that is acknowledged must be model.rev + 1, and one that fails changes
 * nothing. The one concurrent command, a race of two updates of one document, allows either order.
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import fc from 'fast-check'
import { closure, type NetworkModel, type Reach } from '../../../src/model/closure.js'
import { newPeerRow, type PeerRow } from '../../../src/model/peer-row.js'
import { dataPath, flipBit, hashesTo } from '../../fixtures/damage.js'
import { seededBytes } from '../../fixtures/seed.js'
import type { InProcCluster } from './inproc.js'

export const NAMES = ['gamma', 'alpha', 'lamda'] as const
type Flags = [replicate: 0 | 1, datareplicate: 0 | 1, hub: 0 | 1]

/** BRIEF "Worked example": each node's row (replicate, datareplicate, hub) for each partner. */
export const TOPOLOGY: Record<string, Record<string, Flags>> = {
  gamma: { alpha: [0, 0, 0], lamda: [1, 1, 0] },
  alpha: { gamma: [0, 1, 0], lamda: [1, 0, 0] },
  lamda: { gamma: [0, 0, 0], alpha: [1, 1, 1] }
}

function flagsOf (f: Flags): Pick<PeerRow, 'replicate' | 'datareplicate' | 'hub'> {
  return { replicate: f[0] === 1, datareplicate: f[1] === 1, hub: f[2] === 1 }
}

/** The peer tables as the closure model takes them (partners named by node name). */
export const NETWORK: NetworkModel = {
  tables: Object.fromEntries(Object.entries(TOPOLOGY).map(([n, rows]) =>
    [n, Object.entries(rows).map(([p, f]) => ({ ...newPeerRow(p), ...flagsOf(f) }))]))
}

/** Give `at` its row for `partner` (with the partner's address), as in the topology. */
export async function addRow (c: InProcCluster, at: string, partner: string): Promise<void> {
  await c.op(at, 'peer.add', { target: c.get(partner).addr, ...flagsOf(TOPOLOGY[at][partner]) })
}

export interface DocModel { id: string, home: string, rev: number, hasData: boolean, deleted: boolean, uncertain: boolean }

export interface Model {
  docs: DocModel[]
  down: Set<string>
  /** cut pairs, "a|b" with a < b */
  cut: Set<string>
  /** "node id" of files damaged and not yet repaired */
  damaged: Set<string>
}

export interface Real {
  c: InProcCluster
  seed: number
  /** this sequence's namespace: every sequence makes new documents */
  ns: string
  tmp: string
  log: string[]
  /** commands run, by kind and outcome, over all sequences (printed: what the run exercised) */
  counts: Map<string, number>
}

function tally (r: Real, what: string): void {
  r.counts.set(what, (r.counts.get(what) ?? 0) + 1)
}

export function emptyModel (): Model {
  return { docs: [], down: new Set(), cut: new Set(), damaged: new Set() }
}

/**
 * Where each node's documents end up, in the BRIEF's own words ("gamma's documents reach lamda
 * with data, and go on to alpha through lamda's hub row; alpha's reach lamda as metadata only;
 * lamda's reach alpha with data; nothing reaches gamma"): home → node → reach of a document with
 * a data file. Written out rather than computed, so a bug in the product's sending policy cannot
 * move the oracle with it; {@link closureAgrees} checks src/model/closure.ts against it.
 */
const BRIEF_REACH: Record<string, Record<string, Reach>> = {
  gamma: { gamma: 'data', lamda: 'data', alpha: 'data' },
  alpha: { alpha: 'data', lamda: 'meta', gamma: 'none' },
  lamda: { lamda: 'data', alpha: 'data', gamma: 'none' }
}

/** What `node` holds of `d` once replication has settled (I5's model). */
export function reach (d: Pick<DocModel, 'home' | 'hasData'>, node: string): Reach {
  const r = BRIEF_REACH[d.home][node]
  return r === 'data' && !d.hasData ? 'meta' : r
}

/** Problems where the product's closure model (src/model/closure.ts) disagrees with the BRIEF. */
export function closureAgrees (): string[] {
  const out: string[] = []
  for (const home of NAMES) {
    for (const hasData of [true, false]) {
      const got = closure(NETWORK, { id: 'ns.x', home, hasData })
      for (const n of NAMES) if (got[n] !== reach({ home, hasData }, n)) out.push(`closure: ${home}'s doc (data ${hasData}) at ${n}: ${got[n]}, BRIEF ${reach({ home, hasData }, n)}`)
    }
  }
  return out
}

const pair = (a: string, b: string): string => [a, b].sort().join('|')
const up = (m: Model, n: string): boolean => !m.down.has(n)
const live = (m: Model): DocModel[] => m.docs.filter(d => !d.deleted)

let fileSeq = 0
async function tmpFile (r: Real, bytes: Uint8Array): Promise<string> {
  const path = join(r.tmp, `f${++fileSeq}`)
  await writeFile(path, bytes)
  return path
}

/** Run an operation; a QuireError comes back as {code, exitCode, message} instead of a throw. */
async function attempt (r: Real, node: string, op: string, args: object): Promise<{ ok: true, result: any } | { ok: false, code: string, exitCode: number, message: string }> {
  try {
    return { ok: true, result: await r.c.op(node, op, args) }
  } catch (err: any) {
    if (typeof err.code !== 'string' || typeof err.exitCode !== 'number') throw err
    return { ok: false, code: err.code, exitCode: err.exitCode, message: err.message }
  }
}

async function waitFor (cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await cond()) return true
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return await cond()
}

class Put implements fc.AsyncCommand<Model, Real> {
  constructor (readonly node: string, readonly dataBytes: number) {}
  check (m: Model): boolean { return up(m, this.node) }
  async run (m: Model, r: Real): Promise<void> {
    const id = `${r.ns}.d${m.docs.length}`
    const meta = await tmpFile(r, seededBytes(r.seed, `${id} meta 1`, 64))
    const data = this.dataBytes > 0 ? await tmpFile(r, seededBytes(r.seed, `${id} data`, this.dataBytes)) : undefined
    const res = await r.c.op(this.node, 'put', { id, meta, ...(data != null ? { data } : {}) })
    assert.deepEqual(res, { id, rev: 1, home: r.c.get(this.node).peerId }, `put ${id} at ${this.node}`)
    m.docs.push({ id, home: this.node, rev: 1, hasData: data != null, deleted: false, uncertain: false })
    tally(r, 'put')
  }
  toString (): string { return `put(${this.node}${this.dataBytes > 0 ? `, ${this.dataBytes} B data` : ''})` }
}

/**
 * An update (or rm) of a live document from one of its holders — the home itself, or another node
 * through the home's lock — or two updates of it from two holders at once (a race: the model
 * then allows either order, and one of them may lose with OUTDATED or LOCKED).
 */
class Change implements fc.AsyncCommand<Model, Real> {
  constructor (readonly docPick: number, readonly byPicks: number[], readonly remove: boolean) {}
  private target (m: Model): { d: DocModel, by: string[] } | null {
    const docs = live(m)
    if (docs.length === 0) return null
    const d = docs[this.docPick % docs.length]
    const holders = NAMES.filter(n => reach(d, n) !== 'none')
    return { d, by: this.byPicks.map(p => holders[p % holders.length]) }
  }
  check (m: Model): boolean {
    const t = this.target(m)
    return t != null && t.by.every(b => up(m, b))
  }
  /** With the home reachable and the latest revision held, nothing may refuse a lone update. */
  private async mustSucceed (m: Model, r: Real, d: DocModel, by: string): Promise<boolean> {
    const homeReachable = up(m, d.home) && (by === d.home || !m.cut.has(pair(by, d.home)))
    const heldRev = async (): Promise<number> => { const g = await attempt(r, by, 'get', { id: d.id }); return g.ok ? g.result.rev : 0 }
    // the requester may still be catching up (push, hub, delta-T): give it a moment, bounded
    if (homeReachable && !d.uncertain) await waitFor(async () => await heldRev() === d.rev, 3_000)
    return homeReachable && !d.uncertain && (await heldRev()) === d.rev
  }
  async run (m: Model, r: Real): Promise<void> {
    const { d, by } = this.target(m)!
    const kind = this.remove ? 'rm' : 'update'
    const what = `${kind} ${d.id} (home ${d.home}, model rev ${d.rev}) from ${by.join(' and ')}`
    const must: boolean[] = []
    for (const b of by) must.push(await this.mustSucceed(m, r, d, b))
    const results = await Promise.all(by.map(async (b, i) => await attempt(r, b, kind, {
      id: d.id, wait: 2, ...(this.remove ? {} : { meta: await tmpFile(r, seededBytes(r.seed, `${d.id} meta ${d.rev + 1} ${b} ${i}`, 64)) })
    })))
    const revs = results.flatMap(x => x.ok ? [x.result.rev as number] : []).sort((a, b) => a - b)
    // sequential model: the acknowledged updates commit model rev + 1, + 2, … (in either order)
    if (d.uncertain) assert.ok(revs.every(v => v > d.rev) && new Set(revs).size === revs.length, `${what}: acknowledged revs ${JSON.stringify(revs)}`)
    else assert.deepEqual(revs, revs.map((_, i) => d.rev + 1 + i), `${what}: acknowledged revs must be model rev + 1…`)
    if (must.some(Boolean)) assert.ok(revs.length > 0, `${what}: all refused although the home is reachable and a requester holds the latest revision: ${JSON.stringify(results)}`)
    for (const [i, x] of results.entries()) {
      if (x.ok) { tally(r, `${kind}${by[i] === d.home ? ' at home' : ' through the lock'}${by.length > 1 ? ' (race)' : ''}`); continue }
      r.log.push(`${what}: ${by[i]} refused ${x.code} (exit ${x.exitCode})`)
      tally(r, `${kind} refused (${x.code})${by.length > 1 ? ' (race)' : ''}`)
      if (by.length === 1) assert.ok(!must[0], `${what}: refused although the home is reachable and ${by[0]} holds the latest revision: ${x.code} ${x.message}`)
      if (x.exitCode === 4) { d.uncertain = true; continue }
      assert.ok(['outdated', 'home-unreachable', 'home-not-listed', 'not-found', 'locked'].includes(x.code), `${what}: unexpected refusal ${x.code} (exit ${x.exitCode}): ${x.message}`)
    }
    if (revs.length > 0) {
      d.rev = revs[revs.length - 1]
      if (!results.some(x => !x.ok && x.exitCode === 4)) d.uncertain = false
      if (this.remove) {
        d.deleted = true
        // a tombstone names no data file: damage to the old one is nobody's to repair any more
        for (const n of NAMES) m.damaged.delete(`${n} ${d.id}`)
      }
    }
    // the home holds exactly what was acknowledged: refused updates changed nothing
    if (up(m, d.home) && !d.uncertain) assert.equal((await r.c.op(d.home, 'get', { id: d.id })).rev, d.rev, `${what}: the home is not at the acknowledged revision`)
  }
  toString (): string { return `${this.remove ? 'rm' : 'update'}(doc#${this.docPick}, holder#${this.byPicks.join('+')})` }
}

class Partition implements fc.AsyncCommand<Model, Real> {
  constructor (readonly a: string, readonly b: string) {}
  check (m: Model): boolean { return this.a !== this.b && up(m, this.a) && up(m, this.b) && !m.cut.has(pair(this.a, this.b)) }
  async run (m: Model, r: Real): Promise<void> {
    await r.c.op(this.a, 'peer.rm', { peerId: r.c.get(this.b).peerId })
    await r.c.op(this.b, 'peer.rm', { peerId: r.c.get(this.a).peerId })
    m.cut.add(pair(this.a, this.b))
    tally(r, 'partition')
  }
  toString (): string { return `partition(${this.a}, ${this.b})` }
}

/** Heal one of the cut pairs: both rows back as in the topology. */
class Heal implements fc.AsyncCommand<Model, Real> {
  constructor (readonly pick: number) {}
  private target (m: Model): [string, string] | null {
    const cuts = [...m.cut].filter(p => p.split('|').every(n => up(m, n)))
    return cuts.length === 0 ? null : cuts[this.pick % cuts.length].split('|') as [string, string]
  }
  check (m: Model): boolean { return this.target(m) != null }
  async run (m: Model, r: Real): Promise<void> {
    const [a, b] = this.target(m)!
    await addRow(r.c, a, b)
    await addRow(r.c, b, a)
    m.cut.delete(pair(a, b))
    tally(r, 'heal')
  }
  toString (): string { return `heal(cut#${this.pick})` }
}

class Crash implements fc.AsyncCommand<Model, Real> {
  constructor (readonly node: string) {}
  check (m: Model): boolean { return up(m, this.node) }
  async run (m: Model, r: Real): Promise<void> {
    await r.c.crash(this.node)
    m.down.add(this.node)
    tally(r, 'crash')
  }
  toString (): string { return `crash(${this.node})` }
}

/** Start one of the crashed nodes again, on the same home, address and port. */
class Restart implements fc.AsyncCommand<Model, Real> {
  constructor (readonly pick: number) {}
  private target (m: Model): string | null {
    const down = NAMES.filter(n => !up(m, n))
    return down.length === 0 ? null : down[this.pick % down.length]
  }
  check (m: Model): boolean { return this.target(m) != null }
  async run (m: Model, r: Real): Promise<void> {
    const n = this.target(m)!
    await r.c.start(n)
    m.down.delete(n)
    tally(r, 'restart')
  }
  toString (): string { return `restart(down#${this.pick})` }
}

/** Flip a bit in a stored data file; the audit must find it; repair from a partner holding a good copy. */
class Corrupt implements fc.AsyncCommand<Model, Real> {
  constructor (readonly node: string, readonly docPick: number, readonly offset: number) {}
  private target (m: Model): DocModel | null {
    // only files some partner also holds whole: with no other copy, repair has no source (F6's case)
    const docs = live(m).filter(d => d.hasData && reach(d, this.node) === 'data' && !m.damaged.has(`${this.node} ${d.id}`) &&
      NAMES.some(s => s !== this.node && reach(d, s) === 'data'))
    return docs.length === 0 ? null : docs[this.docPick % docs.length]
  }
  check (m: Model): boolean { return up(m, this.node) && this.target(m) != null }
  async run (m: Model, r: Real): Promise<void> {
    const d = this.target(m)!
    const fetched = async (): Promise<boolean> => { const v = await attempt(r, this.node, 'get', { id: d.id }); return v.ok && v.result.data?.local === true }
    // the file may still be on its way (push, then fetch): a moment, bounded
    if (!(await waitFor(fetched, 1_500))) { tally(r, 'corrupt skipped (file not here yet)'); return }
    const view = await r.c.op(this.node, 'get', { id: d.id })
    const cid: string = view.data.cid
    // damage only what has a good copy elsewhere now: the home's only copy damaged before it
    // replicated is lost data (F6), not something repair can be asked to restore
    if (!(await goodCopyElsewhere(m, r, this.node, d))) { tally(r, 'corrupt skipped (no other copy yet)'); return }
    const path = dataPath(r.c.get(this.node).home, cid)
    await flipBit(path, this.offset % view.data.size)
    m.damaged.add(`${this.node} ${d.id}`)
    tally(r, 'corrupt')
    const report = await r.c.op(this.node, 'audit', {})
    if (!report.corrupt.some((f: any) => f.cid === cid)) {
      // not reported is right only if the file is whole again: a fetch of the same file still in
      // flight (push and pull both asked for it) may rename a good copy over the flipped one
      assert.ok(await hashesTo(path, cid), `audit at ${this.node} missed the flipped bit in ${cid} (the file still fails its hash): ${JSON.stringify(report.corrupt)}`)
      m.damaged.delete(`${this.node} ${d.id}`)
      tally(r, 'corrupt undone (a good copy landed before the audit)')
      return
    }
    await repairFromAny(m, r, this.node, d)
  }
  toString (): string { return `corrupt(${this.node}, doc#${this.docPick}, @${this.offset})` }
}

async function goodCopyElsewhere (m: Model, r: Real, node: string, d: DocModel): Promise<boolean> {
  for (const s of NAMES) {
    if (s === node || !up(m, s) || m.damaged.has(`${s} ${d.id}`)) continue
    const v = await attempt(r, s, 'get', { id: d.id })
    if (v.ok && v.result.data?.local === true) return true
  }
  return false
}

/**
 * Repair `d`'s file at `node` from a partner the model says holds a good copy. With a connected
 * source the repair must succeed; with none it stays damaged (the final heal repairs it).
 */
export async function repairFromAny (m: Model, r: Real, node: string, d: DocModel): Promise<boolean> {
  const sources = NAMES.filter(s => s !== node && up(m, s) && !m.cut.has(pair(s, node)) && reach(d, s) === 'data' && !m.damaged.has(`${s} ${d.id}`))
  const self = r.c.get(node).node!
  const why: string[] = []
  for (const s of sources) {
    const peer = r.c.get(s).peerId
    if (!self.links.isConnected(peer)) { why.push(`${s} not connected`); continue }
    const local = await attempt(r, s, 'get', { id: d.id })
    if (!local.ok || local.result.data?.local !== true) { why.push(`${s}: ${JSON.stringify(local.ok ? local.result.data : local.code)}`); continue }
    const res = await attempt(r, node, 'repair', { id: d.id, from: peer })
    assert.ok(res.ok && res.result.state !== 'failed', `repair of ${d.id} at ${node} from ${s} (connected, holds it whole): ${JSON.stringify(res)}`)
    m.damaged.delete(`${node} ${d.id}`)
    tally(r, 'repair')
    return true
  }
  r.log.push(`${d.id} at ${node}: no connected good source (${sources.length === 0 ? 'none in the model' : why.join('; ')})`)
  tally(r, `repair deferred (${sources.length === 0 ? 'no source in the model' : why.some(w => w.endsWith('not connected')) ? 'source not connected' : 'source lacks the file'})`)
  return false
}

const node = fc.constantFrom(...NAMES)

/** The command arbitraries, weighted towards document operations. */
export function commandArbitraries (): Array<fc.Arbitrary<fc.AsyncCommand<Model, Real>>> {
  const change = (remove: boolean): fc.Arbitrary<Change> => fc.tuple(fc.nat(50), fc.nat(2)).map(([d, b]) => new Change(d, [b], remove))
  const race = fc.tuple(fc.nat(50), fc.nat(2), fc.nat(2)).map(([d, a, b]) => new Change(d, [a, b], false))
  const put = fc.tuple(node, fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4096 }))).map(([n, size]) => new Put(n, size))
  const heal = fc.nat(2).map(p => new Heal(p))
  const restart = fc.nat(2).map(p => new Restart(p))
  const corrupt = fc.tuple(node, fc.nat(50), fc.nat(1 << 20)).map(([n, d, o]) => new Corrupt(n, d, o))
  // repeated entries weigh the choice: heal and restart only apply after a partition or a crash
  return [
    put, put,
    change(false), change(false), change(true), race,
    fc.tuple(node, node).map(([a, b]) => new Partition(a, b)), heal, heal,
    node.map(n => new Crash(n)), restart, restart,
    corrupt, corrupt
  ]
}
