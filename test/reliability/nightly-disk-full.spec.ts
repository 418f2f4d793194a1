/**
 * C9 disk-full (reliability-battery.md, N tier): the receiver's file store is a 96 MiB tmpfs
 * mounted over HOME/files (needs root for `mount`; otherwise the case says why it is not run).
 *   1. 64 MiB file into 32 MiB free (a filler takes the rest): refused before a byte is written
 *      (reserveBytes set to 1 so the free-space check runs), a clear error on the node's stderr,
 *      nothing staged, nothing visible;
 *   2. space freed, and the disk filled up *mid-receive* (the filler written once 8 MiB are
 *      staged; the link is capped at 8 MiB/s so the transfer takes seconds): the transfer fails
 *      with a clear error, its staged part is removed, nothing partial is visible;
 *   3. space freed again: the retry succeeds and the file hashes to its CID.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, statfs, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { cleanupAll, exists, quireOk, sleep } from '../fixtures/cli.js'
import { op, serveNode, waitConnected, waitUntil } from '../fixtures/cluster.js'
import { FaultProxy } from '../fixtures/fault-proxy.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { seededBytes, seededRng } from '../fixtures/seed.js'
import { cidOf, dataPath, filesDir, hashesTo, stagedFiles } from '../fixtures/damage.js'
import { itExtended, notRun } from './harness/tier.js'
import { tmpFile, initNodes } from './harness/nightly.js'
import { stagingBytes } from './harness/invariants.js'

const ip = loopbackRange(70, 79, { subnet: 5 })
const MiB = 1024 * 1024
const ROOT = process.getuid?.() === 0

describe('reliability C9: disk full', function () {
  const undo: Array<() => Promise<void>> = []
  afterEach(async () => {
    await cleanupAll()
    for (const u of undo.splice(0).reverse()) await u().catch(err => console.log(`      cleanup: ${err.message}`))
  })

  if (!ROOT) {
    notRun('C9 disk-full', 'needs root to mount a small tmpfs as the store filesystem (id -u is not 0)')
    return
  }

  itExtended('C9 disk-full: 64 MiB into 32 MiB free, and a disk filled mid-receive: clear error, staging cleaned, retry succeeds', async function () {
    const rng = seededRng('C9 disk-full')
    const [S, R] = await initNodes(['S', 'R'], ip)
    // the receiver's file store on its own small filesystem
    const files = filesDir(R.home)
    const keep = await mkdtemp(join(tmpdir(), 'quire-c9-'))
    await cp(files, keep, { recursive: true })
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', files])
    undo.push(async () => { execFileSync('umount', ['-l', files]); await rm(keep, { recursive: true, force: true }) })
    await cp(keep, files, { recursive: true })
    const cfgPath = join(R.home, 'config.json')
    const cfg = JSON.parse(await readFile(cfgPath, 'utf8'))
    await writeFile(cfgPath, JSON.stringify({ ...cfg, reserveBytes: 1 }, null, 2))

    const proxy = await FaultProxy.start({ listenHost: ip(), targetHost: S.ip, targetPort: S.port, name: 'C9 R→S' })
    undo.push(async () => { await proxy.close() })
    await quireOk(['peer', 'add', R.peerId, '--replicate', '--datareplicate', '--home', S.home], { timeoutMs: 60_000 })
    await quireOk(['peer', 'add', `${proxy.multiaddr}/p2p/${S.peerId}`, '--home', R.home], { timeoutMs: 60_000 })

    const filler = join(files, 'filler')
    const fill = async (leaveBytes: number): Promise<void> => {
      const fs = await statfs(files)
      const free = fs.bavail * fs.bsize
      // the receiver writes at the same time: a filler that hits ENOSPC has done its job
      await writeFile(filler, Buffer.alloc(Math.max(0, free - leaveBytes)), { flag: 'a' }).catch(err => { if (err.code !== 'ENOSPC') throw err })
    }
    await fill(32 * MiB)
    await Promise.all([serveNode(S, ['--interval', '2']), serveNode(R, ['--interval', '2'])])
    await waitConnected(R, S, 30_000)

    // 1. refused before a byte is written
    const big = seededBytes(rng.seed, 'c9', 64 * MiB)
    const cid = await cidOf(big)
    await op(S, 'put', { id: 'c9.big', meta: await tmpFile('c9.meta', '{}'), data: await tmpFile('c9.data', big) })
    await waitUntil('R to know c9.big', async () => (await op(R, 'get', { id: 'c9.big' })) != null ? null : 'no', 20_000)
    await sleep(5_000)
    let got = await op(R, 'get', { id: 'c9.big' })
    assert.equal(got.data.local, false)
    assert.equal(await exists(dataPath(R.home, cid)), false, 'a file is visible under its final name')
    assert.deepEqual(await stagedFiles(R.home), [], 'something was staged although the space was known to be short')
    const err1 = R.served!.stderr()
    console.log(`      C9 (1) R's stderr: ${JSON.stringify(err1.trim().split('\n').slice(-3))}`)
    assert.match(err1, /disk space|disk filled|not enough/i, 'no clear error on the node\'s stderr for a file refused for space')

    // 2. space freed, then the disk fills mid-receive
    await rm(filler)
    proxy.rate(8 * MiB, 'toClient')
    await op(R, 'sync', {})
    await waitUntil('8 MiB staged at R', async () => (await stagingBytes(R)) >= 8 * MiB ? null : `${await stagingBytes(R)} staged`, 120_000, 50)
    await fill(0)
    const mark = R.served!.stderr().length
    await waitUntil('the staged part to be removed', async () => (await stagingBytes(R)) === 0 ? null : `${await stagingBytes(R)} staged`, 60_000, 200)
    got = await op(R, 'get', { id: 'c9.big' })
    assert.equal(got.data.local, false, 'R says local after the disk filled')
    assert.equal(await exists(dataPath(R.home, cid)), false, 'a partial file is visible under its final name')
    await sleep(1_000)
    const err2 = R.served!.stderr().slice(mark)
    console.log(`      C9 (2) R's stderr: ${JSON.stringify(err2.trim().split('\n').slice(-3))}`)
    assert.match(err2, /disk filled|disk space|ENOSPC/i, 'no clear error on the node\'s stderr for the disk filling mid-receive')

    // 3. space freed: the retry succeeds
    await rm(filler)
    proxy.heal()
    const t0 = Date.now()
    await op(R, 'sync', {})
    await waitUntil('R to hold c9.big', async () => (await op(R, 'get', { id: 'c9.big' })).data.local === true ? null : 'not local', 360_000, 500)
    console.log(`      C9 (3) retry succeeded ${Date.now() - t0} ms after space was freed`)
    assert.ok(await hashesTo(dataPath(R.home, cid), cid))
    assert.deepEqual(await stagedFiles(R.home), [])
  })
})
