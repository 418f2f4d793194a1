/**
 * Reliability battery C6 (store-vanished) and C7 (metadata-db-corruption): a store that is gone or
 * damaged must never read as "everything was deleted" (reliability-battery.md §3 rule 2,
 * Syncthing's `.stfolder`). Real `quire serve` processes on 127.0.4.10–49, real LevelDB.
 *
 * The scene: A is home to 200 documents with data; B lists A and holds them all. A's store is then
 * taken away (or damaged). What B holds is the witness: no document deleted, no rev changed, every
 * data file still local, for 3·Δt and beyond.
 */
import assert from 'node:assert/strict'
import { mkdir, readdir, readFile, rename, rm, cp, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  api, cleanupAll, quire, quireOk, sleep, startServe, waitExit, type QuireResult, type ServeStartError
} from '../fixtures/cli.js'
import { addPeer, makeNodes, op, putBatch, serveNode, waitUntil, type ClusterNode } from '../fixtures/cluster.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { seededBytes } from '../fixtures/seed.js'
import { assertInvariants, checkCluster, checkSignatures, holdings, type Held } from './harness/invariants.js'
import { kill9 } from './harness/processes.js'

const ip = loopbackRange(10, 49, { subnet: 4 })

/** Δt of this file: short, so that 3·Δt of watching B is a few seconds. */
const DT = 2
const DOCS = 200

/** A home to DOCS documents with data, B subscribed with data; both serving; B holds everything. */
async function scene (): Promise<{ a: ClusterNode, b: ClusterNode, acked: Map<string, number> }> {
  const [a, b] = await makeNodes(['A', 'B'], ip)
  await addPeer(a, b, ['--replicate', '--datareplicate'])
  await addPeer(b, a)
  const docs = Array.from({ length: DOCS }, (_, i) => ({
    id: `loss.d${String(i).padStart(3, '0')}`,
    meta: JSON.stringify({ i }),
    data: seededBytes(i, 'c6', 1024 + (i % 7) * 512)
  }))
  // offline, before serve: one CLI process for the whole batch
  await putBatch(a.home, join(a.tmp.dir, 'batch'), docs)
  await Promise.all([serveNode(a, ['--interval', String(DT)]), serveNode(b, ['--interval', String(DT)])])
  await waitUntil('B to hold all documents with their data', async () => {
    const held = await holdings(b)
    const local = [...held.values()].filter(d => d.local).length
    return local === DOCS ? null : `${held.size} docs, ${local} local`
  }, 60_000, 250)
  return { a, b, acked: new Map(docs.map(d => [d.id, 1])) }
}

/** Problems with what B holds now against `before`: anything deleted, missing, changed or no longer local. */
function diffHoldings (before: Map<string, Held>, now: Map<string, Held>): string[] {
  const out: string[] = []
  for (const [id, d] of before) {
    const n = now.get(id)
    if (n == null) out.push(`${id} vanished`)
    else if (n.deleted) out.push(`${id} is now a tombstone`)
    else if (n.rev !== d.rev || n.record !== d.record) out.push(`${id} changed: rev ${d.rev} → ${n.rev}`)
    else if (d.local && !n.local) out.push(`${id}'s data is no longer local`)
  }
  return out
}

/** Watch B for `ms`: its holdings never differ from `before`. */
async function assertUnchangedFor (b: ClusterNode, before: Map<string, Held>, ms: number): Promise<void> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    const diff = diffHoldings(before, await holdings(b))
    assert.deepEqual(diff, [], `B's documents changed after A's store vanished:\n  ${diff.slice(0, 10).join('\n  ')}`)
    await sleep(250)
  }
}

