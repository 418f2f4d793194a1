/**
 * C8 power-loss-sim (reliability-battery.md, N tier; Jepsen lazyfs, TigerBeetle's storage fault
 * model): power cuts at every prefix of a ~100-operation trace of the file store's
 * stage → fsync → rename → DB path, and what a home holds after recovery.
 *
 * 1. A child process runs a workload of 10 CLI commands through the product's own code path
 *    (harness/power-loss-workload.ts: `put` without data, with 0 B, 3 KiB (small path), 300 KiB and
 *    2 MiB (streamed), `update`s with new data and metadata only, a 5-file `put --batch` (syncfs,
 *    renames, directory fsyncs)), with harness/fs-shim.ts preloaded: it traces every file-system
 *    call under the home's files/ before performing it, and with QUIRE_SHIM_CRASH_AT=k SIGKILLs
 *    the child at operation k. A first run without a crash gives N, the length of the trace.
 * 2. Crash points: each k in 1..N, and right after each command's DB batch (the product's own crash
 *    point `db.batch.written`: the record written, the acknowledgement not yet). For each, a
 *    fresh copy of a pristine home, the workload killed there, then the power cut applied to
 *    files/ from the trace so far, in each mode of harness/power-loss-model.ts (drop: unsynced
 *    writes and directory changes lost; keep: nothing lost; tear: LazyFS's model, directory changes
 *    kept, unsynced bytes lost, the last write torn). files/ is rebuilt from the model; the model's
 *    `keep` state is first checked against the real files/ the killed child left, so an operation
 *    the shim missed fails the test.
 * 3. Recovery as an operator would do it: `quire audit` (in-process through src/cli/invoke.ts, the
 *    CLI's own path; for a few seeded crash points through the real CLI, then `quire serve` started
 *    and stopped: start-up cleans staging). Then the test's own reads (sha256 of every file, raw
 *    LevelDB): I1, every file under a final name hashes to its name; no record and no blob-index
 *    entry names a missing or partial file unless the audit flagged it damaged (repairable from a
 *    partner: counted as "flagged"); every acknowledged command present, its data whole; staging
 *    empty after `serve`. An orphan (a whole file no record names: a crash between rename and
 *    record) is allowed and counted after the in-process audit; after a `serve` start (which
 *    removes the files of puts that never completed) none may be left.
 * 4. After each k, a second crash pattern: the operator retries the unacknowledged commands on the
 *    killed home (the page cache kept, as after kill -9), they are acknowledged, then the power is
 *    cut (drop). Whatever the retry took as already there must have been durable: the same checks.
 *
 * LevelDB is native code and does not go through node's fs: it is not simulated. Quire writes a
 * command's records and its pending-file notes with `sync: true`; the killed child's DB is kept
 * as it left it, every write so far, synced or not: the worst case for a record naming a file,
 * since the DB then names the most files. `serve` listens on 127.0.5.200–210 (this file's range).
 * A file received from a partner (FsFileStore.receive, its resumable staging): nightly-power-loss-receive.spec.ts.
 * SEED=… replays the data, the tears and the crash points checked through the CLI.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { cleanupAll, initNode, quire, repoRoot, startServe } from '../fixtures/cli.js'
import { cidOf, filesDir } from '../fixtures/damage.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { seededBytes, seededRng } from '../fixtures/seed.js'
import { itExtended } from './harness/tier.js'
import { assertInvariants } from './harness/invariants.js'
import { MODES, PowerCutModel, readTree, tearOf, treeDiff, writeTree, type Mode, type Tear, type TraceEntry } from './harness/power-loss-model.js'
import type { Ack, Step } from './harness/power-loss-workload.js'
import { SLOW_START_MS, metaFile, offlineState, type OfflineState } from './crash-common.js'
import { invoke } from '../../src/cli/invoke.js'
import { resolveHome } from '../../src/home/paths.js'
import type { AuditReport } from '../../src/store/audit.js'

const ip = loopbackRange(200, 210, { subnet: 5 })
const HARNESS = join(repoRoot, 'dist', 'test', 'reliability', 'harness')
const SHIM = pathToFileURL(join(HARNESS, 'fs-shim.js')).href
const WORKLOAD = join(HARNESS, 'power-loss-workload.js')
/** A workload run takes a few seconds; this bounds a hung one. */
const CHILD_TIMEOUT_MS = 120_000
/** Crash points whose recovery also goes through the real CLI (`quire audit`, `quire serve`). */
const CLI_SAMPLES = 16
const KiB = 1024

