/**
 * C8 power-loss-sim for received files (reliability-battery.md, N tier): the power cut of
 * nightly-power-loss.spec.ts on the path a replica's files take, a file fetched from a partner
 * (FsFileStore.receive: the resumable `<cid>.part` and its `<cid>.blocks` list in staging, block
 * verification, fsync, rename), with its record, want and blob-index entry in the DB.
 *
 * 1. A partner P serves 4 documents (no data; 3 KiB; 300 KiB; 2 MiB, more than one block). The
 *    victim V lists P and runs `quire serve --interval 1` with harness/fs-shim.ts preloaded: it
 *    pulls the records by delta-T and fetches the files. A run without a crash gives N, the length
 *    of the trace of V's files/.
 * 2. For each k in 1..N: a fresh copy of V's pristine home, served with QUIRE_SHIM_CRASH_AT=k
 *    (SIGKILL at the kth file operation); the model is checked against the files/ the killed child
 *    left, then the power cut is applied in each mode (drop, keep, tear).
 * 3. Recovery: `audit` (in-process, the CLI's path), then the test's own reads: I1, no blob-index
 *    entry names a missing or partial file, and every record of P's names data that is either
 *    whole here or still wanted (else nothing would ever fetch it). For a seeded sample of crash
 *    points, `quire serve` is started again without the shim: every document of P's must arrive
 *    with its data whole, and staging be left empty.
 * The order of concurrent fetches varies between runs, so the kth operation is not the same one in
 * every run; each run is judged against its own trace. A run whose fetches all end before its kth
 * operation is counted as "not reached", not judged.
 * LevelDB is not simulated (see nightly-power-loss.spec.ts): the killed child's DB is kept as it left it.
 * SEED=… replays the data, the tears and the sample. `serve` listens on 127.0.5.211–220.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { binPath, cleanupAll, quireOk, repoRoot, startServe, waitExit, waitFor } from '../fixtures/cli.js'
import { addPeer, makeNodes, serveNode } from '../fixtures/cluster.js'
import { cidOf, filesDir, storeFiles } from '../fixtures/damage.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { seededBytes, seededRng } from '../fixtures/seed.js'
import { itExtended } from './harness/tier.js'
import { assertInvariants } from './harness/invariants.js'
import { MODES, PowerCutModel, readTree, tearOf, treeDiff, writeTree, type Mode, type Tear, type TraceEntry } from './harness/power-loss-model.js'
import { SLOW_START_MS, metaFile, offlineState } from './crash-common.js'
import { invoke } from '../../src/cli/invoke.js'
import { resolveHome } from '../../src/home/paths.js'
import type { AuditReport } from '../../src/store/audit.js'

const ip = loopbackRange(211, 220, { subnet: 5 })
const SHIM = pathToFileURL(join(repoRoot, 'dist', 'test', 'reliability', 'harness', 'fs-shim.js')).href
const KiB = 1024
/** Bounds a shimmed serve's whole run (start, pull, fetches); a bound on waiting, not a criterion. */
const RUN_TIMEOUT_MS = 90_000
/** The trace this long unchanged, with every file in place, means the fetches are over. */
const SETTLED_MS = 3_000
/** Crash points whose recovery also restarts `serve` and waits for P's documents. */
const RESTART_SAMPLES = 12

interface Doc { id: string, cid: string | null }
interface Run { signal: NodeJS.Signals | null, code: number | null, stderr: string, trace: TraceEntry[], reached: boolean }