/** `quire serve` that must refuse: non-zero exit, one line on stderr naming the missing store. */
async function assertServeRefuses (node: ClusterNode, what: string, pattern: RegExp): Promise<QuireResult> {
  const r = await quire(['serve', '--home', node.home, '--interval', String(DT)], { timeoutMs: 20_000 })
  assert.notEqual(r.code, 0, `serve with ${what} should refuse; it exited ${r.code}: ${r.stderr}`)
  const lines = r.stderr.trim().split('\n')
  assert.equal(lines.length, 1, `one line on stderr (${what}): ${r.stderr}`)
  assert.match(lines[0], pattern, `serve with ${what}`)
  return r
}

describe('C6 store-vanished: a store renamed away under a running node, then missing or empty at start (200 docs with data)', function () {
  this.timeout(180_000)
  afterEach(async () => { await cleanupAll() })

  // one scene, two losses in turn (files/, then db/), each restored before the next
  it('HOME/files, then HOME/db, renamed away while serving: A says "store missing" and stops; B loses nothing within 3·Δt; restart refuses (missing, empty); restoring resumes', async function () {
    const { a, b, acked } = await scene()
    for (const dir of ['files', 'db'] as const) {
      const before = await holdings(b)
      const served = a.served!
      const count = before.size
      const path = join(a.home, dir)
      const away = `${path}.away`

      await rename(path, away)
      const renamedAt = Date.now()
      // in the window before the node notices (its health check runs every 2 s): an audit through
      // the running node must refuse with store-missing, not record the whole store as missing
      // (that damage would outlive the restore). A node already stopped is fine too.
      const inNode = await api(served.nodeJson, 'audit', {}, 20_000).then(r => `ran: ${r.corrupt.length} findings`, (err: Error) => err.message)
      assert.ok(/store-missing|fetch failed|ECONNREFUSED/.test(inNode), `audit in the running node while ${dir}/ was gone: ${inNode}`)
      await quire(['sync', '--home', b.home], { timeoutMs: 20_000 }).catch(() => {})

      // the running node notices within its health-check period and stops, saying so
      const exit = await waitExit(served.proc, 10_000)
      const stoppedMs = Date.now() - renamedAt
      assert.ok(exit != null, `A still runs ${stoppedMs} ms after its ${dir}/ vanished`)
      assert.notEqual(exit.code, 0, `A's exit code after its ${dir}/ vanished`)
      assert.match(served.stderr(), /store missing/i, `A's stderr: ${served.stderr()}`)
      a.served = undefined
      // offline now: `quire audit` says the store is missing (files/: a report flagged storeMissing,
      // every file listed, none marked; db/: refused)
      const offline = await quire(['audit', '--home', a.home, '--json'], { timeoutMs: 30_000 })
      assert.equal(offline.code, 1, `offline audit: ${offline.stderr}`)
      if (dir === 'files') assert.equal(offline.json?.storeMissing, true, `offline audit of a vanished files/: ${offline.stdout.slice(0, 200)}`)
      else assert.equal(offline.errorJson?.code, 'store-missing', `offline audit of a vanished db/: ${offline.stderr}`)
      console.log(`      C6 ${dir}/: A stopped ${stoppedMs} ms after the rename (exit ${exit.code}); audit in the node: ${inNode.slice(0, 120)}; offline audit: ${offline.json?.storeMissing === true ? 'storeMissing' : offline.errorJson?.code}`)

      // nothing reaches B: 3·Δt of watching, B keeps pulling (from nobody) meanwhile
      await assertUnchangedFor(b, before, 3 * DT * 1000)

      // start with the store missing, then present but empty: refused, in one line
      await assertServeRefuses(a, `${dir}/ missing`, /store missing/i)
      await mkdir(path)
      await assertServeRefuses(a, `${dir}/ empty`, /store missing/i)
      await rm(path, { recursive: true })

      // restoring the directory resumes normally: A serves, still holds and serves all, nothing flagged
      await rename(away, path)
      await serveNode(a, ['--interval', String(DT)])
      const st = await op(a, 'status')
      assert.equal(st.counts?.documents ?? count, count, `A's document count after the restore: ${JSON.stringify(st.counts)}`)
      const aHeld = await holdings(a)
      const notLocal = [...aHeld.values()].filter(d => d.cid != null && !d.local).map(d => d.id)
      assert.deepEqual(notLocal, [], 'after the restore every file of A is local (none left flagged damaged)')
      const audited = await quire(['audit', '--home', a.home, '--json'], { timeoutMs: 30_000 })
      assert.equal(audited.code, 0, `audit after the restore: ${audited.stdout.slice(0, 300)} ${audited.stderr}`)
      // a new document flows to B again
      const fresh = `loss.after-${dir}`
      await quireOk(['put', fresh, '--meta', join(a.tmp.dir, 'batch', '0.meta'), '--home', a.home])
      acked.set(fresh, 1)
      await waitUntil(`B to receive ${fresh}`, async () => (await holdings(b)).has(fresh) ? null : 'not yet', 4 * DT * 1000)
      assert.deepEqual(diffHoldings(before, await holdings(b)), [], 'B after the restore')

      assertInvariants(await checkCluster([a, b], { acked: new Map([['A', acked], ['B', acked]]) }))
    }
    await Promise.all([a.served!.stop(), b.served!.stop()])
    assertInvariants([...await checkSignatures(a), ...await checkSignatures(b)])
  })
})