/** The workload's 10 commands, their files written under `dir`. */
async function makePlan (dir: string, seed: number): Promise<Step[]> {
  const data = async (name: string, size: number): Promise<{ path: string, cid: string }> => {
    const bytes = seededBytes(seed, name, size)
    const path = join(dir, `${name}.data`)
    await writeFile(path, bytes)
    return { path, cid: await cidOf(bytes) }
  }
  const meta = async (name: string): Promise<string> => await metaFile(dir, name, { title: name })
  const put = async (id: string, size: number | null): Promise<Step> => {
    const d = size == null ? null : await data(id, size)
    return { op: 'put', args: { id, meta: await meta(id), ...(d != null ? { data: d.path } : {}) }, docs: [{ id, rev: 1, cid: d?.cid ?? null }] }
  }
  const update = async (id: string, rev: number, size: number | null, cid: string | null): Promise<Step> => {
    const d = size == null ? null : await data(`${id}.${rev}`, size)
    const args: Record<string, string> = d != null ? { id, data: d.path } : { id, meta: await meta(`${id}.${rev}`) }
    return { op: 'update', args, docs: [{ id, rev, cid: d?.cid ?? cid }] }
  }
  const batch: Step = { op: 'put.batch', args: { file: join(dir, 'batch.jsonl') }, docs: [] }
  const lines: string[] = []
  for (let i = 1; i <= 5; i++) {
    const id = `c8.batch${i}`
    const d = await data(id, i * 1500)
    lines.push(JSON.stringify({ id, meta: await meta(id), data: d.path }))
    batch.docs.push({ id, rev: 1, cid: d.cid })
  }
  await writeFile(batch.args.file, lines.join('\n') + '\n')
  const steps = [await put('c8.nodata', null), await put('c8.empty', 0), await put('c8.small', 3 * KiB), await put('c8.mid', 300 * KiB), await put('c8.big', 2048 * KiB)]
  steps.push(await update('c8.small', 2, 20 * KiB, null), batch, await update('c8.mid', 2, 100 * KiB, null))
  steps.push(await update('c8.nodata', 2, null, null), await put('c8.last', 5 * KiB))
  return steps
}

interface Run { signal: NodeJS.Signals | null, code: number | null, stderr: string, trace: TraceEntry[], acks: Ack[] }

/**
 * Where a run is killed: at the kth traced file-system operation (before it is performed), or
 * right after the nth DB batch (the product's crash point `db.batch.written`: a command's record
 * is written, its acknowledgement not yet). The second closes the one window between a command's
 * last file operation and the next command's first.
 */
type CrashPoint = { op: number } | { dbBatch: number }
const label = (c: CrashPoint): string => 'op' in c ? `k=${c.op}` : `db.batch.written:${c.dbBatch}`

/** The workload in a child with the shim, from step `first` on, killed at `crash` if given; its files go in `work`. */
async function runWorkload (home: string, work: string, planFile: string, opts: { crash?: CrashPoint, first?: number } = {}): Promise<Run> {
  const { crash, first = 0 } = opts
  await mkdir(work, { recursive: true })
  const traceFile = join(work, 'trace.jsonl')
  const acksFile = join(work, 'acks.jsonl')
  const env = {
    ...process.env,
    QUIRE_SHIM_ROOT: filesDir(home),
    QUIRE_SHIM_TRACE: traceFile,
    ...(crash != null && 'op' in crash ? { QUIRE_SHIM_CRASH_AT: String(crash.op) } : {}),
    ...(crash != null && 'dbBatch' in crash ? { QUIRE_FAULTS: `crash@db.batch.written:${crash.dbBatch}` } : {})
  }
  const exit = await new Promise<{ signal: NodeJS.Signals | null, code: number | null, stderr: string }>(resolve => {
    execFile(process.execPath, ['--import', SHIM, WORKLOAD, planFile, home, acksFile, String(first)], { env, timeout: CHILD_TIMEOUT_MS, killSignal: 'SIGTERM' }, (err: any, _out, stderr) => {
      resolve({ signal: err?.signal ?? null, code: err == null ? 0 : (err.code ?? null), stderr })
    })
  })
  const lines = async (file: string): Promise<any[]> => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(l => l !== '').map(l => JSON.parse(l))
  return { ...exit, trace: await lines(traceFile), acks: await lines(acksFile) }
}

