/**
 * S10 path-traversal (reliability-battery.md, "Security"): hostile doc ids and namespaces through
 * the CLI, the local API and the wire (a listed evil peer pushing signed records with such ids),
 * and symlinks planted inside the file store. Pass: every input is rejected at parse time or kept
 * as a key only (data files are named by CID alone); a sentinel tree outside HOME is byte-identical
 * before and after; no write follows a planted symlink.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile, lstat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { cleanupAll, initNode, quire, quireOk, startServe, waitFor } from '../fixtures/cli.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { EvilPeer, Outcome } from '../fixtures/evil-peer.js'
import { docIdProblem } from '../../src/model/doc-id.js'
import { rawCidOf } from '../../src/model/cids.js'

const ip = loopbackRange(40, 59, { subnet: 1 })

/** ~60 hostile names: traversal, separators, encodings, NUL, long, device names, dots and spaces, look-alikes, case twins. */
const HOSTILE = [
  '../../x', '/etc/x', 'a/../../b', '..\\..\\x', '%2e%2e/', '%2e%2e%2fx', '..%2f..%2fx', '%00', 'a\0b', '\0',
  'x'.repeat(300), 'y'.repeat(256), 'CON', 'con.txt', 'NUL', 'AUX.x', 'COM1', 'LPT1.y', 'trailing.', 'trailing ',
  ' lead', '.hidden', '..', '.', '', 'a..b', 'a/b', 'a\\b', '~/x', '-rf', '--home', 'mdi\uff0ex', 'mdi\u2024x', 'mdi\u2215x',
  '\uff41bc', 'K\u212a', 'caf\u00e9', 'cafe\u0301', 'a\nb', 'a\tb', 'a b', 'a:b', 'a*b', 'a?b', 'a|b', 'a"b', 'a<b>',
  'file:///etc/passwd', '\\\\server\\share', 'C:\\x', '/', '//', 'mdi/../../../etc', 'Case.twin', 'case.twin', 'CASE.TWIN',
  'ok.name', 'x.' + 'z'.repeat(253), 'x.' + 'z'.repeat(252)
]

async function treeDigest (root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const walk = async (dir: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const p = join(dir, name)
      const st = await lstat(p)
      if (st.isSymbolicLink()) out.set(relative(root, p), 'symlink')
      else if (st.isDirectory()) { out.set(relative(root, p) + '/', 'dir'); await walk(p) } else { out.set(relative(root, p), createHash('sha256').update(await readFile(p)).digest('hex')) }
    }
  }
  await walk(root)
  return out
}