/** The files of a stopped node's LevelDB, by kind. */
async function dbFiles (home: string): Promise<{ ldb: string[], manifest: string[], log: string[] }> {
  const names = await readdir(join(home, 'db'))
  const sized = await Promise.all(names.map(async n => ({ n, size: (await stat(join(home, 'db', n))).size })))
  // the biggest table and log first: damage where the documents are
  sized.sort((x, y) => y.size - x.size)
  return {
    ldb: sized.filter(f => f.n.endsWith('.ldb') || f.n.endsWith('.sst')).map(f => f.n),
    manifest: sized.filter(f => f.n.startsWith('MANIFEST-')).map(f => f.n),
    log: sized.filter(f => f.n.endsWith('.log') && f.size > 0).map(f => f.n)
  }
}

async function flipBytes (path: string, at: number, count: number): Promise<void> {
  const buf = await readFile(path)
  const start = Math.max(0, Math.min(buf.length - count, at))
  for (let i = start; i < start + count && i < buf.length; i++) buf[i] ^= 0xff
  await writeFile(path, buf)
}

interface Variant {
  name: string
  /** LevelDB (paranoid_checks off, which classic-level cannot turn on) drops a damaged log tail silently */
  damage: (db: string, files: Awaited<ReturnType<typeof dbFiles>>) => Promise<void> }

const VARIANTS: Variant[] = [
  { name: 'CURRENT emptied', damage: async db => { await truncate(join(db, 'CURRENT'), 0) } },
  { name: 'CURRENT names a missing MANIFEST', damage: async db => { await writeFile(join(db, 'CURRENT'), 'MANIFEST-999999\n') } },
  { name: 'MANIFEST truncated to half', damage: async (db, f) => { const p = join(db, f.manifest[0]); await truncate(p, Math.floor((await stat(p)).size / 2)) } },
  { name: 'MANIFEST bytes flipped', damage: async (db, f) => { const p = join(db, f.manifest[0]); await flipBytes(p, 8, 16) } },
  { name: 'MANIFEST deleted', damage: async (db, f) => { await rm(join(db, f.manifest[0])) } },
  { name: 'largest .ldb truncated to half', damage: async (db, f) => { const p = join(db, f.ldb[0]); await truncate(p, Math.floor((await stat(p)).size / 2)) } },
  { name: 'largest .ldb bytes flipped mid-file', damage: async (db, f) => { const p = join(db, f.ldb[0]); await flipBytes(p, Math.floor((await stat(p)).size / 3), 64) } },
  { name: 'largest .ldb deleted', damage: async (db, f) => { await rm(join(db, f.ldb[0])) } },
  // the log holds the newest writes (one document put after the compaction, below)
  { name: 'log bytes flipped', damage: async (db, f) => { const p = join(db, f.log[0]); await flipBytes(p, Math.floor((await stat(p)).size / 2), 16) } },
  { name: 'log truncated to half', damage: async (db, f) => { const p = join(db, f.log[0]); await truncate(p, Math.floor((await stat(p)).size / 2)) } }
]