/** Whole files no revision here names. */
const orphansOf = (st: OfflineState): string[] => [...st.files].filter(f => !st.referenced.has(f))

/** How one document of the command in flight at the crash came out. */
type Outcome = 'no trace' | 'record and file' | 'orphan file' | 'flagged damage'

interface Verdict { problems: string[], outcomes: Outcome[], orphans: number, flagged: number, staged: number }

/**
 * Judge a home after recovery against the plan and what was acknowledged (see the header). The
 * step after the last acknowledged one was in flight at the crash: its documents' outcomes.
 */
async function judge (home: string, plan: Step[], acks: Ack[], audit: AuditReport): Promise<Verdict> {
  const st = await offlineState(home)
  const problems = [...st.problems]
  const whole = (cid: string): boolean => st.files.has(cid) && !st.damaged.has(cid)
  for (const f of audit.corrupt) if (f.kind === 'record') problems.push(`audit: record of ${f.id} ${f.reason}`)
  // the product writes a record only once its file's name is durable, so even flagged damage
  // (repairable from a partner) means a record came too early: it is counted and reported
  let flagged = 0
  for (const [id, cid] of st.docs) {
    if (cid == null || st.files.has(cid)) continue
    if (st.damaged.has(cid)) flagged++
    problems.push(`${id} names data ${cid}, which is missing${st.damaged.has(cid) ? ' (flagged damaged)' : ' and not flagged damaged'}`)
  }
  for (const a of acks) {
    const step = plan[a.step]
    const ackedRev = step.op === 'put.batch' ? null : a.result.rev
    if (step.op === 'put.batch' && (a.result.stored !== step.docs.length || a.result.failed.length > 0)) problems.push(`step ${a.step} (put --batch) acknowledged ${JSON.stringify(a.result)}`)
    for (const d of step.docs) {
      const rev = st.revs.get(d.id)
      if (ackedRev != null && ackedRev !== d.rev) problems.push(`step ${a.step} acknowledged ${d.id} rev ${String(ackedRev)}, the plan says ${d.rev}`)
      if (rev == null || rev < d.rev) problems.push(`acknowledged ${d.id} rev ${d.rev} lost (now ${rev == null ? 'absent' : `rev ${rev}`})`)
      else if (rev === d.rev && d.cid != null && !whole(d.cid)) problems.push(`acknowledged ${d.id} rev ${d.rev}: its data ${d.cid} is not whole`)
    }
  }
  const outcomes: Outcome[] = []
  for (const d of plan[acks.length]?.docs ?? []) {
    const recorded = (st.revs.get(d.id) ?? 0) >= d.rev
    const file = d.cid != null && st.files.has(d.cid)
    if (recorded) outcomes.push(d.cid == null || whole(d.cid) ? 'record and file' : 'flagged damage')
    else outcomes.push(file ? 'orphan file' : 'no trace')
  }
  return { problems, outcomes, orphans: orphansOf(st).length, flagged, staged: st.staged.length }
}

/**
 * Recovery through the real CLI: `quire audit`, then `quire serve` started and stopped. Start-up
 * empties staging and removes the files of puts that never completed (pending-files.ts): after
 * it, no staged file and no orphan may be left.
 */