describe('S10 path-traversal', function () {
  this.timeout(120_000)
  afterEach(async () => { await cleanupAll() })

  it(`${HOSTILE.length} hostile ids via CLI, API and wire are refused or kept as keys only; planted store symlinks are not followed; a sentinel outside HOME is unchanged`, async () => {
    const work = await mkdtemp(join(tmpdir(), 'quire-s10-'))
    const evils: EvilPeer[] = []
    try {
      // the sentinel: outside HOME, with targets for the planted links
      const sentinel = join(work, 'sentinel')
      await mkdir(join(sentinel, 'staging-target'), { recursive: true })
      await mkdir(join(sentinel, 'shard-target'), { recursive: true })
      await mkdir(join(sentinel, 'live-staging-target'))
      await mkdir(join(sentinel, 'live-shard-target'))
      await mkdir(join(sentinel, 'etc'))
      await writeFile(join(sentinel, 'staging-target', 'keep.part'), 'sentinel staging')
      await writeFile(join(sentinel, 'shard-target', 'keep'), 'sentinel shard')
      await writeFile(join(sentinel, 'etc', 'x'), 'sentinel etc')
      const before = await treeDigest(sentinel)
      const cwd = join(work, 'cwd')
      await mkdir(cwd)
      const meta = join(work, 'meta.xml')
      await writeFile(meta, '<meta/>')

      const node = await initNode('victim', ip())
      const evil = await EvilPeer.start({ ip: ip() })
      evils.push(evil)
      await quireOk(['peer', 'add', evil.peerId, '--home', node.home])

      // plant, while stopped: files/.staging and the shard of a known data file as links into the sentinel
      const files = join(node.home, 'files')
      const data = Buffer.from('data whose shard is a planted link')
      const cid = rawCidOf(data).toString()
      await rm(join(files, '.staging'), { recursive: true, force: true })
      await symlink(join(sentinel, 'staging-target'), join(files, '.staging'))
      await symlink(join(sentinel, 'shard-target'), join(files, cid.slice(-2)))
      const served = await startServe(node.home, [], { cwd })

      // CLI (a sample: each is a process), then the API and the wire for all of them
      for (const id of ['../../x', '/etc/x', '..\\..\\x', '%2e%2e/', 'x'.repeat(300)]) {
        const r = await quire(['put', id, '--meta', meta, '--home', node.home, '--json'])
        assert.equal(r.code, 2, `CLI put ${JSON.stringify(id)}: exit ${r.code} ${r.stderr}`)
        assert.equal(r.errorJson?.code, 'invalid-id')
      }
      const accepted: string[] = []
      for (const id of HOSTILE) {
        const problem = docIdProblem(id)
        const res = await fetch(`${served.nodeJson.api}/v1/op/put`, { method: 'POST', headers: { authorization: `Bearer ${served.nodeJson.token}` }, body: JSON.stringify({ id, meta }) })
        const body: any = await res.json()
        if (problem != null) {
          assert.equal(res.status, 400, `API put ${JSON.stringify(id)}: ${JSON.stringify(body)}`)
          assert.equal(body.code, 'invalid-id')
        } else {
          assert.equal(res.status, 200, `API put ${JSON.stringify(id)}: ${JSON.stringify(body)}`)
          accepted.push(id)
        }
        const ns = await fetch(`${served.nodeJson.api}/v1/op/ls`, { method: 'POST', headers: { authorization: `Bearer ${served.nodeJson.token}` }, body: JSON.stringify({ namespace: id }) })
        assert.ok(ns.status === 200 || (ns.status === 400 && (await ns.json() as any).code === 'invalid-namespace'), `ls --namespace ${JSON.stringify(id)}: HTTP ${ns.status}`)
        const sub = await fetch(`${served.nodeJson.api}/v1/op/peer.set`, { method: 'POST', headers: { authorization: `Bearer ${served.nodeJson.token}` }, body: JSON.stringify({ peerId: evil.peerId, namespaces: id }) })
        const subBody: any = await sub.json()
        assert.ok(sub.status === 200 ? (subBody.result.namespaces as string[]).every(n => /^([A-Za-z0-9][A-Za-z0-9_-]*|-)$/.test(n)) : subBody.code === 'invalid-namespace', `peer set --namespaces ${JSON.stringify(id)}: ${JSON.stringify(subBody)}`)
      }
      // case twins are distinct documents (keys, not file names)
      const twins = accepted.filter(id => id.toLowerCase() === 'case.twin')
      assert.equal(twins.length, 3)
      const records = new Set(await Promise.all(twins.map(async id => (await served.op('get', { id })).id)))
      assert.equal(records.size, 3)

      await evil.connect(node.addr)
      await waitFor(async () => (await served.op('peer.ls') as any[]).some(r => r.peerId === evil.peerId && r.connected === true), 15_000, 'the evil peer to connect', 50)
      await served.op('peer.set', { peerId: evil.peerId, namespaces: '' })
      const wireIds = HOSTILE.filter(id => docIdProblem(id) != null)
      const crafted = await Promise.all(wireIds.map(async id => await evil.record(id)))
      const verdicts = await evil.push(node.peerId, crafted)
      verdicts.forEach((v, i) => assert.equal(v.outcome, Outcome.REJECTED, `wire id ${JSON.stringify(wireIds[i])} was not rejected`))

      // the planted links: a put with data must fail, not write through them (staging first, then the shard)
      const dataFile = join(work, 'data.bin')
      await writeFile(dataFile, data)
      const putData = async (id: string): Promise<any> => await (await fetch(`${served.nodeJson.api}/v1/op/put`, { method: 'POST', headers: { authorization: `Bearer ${served.nodeJson.token}` }, body: JSON.stringify({ id, meta, data: dataFile }) })).json()
      assert.equal((await putData('ok.staged')).code, 'store-symlink', 'a put wrote through a planted files/.staging link')
      await rm(join(files, '.staging'))
      assert.equal((await putData('ok.sharded')).code, 'store-symlink', 'a put wrote through a planted shard link')
      // a pushed record offering that file: the fetch must not land through the link either
      const offered = await evil.record('ok.pushed', { data })
      assert.equal((await evil.push(node.peerId, [offered]))[0].outcome, Outcome.STORED)
      await new Promise(resolve => setTimeout(resolve, 2_000))
      assert.equal((await served.op('get', { id: 'ok.pushed' })).data.local, false, 'a file was stored through the planted shard link')

      // planted while the node serves, in place of a staging folder and a shard it has written to
      const first = Buffer.from('a file that makes its shard')
      const shard = rawCidOf(first).toString().slice(-2)
      let second: Buffer | undefined
      for (let i = 0; i < 100_000 && second == null; i++) {
        const candidate = Buffer.from(`another file in that shard, try ${i}`)
        if (rawCidOf(candidate).toString().slice(-2) === shard) second = candidate
      }
      assert.ok(second != null, `no file found for shard ${shard}`)
      await writeFile(dataFile, first)
      assert.equal((await putData('ok.first')).code, undefined)
      assert.equal((await served.op('get', { id: 'ok.first' })).data.local, true)
      await rename(join(files, shard), join(work, 'moved-shard'))
      await symlink(join(sentinel, 'live-shard-target'), join(files, shard))
      await writeFile(dataFile, second)
      assert.equal((await putData('ok.live-shard')).code, 'store-symlink', 'a put wrote through a shard link planted while serving')
      await rm(join(files, shard))
      await rename(join(work, 'moved-shard'), join(files, shard))
      await rename(join(files, '.staging'), join(work, 'moved-staging'))
      await symlink(join(sentinel, 'live-staging-target'), join(files, '.staging'))
      assert.equal((await putData('ok.live-staged')).code, 'store-symlink', 'a put wrote through a staging link planted while serving')
      await served.stop()

      assert.deepEqual(await treeDigest(sentinel), before, 'the sentinel tree outside HOME changed')
      // everything in the store is named by a CID in its shard (or is staging / the store marker)
      for (const [path] of await treeDigest(files)) {
        if (path.startsWith('.') || path === cid.slice(-2)) continue
        assert.match(path, /^[a-z2-7]{2}\/(b[a-z2-7]+)?$/, `unexpected path in the file store: ${path}`)
      }
    } finally {
      for (const e of evils) await e.stop().catch(() => {})
      await rm(work, { recursive: true, force: true })
    }
  })
})