describe('C7 metadata-db-corruption: a damaged LevelDB never starts as an empty node', function () {
  this.timeout(180_000)
  afterEach(async () => { await cleanupAll() })

  it(`${VARIANTS.length} variants (CURRENT, MANIFEST, .ldb: truncated, flipped, deleted): serve exits non-zero with one line (CURRENT, MANIFEST, .ldb), never starts empty or without its newest acknowledged write (.log: the high-water mark kept beside LevelDB); B never sees a deletion`, async function () {
    const [a, b] = await makeNodes(['A', 'B'], ip)
    await addPeer(a, b, ['--replicate'])
    await addPeer(b, a)
    let n = 100
    await putBatch(a.home, join(a.tmp.dir, 'batch'), Array.from({ length: n }, (_, i) => ({ id: `corrupt.d${i}`, meta: JSON.stringify({ i, pad: 'x'.repeat(200) }) })))
    await Promise.all([serveNode(a, ['--interval', String(DT)]), serveNode(b, ['--interval', String(DT)])])
    await waitUntil('B to hold A\'s documents', async () => { const s = (await holdings(b)).size; return s === n ? null : `${s}` }, 30_000)
    const before = await holdings(b)
    // a clean stop, then one open/close cycle more so that the log is compacted into an .ldb table
    await a.served!.stop()
    await quireOk(['ls', '--limit', '1', '--home', a.home])
    // and the newest write in the log (an offline put: A is stopped)
    await writeFile(join(a.tmp.dir, 'last.meta'), JSON.stringify({ last: true, pad: 'y'.repeat(2000) }))
    await quireOk(['put', 'corrupt.last', '--meta', join(a.tmp.dir, 'last.meta'), '--home', a.home])
    n++
    const pristine = join(a.tmp.dir, 'db.pristine')
    await cp(join(a.home, 'db'), pristine, { recursive: true })
    const files = await dbFiles(a.home)
    assert.ok(files.ldb.length > 0 && files.manifest.length > 0 && files.log.length > 0, `the db has tables and a manifest: ${JSON.stringify(files)}`)

    const results: string[] = []
    for (const v of VARIANTS) {
      await rm(join(a.home, 'db'), { recursive: true, force: true })
      await cp(pristine, join(a.home, 'db'), { recursive: true })
      await v.damage(join(a.home, 'db'), await dbFiles(a.home))
      const r = await startServe(a.home, ['--interval', String(DT)], { timeoutMs: 20_000 }).catch((err: ServeStartError) => err)
      if (!(r instanceof Error)) {
        // it started: then it must not be an empty node, and a self-check (audit) must pinpoint the damage
        a.served = r
        const held = await holdings(a)
        const audit = await quire(['audit', '--home', a.home, '--json'], { timeoutMs: 30_000 })
        const found = audit.json?.corrupt?.length ?? 0
        results.push(`${v.name}: STARTED holding ${held.size}/${n}; audit exit ${audit.code}, ${found} findings ${audit.stderr.trim()}`)
        assert.ok(held.size > 0, `${v.name}: started with an empty inventory`)
        assert.ok(held.size === n || (audit.code === 1 && found > 0) || audit.errorJson?.code === 'store-corrupt', `${v.name}: started holding ${held.size}/${n} and audit does not pinpoint the damage: ${audit.stdout.slice(0, 300)} ${audit.stderr}`)
        assert.deepEqual(diffHoldings(before, await holdings(b)), [], `${v.name}: B's documents`)
        await r.stop()
        a.served = undefined
        continue
      }
      if (r.exit == null) throw r
      const lines = r.stderr.trim().split('\n')
      results.push(`${v.name}: exit ${r.exit.code} — ${lines[0]}`)
      assert.notEqual(r.exit.code, 0, `${v.name}: exit code`)
      assert.equal(lines.length, 1, `${v.name}: one line on stderr: ${r.stderr}`)
      assert.match(lines[0], /store|damaged|corrupt/i, `${v.name}: the error names the store`)
      // B meanwhile: nothing deleted, nothing changed
      assert.deepEqual(diffHoldings(before, await holdings(b)), [], `${v.name}: B's documents`)
    }
    console.log(`      C7:\n        ${results.join('\n        ')}`)
    const refused = results.filter(r => /: exit \d/.test(r)).length
    console.log(`      C7: ${refused}/${VARIANTS.length} variants refused at start`)

    // after 3·Δt B still holds everything; the pristine db starts and serves all n documents
    await sleep(3 * DT * 1000)
    assert.deepEqual(diffHoldings(before, await holdings(b)), [], 'B after 3·Δt')
    await rm(join(a.home, 'db'), { recursive: true, force: true })
    await cp(pristine, join(a.home, 'db'), { recursive: true })
    await serveNode(a, ['--interval', String(DT)])
    assert.equal((await holdings(a)).size, n, 'the undamaged db serves every document')
    assertInvariants(await checkCluster([a, b], { acked: new Map([['A', new Map([...before.keys()].map(id => [id, 1]))]]) }))
    await Promise.all([a.served!.stop(), b.served!.stop()])
    assertInvariants([...await checkSignatures(a), ...await checkSignatures(b)])
  })
})