async function recoverByCli (home: string): Promise<{ audit: AuditReport, problems: string[] }> {
  const r = await quire(['audit', '--home', home, '--json'], { timeoutMs: 60_000 })
  if ((r.code !== 0 && r.code !== 1) || r.json == null) throw new Error(`quire audit exited ${String(r.code)}: ${r.stderr.trim()}`)
  const served = await startServe(home, [], { timeoutMs: SLOW_START_MS })
  await served.stop()
  const st = await offlineState(home)
  const orphans = orphansOf(st)
  const problems = st.staged.length > 0 ? [`staging holds ${st.staged.join(', ')} after a serve start`] : []
  if (orphans.length > 0) problems.push(`orphan file(s) ${orphans.join(', ')} left after a serve start`)
  return { audit: r.json, problems }
}

/**
 * The power cut: a copy of the killed `home` (its DB as the process left it) at `to`, with files/
 * rebuilt from the model in `mode`; then recovery (through the CLI, or the audit in-process) and
 * the judgement.
 */
async function cutAndRecover (home: string, to: string, model: PowerCutModel, mode: Mode, tear: Tear, plan: Step[], acks: Ack[], viaCli: boolean): Promise<Verdict> {
  await cp(home, to, { recursive: true, filter: src => src !== filesDir(home) })
  await writeTree(filesDir(to), model.tree(mode, tear))
  const recovered = viaCli ? await recoverByCli(to) : { audit: await invoke(resolveHome(to), 'audit') as AuditReport, problems: [] }
  const v = await judge(to, plan, acks, recovered.audit)
  return { ...v, problems: [...recovered.problems, ...v.problems] }
}