const traceOf = async (file: string): Promise<TraceEntry[]> =>
  (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(l => l !== '').map(l => JSON.parse(l))

/**
 * `quire serve` on `home` with the shim, until it is killed at its crash point or, with every data
 * file of `docs` under its final name and the trace settled, stopped with SIGTERM (not reached).
 */
async function serveShimmed (home: string, work: string, docs: Doc[], crashAt?: number): Promise<Run> {
  await mkdir(work, { recursive: true })
  const traceFile = join(work, 'trace.jsonl')
  const env = { ...process.env, QUIRE_SHIM_ROOT: filesDir(home), QUIRE_SHIM_TRACE: traceFile, ...(crashAt != null ? { QUIRE_SHIM_CRASH_AT: String(crashAt) } : {}) }
  const child = spawn(process.execPath, ['--import', SHIM, binPath, 'serve', '--home', home, '--interval', '1'], { env, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const exited = (): boolean => child.exitCode != null || child.signalCode != null
  const wanted = docs.flatMap(d => d.cid == null ? [] : [d.cid])
  let reached = true
  try {
    let last = -1
    let still = Date.now()
    await waitFor(async () => {
      if (exited()) return true
      const length = (await traceOf(traceFile)).length
      if (length !== last) { last = length; still = Date.now(); return false }
      const names = new Set((await storeFiles(home)).map(f => f.name))
      return Date.now() - still >= SETTLED_MS && wanted.every(c => names.has(c))
    }, RUN_TIMEOUT_MS, `the shimmed serve of ${home} to crash or finish its fetches`, 250)
    if (!exited()) {
      reached = false
      child.kill('SIGTERM')
    }
    if (await waitExit(child, 20_000) == null) throw new Error(`serve of ${home} did not exit within 20 s of SIGTERM`)
  } finally {
    if (!exited()) {
      child.kill('SIGKILL')
      await waitExit(child, 20_000)
    }
  }
  const trace = await traceOf(traceFile)
  if (!reached && crashAt != null && trace.some(e => 'seq' in e && e.seq >= crashAt)) throw new Error(`serve of ${home} traced operation ${crashAt} and was not killed there`)
  return { code: child.exitCode, signal: child.signalCode, stderr, trace, reached }
}

/** A document of P's, as V holds it after recovery (flagged damage is also reported as a problem). */
type Outcome = 'no record' | 'record, file wanted' | 'record and file' | 'record, file flagged damaged'

interface Verdict { problems: string[], outcomes: Outcome[], staged: number }

/** Judge V's home after the cut and the audit (see the header, 3). */
async function judge (home: string, docs: Doc[], audit: AuditReport): Promise<Verdict> {
  const st = await offlineState(home)
  const problems = [...st.problems, ...st.orphanRecords.map(o => `a record of P's ${o}`)]
  for (const f of audit.corrupt) if (f.kind === 'record') problems.push(`audit: record of ${f.id} ${f.reason}`)
  const outcomes: Outcome[] = []
  for (const d of docs) {
    if (!st.docs.has(d.id)) { outcomes.push('no record'); continue }
    if (st.docs.get(d.id) !== d.cid) problems.push(`${d.id} names data ${String(st.docs.get(d.id))}, P's record ${String(d.cid)}`)
    if (d.cid == null || (st.files.has(d.cid) && !st.damaged.has(d.cid))) outcomes.push('record and file')
    else if (!st.damaged.has(d.cid)) outcomes.push('record, file wanted')
    else {
      // the audit flags a file whose index entry said "stored" while it was missing or partial: the
      // entry came before the file was durable, though repairable from a partner
      outcomes.push('record, file flagged damaged')
      problems.push(`${d.id}: its data ${d.cid} was indexed as stored but is missing or partial (the audit flagged it)`)
    }
  }
  return { problems, outcomes, staged: st.staged.length }
}

/** After the cut: `serve` again, unshimmed; every document of P's arrives whole, staging ends empty. */
async function restartAndConverge (home: string, docs: Doc[]): Promise<string[]> {
  const served = await startServe(home, ['--interval', '1'], { timeoutMs: SLOW_START_MS })
  try {
    await waitFor(async () => {
      const got = await Promise.all(docs.map(async d => await served.op('get', { id: d.id }).catch(() => null)))
      return got.every((g, i) => g != null && (docs[i].cid == null || g.data?.local === true))
    }, 60_000, `P's documents to arrive at ${home} after the power cut`, 250)
  } finally {
    await served.stop()
  }
  const st = await offlineState(home)
  const problems = [...st.problems]
  if (st.staged.length > 0) problems.push(`staging holds ${st.staged.join(', ')} after the fetches ended`)
  for (const d of docs) if (d.cid != null && (!st.files.has(d.cid) || st.damaged.has(d.cid))) problems.push(`${d.id}: data ${d.cid} not whole after the restart`)
  return problems
}

/** The cut in `mode` on a copy of the killed `home` (its DB as left) at `to`, the audit, the judgement. */
async function cutAndJudge (home: string, to: string, model: PowerCutModel, mode: Mode, tear: Tear, docs: Doc[], restart: boolean): Promise<Verdict> {
  await cp(home, to, { recursive: true, filter: src => src !== filesDir(home) })
  await writeTree(filesDir(to), model.tree(mode, tear))
  const v = await judge(to, docs, await invoke(resolveHome(to), 'audit') as AuditReport)
  if (restart) v.problems.push(...(await restartAndConverge(to, docs)).map(p => `after a restart: ${p}`))
  return v
}

describe('reliability C8: power loss while receiving', function () {
  let tmp: string | undefined
  afterEach(async () => {
    await cleanupAll()
    if (tmp != null) await rm(tmp, { recursive: true, force: true })
  })

  itExtended('C8 power-loss-sim, received files: a power cut (drop, keep, tear) at every operation of a replica\'s fetches; after recovery I1 holds, no record or index entry names a missing or partial file, every file still arrives', async function () {
    this.timeout(60 * 60_000)
    const started = Date.now()
    const rng = seededRng('C8 power-loss-sim, received')
    tmp = await mkdtemp(join(tmpdir(), 'quire-c8r-'))
    const [P, V] = await makeNodes(['P', 'V'], ip)
    await addPeer(P, V, ['--replicate', '--datareplicate'])
    await addPeer(V, P)
    await serveNode(P)
    const docs: Doc[] = []
    for (const [name, size] of [['nodata', null], ['small', 3 * KiB], ['mid', 300 * KiB], ['big', 2048 * KiB]] as const) {
      const id = `c8r.${name}`
      const args = ['put', id, '--meta', await metaFile(tmp, id, { title: id }), '--home', P.home]
      let cid: string | null = null
      if (size != null) {
        const bytes = seededBytes(rng.seed, id, size)
        await writeFile(join(tmp, `${id}.data`), bytes)
        args.push('--data', join(tmp, `${id}.data`))
        cid = await cidOf(bytes)
      }
      await quireOk(args)
      docs.push({ id, cid })
    }

    // the whole run, no crash: N; its end state must be clean
    const full = join(tmp, 'full')
    await cp(V.home, join(full, 'home'), { recursive: true })
    const clean = await serveShimmed(join(full, 'home'), full, docs)
    assert.equal(clean.reached, false, `the run without a crash died: ${clean.stderr}`)
    assert.equal(clean.code, 0, `the run without a crash exited ${String(clean.code)} at SIGTERM: ${clean.stderr}`)
    const N = clean.trace.filter(e => 'seq' in e).length
    const kinds = new Set(clean.trace.map(e => e.op))
    for (const kind of ['create', 'write', 'fsync', 'rename', 'fsyncdir', 'mkdir'] as const) assert.ok(kinds.has(kind), `the trace has no ${kind}`)
    const cleanModel = await PowerCutModel.load(filesDir(V.home))
    for (const e of clean.trace) cleanModel.apply(e)
    assertInvariants(treeDiff(cleanModel.tree('keep'), await readTree(filesDir(join(full, 'home')))).map(p => `the shim missed an operation: ${p}`))
    const cleanVerdict = await judge(join(full, 'home'), docs, await invoke(resolveHome(join(full, 'home')), 'audit') as AuditReport)
    assertInvariants(cleanVerdict.problems)
    assert.deepEqual(cleanVerdict.outcomes, docs.map(() => 'record and file'), 'the run without a crash did not receive everything')
    const restarts = new Set<number>()
    while (restarts.size < Math.min(RESTART_SAMPLES, N)) restarts.add(rng.int(1, N))
    console.log(`      ${docs.length} documents from P, N = ${N} traced operations at V; serve restarted after the cut at k = ${[...restarts].sort((a, b) => a - b).join(', ')}`)

    const problems: string[] = []
    const tally = new Map<string, Map<string, number>>()
    const count = (row: string, key: string, n = 1): void => {
      const t = tally.get(row) ?? new Map<string, number>()
      tally.set(row, t.set(key, (t.get(key) ?? 0) + n))
    }
    for (let k = 1; k <= N; k++) {
      const tear = tearOf(rng, k)
      // the restart sample runs in one mode, seeded, so each mode gets some
      const restartMode = MODES[rng.int(0, MODES.length - 1)]
      const dir = join(tmp, `crash${k}`)
      const home = join(dir, 'home')
      await cp(V.home, home, { recursive: true })
      const run = await serveShimmed(home, dir, docs, k)
      if (!run.reached) {
        count('runs', 'not reached (fetches over first)')
        await rm(dir, { recursive: true, force: true })
        continue
      }
      if (run.signal !== 'SIGKILL') {
        problems.push(`k=${k}: serve was not killed at its crash point (exit ${String(run.code)}, signal ${String(run.signal)}): ${run.stderr.trim()}`)
        await rm(dir, { recursive: true, force: true })
        continue
      }
      count('runs', 'killed')
      const model = await PowerCutModel.load(filesDir(V.home))
      for (const e of run.trace) model.apply(e)
      problems.push(...treeDiff(model.tree('keep'), await readTree(filesDir(home))).map(p => `k=${k}: the shim missed an operation: ${p}`))
      if (model.lastUnsyncedWrite() != null) count('runs', 'a write torn')
      for (const mode of MODES) {
        try {
          const v = await cutAndJudge(home, join(dir, mode), model, mode, tear, docs, restarts.has(k) && mode === restartMode)
          problems.push(...v.problems.map(p => `k=${k} ${mode}: ${p}`))
          for (const o of v.outcomes) count(mode, o)
          count(mode, 'staged files left', v.staged)
        } catch (err: any) {
          problems.push(`k=${k} ${mode}: recovery failed: ${err.message as string}`)
        }
      }
      await rm(dir, { recursive: true, force: true })
    }
    console.log(`      ${N} crash points × ${MODES.length} modes in ${((Date.now() - started) / 1000).toFixed(0)} s. Runs, and P's documents at V after recovery:`)
    for (const [row, t] of tally) console.log(`        ${row}: ${[...t].map(([key, n]) => `${key} ${n}`).join(', ')}`)
    // a shim that no longer kills would leave every run "not reached", and nothing judged
    const killed = tally.get('runs')?.get('killed') ?? 0
    assert.ok(killed >= N / 2, `only ${killed} of ${N} runs were killed at their crash point`)
    if (problems.length > 60) problems.splice(60, problems.length - 60, `… and ${problems.length - 60} more`)
    assertInvariants(problems)
  })
})