describe('C7 after a kill -9: the high-water mark is kept while serving, not only at a clean close', function () {
  this.timeout(120_000)
  afterEach(async () => { await cleanupAll() })

  it('20 puts through a running node, a kill -9, the log cut to half: serve refuses (store-corrupt), it does not start without its newest acknowledged writes', async function () {
    const [a] = await makeNodes(['A'], ip)
    await serveNode(a, ['--interval', String(DT)])
    const n = 20
    for (let i = 0; i < n; i++) {
      await writeFile(join(a.tmp.dir, 'm.json'), JSON.stringify({ i, pad: 'z'.repeat(2000) }))
      await quireOk(['put', `hw.d${i}`, '--meta', join(a.tmp.dir, 'm.json'), '--home', a.home])
    }
    // the mark follows within one health check (2 s); then no clean close
    const mark = async (): Promise<number> => Number(await readFile(join(a.home, 'db', 'QUIRE-HIGH-WATER'), 'utf8').catch(() => '0'))
    await waitUntil('the high-water mark to reach the last put', async () => await mark() >= n ? null : `mark ${await mark()}`, 10_000)
    await kill9(a)
    const files = await dbFiles(a.home)
    assert.ok(files.log.length > 0, 'the puts are in the log')
    const log = join(a.home, 'db', files.log[0])
    await truncate(log, Math.floor((await stat(log)).size / 2))
    const r = await startServe(a.home, ['--interval', String(DT)], { timeoutMs: 20_000 }).catch((err: ServeStartError) => err)
    if (!(r instanceof Error)) {
      a.served = r
      throw new Error(`serve started on a log cut to half, holding ${(await holdings(a)).size}/${n} documents (mark ${await mark()})`)
    }
    if (r.exit == null) throw r
    console.log(`      C7 after kill -9: mark ${await mark()}; exit ${r.exit.code}: ${r.stderr.trim()}`)
    assert.notEqual(r.exit.code, 0)
    assert.match(r.stderr, /had reached change \d+, it now ends at \d+: its log lost acknowledged writes/)
  })
})