describe('reliability C8: power loss', function () {
  let tmp: string | undefined
  afterEach(async () => {
    await cleanupAll()
    if (tmp != null) await rm(tmp, { recursive: true, force: true })
  })

  itExtended('C8 power-loss-sim: a power cut (drop, keep, tear) at every operation of the file store\'s trace; after recovery I1 holds, no record names a missing or partial file (flagged or not), nothing acknowledged is lost', async function () {
    this.timeout(60 * 60_000)
    const started = Date.now()
    const rng = seededRng('C8 power-loss-sim')
    tmp = await mkdtemp(join(tmpdir(), 'quire-c8-'))
    const pristine = (await initNode('c8', ip())).home
    const work = join(tmp, 'work')
    await mkdir(work)
    const plan = await makePlan(work, rng.seed)
    const planFile = join(work, 'plan.json')
    await writeFile(planFile, JSON.stringify(plan))

    // the whole workload, no crash: its trace sets N; its end state must be clean too
    const full = join(tmp, 'full')
    await cp(pristine, join(full, 'home'), { recursive: true })
    const clean = await runWorkload(join(full, 'home'), full, planFile)
    assert.equal(clean.code, 0, `the workload without a crash failed: ${clean.stderr}`)
    assert.equal(clean.acks.length, plan.length, 'the workload without a crash acknowledged every command')
    const N = clean.trace.filter(e => 'seq' in e).length
    // a trace that lost its substance (the shim no longer sees the store) would pass vacuously
    const kinds = new Set(clean.trace.map(e => e.op))
    assert.ok(N >= 80, `the trace has ${N} operations (93–96 seen)`)
    for (const kind of ['create', 'write', 'fsync', 'rename', 'fsyncdir', 'syncfs', 'mkdir'] as const) assert.ok(kinds.has(kind), `the trace has no ${kind}`)
    const cleanModel = await PowerCutModel.load(filesDir(pristine))
    for (const e of clean.trace) cleanModel.apply(e)
    assertInvariants(treeDiff(cleanModel.tree('keep'), await readTree(filesDir(join(full, 'home')))).map(p => `the shim missed an operation: ${p}`))
    const byCli = await recoverByCli(join(full, 'home'))
    assertInvariants([...byCli.problems, ...(await judge(join(full, 'home'), plan, clean.acks, byCli.audit)).problems])
    const crashes: CrashPoint[] = [...Array.from({ length: N }, (_, i) => ({ op: i + 1 })), ...plan.map((_, i) => ({ dbBatch: i + 1 }))]
    const viaCli = new Set<number>()
    while (viaCli.size < Math.min(CLI_SAMPLES, crashes.length)) viaCli.add(rng.int(0, crashes.length - 1))
    console.log(`      ${plan.length} commands, N = ${N} traced operations; recovery through the CLI at ${[...viaCli].sort((a, b) => a - b).map(i => label(crashes[i])).join(', ')}`)

    const problems: string[] = []
    const tally = new Map<string, Map<string, number>>(MODES.map(m => [m, new Map()]))
    const count = (row: string, key: string, n = 1): void => {
      const t = tally.get(row) ?? new Map<string, number>()
      tally.set(row, t.set(key, (t.get(key) ?? 0) + n))
    }
    const killAt = async (i: number): Promise<{ dir: string, home: string, run: Run }> => {
      const dir = join(tmp!, `crash${i}`)
      const home = join(dir, 'home')
      await cp(pristine, home, { recursive: true })
      return { dir, home, run: await runWorkload(home, dir, planFile, { crash: crashes[i] }) }
    }
    let next = killAt(0)
    for (const [i, crash] of crashes.entries()) {
      const tear = tearOf(rng, i)
      const { dir, home, run } = await next
      // the next child runs while this crash is judged here: the two cores both busy
      if (i + 1 < crashes.length) next = killAt(i + 1)
      if (run.signal !== 'SIGKILL') {
        problems.push(`${label(crash)}: the workload was not killed at its crash point (exit ${String(run.code)}, signal ${String(run.signal)}): ${run.stderr.trim()}`)
        continue
      }
      const model = await PowerCutModel.load(filesDir(pristine))
      for (const e of run.trace) model.apply(e)
      const missed = async (at: string): Promise<void> => {
        problems.push(...treeDiff(model.tree('keep'), await readTree(filesDir(home))).map(p => `${at}: the shim missed an operation: ${p}`))
      }
      await missed(label(crash))
      if (model.lastUnsyncedWrite() != null) count('tear', 'a write torn')
      const judged = async (at: string, row: string, work: Promise<Verdict>): Promise<void> => {
        try {
          const v = await work
          problems.push(...v.problems.map(p => `${at}: ${p}`))
          for (const o of v.outcomes) count(row, o)
          count(row, 'orphan files in the store', v.orphans)
          count(row, 'flagged damage', v.flagged)
          count(row, 'staged files left', v.staged)
        } catch (err: any) {
          problems.push(`${at}: recovery failed: ${err.message as string}`)
        }
      }
      for (const mode of MODES) {
        await judged(`${label(crash)} ${mode}`, mode, cutAndRecover(home, join(dir, mode), model, mode, tear, plan, run.acks, viaCli.has(i)))
      }
      // the operator retries what was not acknowledged, on the killed home (kill -9 keeps the page
      // cache); then the power cut: whatever the retry took as given must have been durable too
      if ('op' in crash) {
        const retry = await runWorkload(home, join(dir, 'retry'), planFile, { first: run.acks.length })
        if (retry.code !== 0) {
          problems.push(`${label(crash)}: the retry failed (exit ${String(retry.code)}, signal ${String(retry.signal)}): ${retry.stderr.trim()}`)
        } else {
          model.restart()
          for (const e of retry.trace) model.apply(e)
          await missed(`${label(crash)} then a retry`)
          await judged(`${label(crash)} then a retry, drop`, 'retry, then drop', cutAndRecover(home, join(dir, 'retried'), model, 'drop', tear, plan, [...run.acks, ...retry.acks], false))
        }
      }
      await rm(dir, { recursive: true, force: true })
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(0)
    console.log(`      ${crashes.length} crash points (${N} operations, ${plan.length} DB batches) × ${MODES.length} modes, and ${N} retries then drop, in ${seconds} s. Documents in flight at the crash, and the store after recovery:`)
    for (const [row, t] of tally) console.log(`        ${row}: ${[...t].map(([key, n]) => `${key} ${n}`).join(', ')}`)
    if (problems.length > 60) problems.splice(60, problems.length - 60, `… and ${problems.length - 60} more`)
    assertInvariants(problems)
  })
})
