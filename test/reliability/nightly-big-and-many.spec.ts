/**
 * R6 big-and-many (reliability-battery.md, N tier; CouchDB large_atts, many_leaves,
 * max_request_size). A sends B metadata (replicate); B pulls from A.
 *   - 6 metadata documents of exactly 4 MiB (MAX_METADATA_BYTES; 24 MiB in all, more than one
 *     16 MiB frame) replicate byte-identical; 4 MiB + 1 is refused at `put` with a usage error;
 *   - 100,000 metadata-only documents [QUIRE_R6_DOCS] reach B, then `sync --full` reconciles
 *     them all again;
 *   - one document updated 999 times (1,000 revisions) ends at rev 1000 on both, and `log` at
 *     the home lists 1,000 revisions.
 * Each step has a stated budget (below) and fails past it.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cleanupAll, makeHome, quire, quireOk } from '../fixtures/cli.js'
import { op, serveNode, waitUntil } from '../fixtures/cluster.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { seededBytes, seededRng } from '../fixtures/seed.js'
import { MAX_METADATA_BYTES } from '../../src/model/record.js'
import { itExtended } from './harness/tier.js'
import { longOp, putDocsApi, tmpFile, initNodes } from './harness/nightly.js'

const ip = loopbackRange(140, 149, { subnet: 5 })
const BUDGET = { bigDocs: 60_000, manyArrive: 600_000, syncFull: 300_000, revisions: 300_000, revsArrive: 60_000 }

describe('reliability R6: big and many', function () {
  afterEach(async () => { await cleanupAll() })

  itExtended('R6 big-and-many: 4 MiB metadata, a 100k-doc sync --full, 1,000 revisions: within budget, frame limits respected', async function () {
    const rng = seededRng('R6 big-and-many')
    const count = Number(process.env.QUIRE_R6_DOCS ?? 100_000)
    console.log(`      R6 budgets (ms): ${JSON.stringify(BUDGET)}; ${count} docs`)
    const [A, B] = await initNodes(['A', 'B'], ip)
    await quireOk(['peer', 'add', B.addr, '--replicate', '--home', A.home], { timeoutMs: 60_000 })
    await quireOk(['peer', 'add', A.addr, '--home', B.home], { timeoutMs: 60_000 })
    await Promise.all([serveNode(A, ['--interval', '2']), serveNode(B, ['--interval', '2'])])

    // 4 MiB metadata
    let t0 = Date.now()
    const bigs = Array.from({ length: 6 }, (_, i) => ({ id: `big.m${i}`, meta: seededBytes(rng.seed, `m${i}`, MAX_METADATA_BYTES) }))
    await putDocsApi(A, bigs)
    await waitUntil('B to hold the 4 MiB documents', async () => {
      const n = (await op(B, 'ls', { namespace: 'big' })).length
      return n === bigs.length ? null : `${n} of ${bigs.length}`
    }, BUDGET.bigDocs)
    const out = join((await makeHome('r6')).dir, 'm0')
    await op(B, 'get', { id: 'big.m0', metaOut: out })
    assert.ok((await readFile(out)).equals(bigs[0].meta), 'the 4 MiB metadata arrived altered')
    console.log(`      R6: 6 × 4 MiB metadata replicated in ${Date.now() - t0} ms`)
    const tooBig = await quire(['put', 'big.over', '--meta', await tmpFile('over', seededBytes(rng.seed, 'over', MAX_METADATA_BYTES + 1)), '--home', A.home, '--json'])
    assert.equal(tooBig.code, 2, `4 MiB + 1 of metadata: exit ${tooBig.code}, ${tooBig.stderr.trim()}`)
    console.log(`      R6: 4 MiB + 1 refused: ${tooBig.stderr.trim()}`)

    // many documents
    t0 = Date.now()
    for (let i = 0; i < count; i += 10_000) {
      const tb = Date.now()
      await putDocsApi(A, Array.from({ length: Math.min(10_000, count - i) }, (_, j) => ({ id: `many.d${String(i + j).padStart(6, '0')}`, meta: `{"n":${i + j}}` })))
      console.log(`      R6: put.batch of docs ${i}… at A in ${Date.now() - tb} ms`)
    }
    const tPut = Date.now() - t0
    await waitUntil(`B to hold ${count} documents`, async () => {
      const n = (await op(B, 'status')).counts.documents
      return n >= count + bigs.length ? null : `${n}`
    }, BUDGET.manyArrive, 2_000)
    const tArrive = Date.now() - t0 - tPut
    t0 = Date.now()
    const full = await longOp(B, 'sync', { full: true }, BUDGET.syncFull)
    const tFull = Date.now() - t0
    console.log(`      R6: ${count} docs put in ${tPut} ms, at B ${tArrive} ms later; sync --full ${tFull} ms: ${JSON.stringify(full).slice(0, 300)}`)
    assert.ok(tFull <= BUDGET.syncFull)

    // 1,000 revisions
    t0 = Date.now()
    await op(A, 'put', { id: 'revs.one', meta: await tmpFile('r0', '{"rev":1}') })
    for (let r = 2; r <= 1000; r++) {
      const res = await op(A, 'update', { id: 'revs.one', meta: await tmpFile(`r${r}`, `{"rev":${r}}`) })
      assert.equal(res.rev, r)
    }
    const tRevs = Date.now() - t0
    assert.ok(tRevs <= BUDGET.revisions, `1,000 revisions took ${tRevs} ms`)
    await waitUntil('B at rev 1000', async () => {
      const d = await op(B, 'get', { id: 'revs.one' }).catch(() => null)
      return d?.rev === 1000 ? null : `rev ${d?.rev}`
    }, BUDGET.revsArrive)
    const log = await op(A, 'log', { id: 'revs.one' })
    const revs = (log.events as any[]).filter(e => e.kind === 'revision').length
    console.log(`      R6: 1,000 revisions in ${tRevs} ms, at B ${Date.now() - t0 - tRevs} ms later; log lists ${revs}`)
    assert.ok(revs >= 1000, `log at the home lists ${revs} revisions: ${JSON.stringify(log).slice(0, 200)}`)
  })
})
