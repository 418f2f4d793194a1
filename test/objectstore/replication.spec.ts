/**
 * A node whose files live on a real Ceph RADOS Gateway, replicating with a node on a local disk:
 * real `quire serve` processes over TCP on loopback, driven through the CLI and the local API.
 *
 *   A  files on disk             lists B by peer ID only (accept-only), --replicate --datareplicate
 *   B  files on the object store lists A at a fault proxy's address, --replicate --datareplicate
 *
 * Every connection goes B → proxy → A, so the proxy can cut A's transfers to B mid-file. Bytes
 * are checked with node's sha256 (test/fixtures/damage.ts cidOf) and the test's own S3 client,
 * never with Quire's hashing or its store. Also: damage on the object store (audit, quarantine,
 * repair from A), an unreachable object store (clear errors, nothing marked damaged), and
 * `quire migrate` of a disk store into the object store (verified, resumable).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3'
import { cleanupAll, initNode, quire, quireOk } from '../fixtures/cli.js'
import { addPeer, op, putBatch, serveNode, waitUntil, type ClusterNode } from '../fixtures/cluster.js'
import { FaultProxy } from '../fixtures/fault-proxy.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { cidOf, dataPath, flipBit } from '../fixtures/damage.js'
import { deleteObject, getObject, itS3, keysUnder, putObject, rawClient, targetArgs, testTarget } from '../fixtures/object-store.js'

const ip = loopbackRange(10, 49, { subnet: 8 })
const MiB = 1024 * 1024
const LONG_MS = 120_000

async function docsLocal (node: ClusterNode, ids: string[]): Promise<string | null> {
  const docs: any[] = await op(node, 'ls', { limit: 5000 })
  const local = new Set(docs.filter(d => d.data?.local === true).map(d => d.id))
  const missing = ids.filter(id => !local.has(id))
  return missing.length === 0 ? null : `${missing.length} not local: ${missing.slice(0, 3).join(', ')}`
}

async function stagingLeft (target: ReturnType<typeof testTarget>): Promise<string[]> {
  const uploads = await rawClient().send(new ListMultipartUploadsCommand({ Bucket: target.bucket, Prefix: `${target.prefix}staging/` }))
  return [...await keysUnder(target, 'staging/'), ...(uploads.Uploads ?? []).map(u => `upload ${u.Key!}`)]
}

describe('object store: a Ceph-backed node replicating with a disk-backed one', function () {
  this.timeout(300_000)
  let tmp: string
  let A: ClusterNode
  let B: ClusterNode
  let proxy: FaultProxy
  const target = testTarget('repl')
  const big = randomBytes(48 * MiB + 4321)
  const smalls = Array.from({ length: 20 }, (_, i) => randomBytes(2000 + i * 997))

  before(async function () {
    if (process.env.QUIRE_TEST_S3_ENDPOINT == null) return
    tmp = await mkdtemp(join(tmpdir(), 'quire-s3repl-'))
    A = await initNode('A', ip())
    B = await initNode('B', ip(), targetArgs(target))
    proxy = await FaultProxy.start({ listenHost: ip(), targetHost: A.ip, targetPort: A.port, name: 'B→A' })
    await addPeer(A, B, ['--replicate', '--datareplicate'], true)
    await quireOk(['peer', 'add', `${proxy.multiaddr}/p2p/${A.peerId}`, '--replicate', '--datareplicate', '--home', B.home])
    await serveNode(A, ['--interval', '1'])
    await serveNode(B, ['--interval', '1'])
  })

  after(async function () {
    await proxy?.close()
    await cleanupAll()
    if (tmp != null) await rm(tmp, { recursive: true, force: true })
  })

  itS3('A (disk) → B (Ceph): a 48 MiB file cut twice mid-transfer resumes from B\'s staged upload; 20 small files; all verified', async () => {
    // resets on the bytes A sends B, inside the big file; each attempt gets far enough to fill
    // whole 8 MiB parts (a few MiB forwarded are still in buffers when the cut comes)
    proxy.rstSeries([24 * MiB, 44 * MiB], { dir: 'toClient' })
    await writeFile(join(tmp, 'big'), big)
    await writeFile(join(tmp, 'meta.json'), '{"title":"big"}')
    await quireOk(['put', 'big', '--meta', join(tmp, 'meta.json'), '--data', join(tmp, 'big'), '--home', A.home], { timeoutMs: LONG_MS })
    await putBatch(A.home, join(tmp, 'batch'), smalls.map((data, i) => ({ id: `small-${i}`, meta: `{"n":${i}}`, data })))
    const ids = ['big', ...smalls.map((_, i) => `small-${i}`)]
    await waitUntil('every file local at B', async () => await docsLocal(B, ids), 150_000, 500)

    assert.equal(proxy.resets, 2, 'both cuts happened')
    const sent = proxy.forwarded.toClient
    const total = big.byteLength + smalls.reduce((n, s) => n + s.byteLength, 0)
    // resumed: each cut loses at most the part being filled (8 MiB) and what was in flight (6 MiB);
    // restarted from zero, B would read 24 + 20 + 48 = 92 MiB
    assert.ok(sent < total + 2 * (8 + 6) * MiB, `B read ${(sent / MiB).toFixed(1)} MiB for ${(total / MiB).toFixed(1)} MiB: the transfer restarted instead of resuming`)
    console.log(`      B read ${(sent / MiB).toFixed(1)} MiB through the proxy for ${(total / MiB).toFixed(1)} MiB of files, with 2 cuts`)

    // the object store holds exactly the bytes, under their CIDs (the test's own client and hash)
    const bigObject = await getObject(target, `data/${await cidOf(big)}`)
    assert.ok(bigObject?.equals(big), 'B\'s object for the big file is the big file')
    for (const s of smalls) assert.ok((await getObject(target, `data/${await cidOf(s)}`))?.equals(s))
    assert.deepEqual(await stagingLeft(target), [], 'nothing left in staging')
    // served from the object store: get --data-out at B
    await quireOk(['get', 'big', '--data-out', join(tmp, 'big.out'), '--home', B.home], { timeoutMs: LONG_MS })
    assert.ok((await readFile(join(tmp, 'big.out'))).equals(big))
    const audit = await quireOk(['audit', '--home', B.home], { timeoutMs: LONG_MS })
    assert.equal(audit.checked, 21)
    assert.deepEqual(audit.corrupt, [])
    const status = await quireOk(['status', '--home', B.home])
    assert.match(status.fileStore, new RegExp(`^s3://${target.bucket}/${target.prefix}`))
  })

  itS3('B (Ceph) → A (disk): a file put on the object-store node reaches the disk node, verified', async () => {
    const bytes = randomBytes(30 * MiB + 5)
    await writeFile(join(tmp, 'fromB'), bytes)
    await quireOk(['put', 'from-b', '--meta', join(tmp, 'meta.json'), '--data', join(tmp, 'fromB'), '--home', B.home], { timeoutMs: LONG_MS })
    assert.ok((await getObject(target, `data/${await cidOf(bytes)}`))?.equals(bytes), 'B stored it on the object store')
    await waitUntil('from-b local at A', async () => await docsLocal(A, ['from-b']), 60_000, 300)
    assert.ok((await readFile(dataPath(A.home, await cidOf(bytes)))).equals(bytes))
  })

  itS3('damage on the object store: audit names it and quarantines it, repair --all from A restores it', async () => {
    const flipped = Buffer.from(smalls[3])
    flipped[17] ^= 4
    await putObject(target, `data/${await cidOf(smalls[3])}`, flipped)
    await deleteObject(target, `data/${await cidOf(smalls[4])}`)
    const r = await quire(['audit', '--json', '--home', B.home], { timeoutMs: LONG_MS })
    assert.equal(r.code, 1)
    const found = new Map((r.json.corrupt as any[]).map(c => [c.id, c.reason]))
    assert.deepEqual(Object.fromEntries(found), { 'small-3': 'hash-mismatch', 'small-4': 'missing' })
    // quarantined: B does not hand the damaged copy out
    const g = await quire(['get', 'small-3', '--data-out', join(tmp, 's3.out'), '--home', B.home, '--json'])
    assert.notEqual(g.code, 0)
    const rep = await quireOk(['repair', '--all', '--from', A.peerId, '--home', B.home], { timeoutMs: LONG_MS })
    assert.equal(rep.repaired.length, 2)
    assert.ok((await getObject(target, `data/${await cidOf(smalls[3])}`))?.equals(smalls[3]))
    assert.ok((await getObject(target, `data/${await cidOf(smalls[4])}`))?.equals(smalls[4]))
    const again = await quireOk(['audit', '--home', B.home], { timeoutMs: LONG_MS })
    assert.deepEqual(again.corrupt, [])
  })

  itS3('an unreachable object store: serve and audit fail with one line, and nothing is marked damaged', async () => {
    await B.served!.stop()
    const config = join(B.home, 'config.json')
    const good = await readFile(config, 'utf8')
    const cfg = JSON.parse(good)
    await writeFile(config, JSON.stringify({ ...cfg, objectStore: { ...cfg.objectStore, endpoint: 'http://127.0.0.1:1' } }))
    try {
      const audit = await quire(['audit', '--home', B.home], { timeoutMs: 60_000 })
      assert.equal(audit.code, 3, audit.stderr)
      assert.equal(audit.stderr.trim().split('\n').length, 1, audit.stderr)
      assert.match(audit.stderr, /unreachable/)
      const serve = await quire(['serve', '--home', B.home], { timeoutMs: 60_000 })
      assert.notEqual(serve.code, 0)
      assert.equal(serve.stderr.trim().split('\n').length, 1, serve.stderr)
      assert.match(serve.stderr, /object store http:\/\/127\.0\.0\.1:1 unreachable/)
    } finally {
      await writeFile(config, good)
    }
    const status = await quireOk(['status', '--home', B.home])
    assert.equal(status.audit.damagedNow, 0, 'no file was marked damaged while the store could not be asked')
    const audit = await quireOk(['audit', '--home', B.home], { timeoutMs: LONG_MS })
    assert.deepEqual(audit.corrupt, [])
  })
})

describe('object store: quire migrate of a disk store into Ceph', function () {
  this.timeout(300_000)
  let tmp: string

  before(async function () { tmp = await mkdtemp(join(tmpdir(), 'quire-migrate-')) })
  after(async function () {
    await cleanupAll()
    if (tmp != null) await rm(tmp, { recursive: true, force: true })
  })

  itS3('copies every file verified; a bad source file stops the switch; the rerun resumes and switches', async () => {
    const C: ClusterNode = await initNode('C', ip())
    const files = [randomBytes(20 * MiB + 3), ...Array.from({ length: 5 }, (_, i) => randomBytes(5000 + i))]
    await putBatch(C.home, join(tmp, 'batch'), files.map((data, i) => ({ id: `m-${i}`, meta: `{"i":${i}}`, data })))
    const target = testTarget('migrate')

    // refused while a node serves the home
    await serveNode(C)
    const busy = await quire(['migrate', ...targetArgs(target), '--home', C.home, '--json'])
    assert.equal(busy.code, 1)
    assert.equal(busy.errorJson?.code, 'node-running')
    await C.served!.stop()

    // a file damaged on disk since its last audit: never copied as good, config not switched
    const victim = dataPath(C.home, await cidOf(files[2]))
    const original = await readFile(victim)
    await flipBit(victim)
    const first = await quire(['migrate', ...targetArgs(target), '--home', C.home, '--json'], { timeoutMs: LONG_MS })
    assert.equal(first.code, 1, first.stderr)
    assert.equal(first.json.failed.length, 1)
    assert.equal(first.json.copied, 5)
    assert.equal(first.json.switched, false)
    assert.equal(JSON.parse(await readFile(join(C.home, 'config.json'), 'utf8')).objectStore, undefined)
    assert.equal(await getObject(target, `data/${await cidOf(files[2])}`), null, 'the damaged file is not on the object store')

    await writeFile(victim, original)
    const second = await quireOk(['migrate', ...targetArgs(target), '--home', C.home], { timeoutMs: LONG_MS })
    assert.deepEqual({ copied: second.copied, alreadyThere: second.alreadyThere, switched: second.switched }, { copied: 1, alreadyThere: 5, switched: true })
    assert.equal(JSON.parse(await readFile(join(C.home, 'config.json'), 'utf8')).objectStore.prefix, target.prefix)
    for (const f of files) assert.ok((await getObject(target, `data/${await cidOf(f)}`))?.equals(f))

    // the home now runs on the object store: reads and audits there, even with files/ gone
    await rm(join(C.home, 'files'), { recursive: true, force: true })
    await quireOk(['get', 'm-0', '--data-out', join(tmp, 'm0.out'), '--home', C.home], { timeoutMs: LONG_MS })
    assert.ok((await readFile(join(tmp, 'm0.out'))).equals(files[0]))
    const audit = await quireOk(['audit', '--home', C.home], { timeoutMs: LONG_MS })
    assert.equal(audit.checked, 6)
    assert.deepEqual(audit.corrupt, [])
    await serveNode(C)
    assert.match((await op(C, 'status')).fileStore, /^s3:\/\//)
  })
})
