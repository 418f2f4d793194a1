/**
 * The file-store contract (src/store/file-store.ts), run against both implementations: the local
 * file system and the S3 store on a real Ceph RADOS Gateway (test/fixtures/object-store.ts).
 * Whatever the backend: a file is visible under its CID only whole and verified; a wrong or
 * short file leaves nothing visible; reads from any offset; transfers resume from a verified
 * prefix; the marker tells a present store from a vanished one. Bytes and CIDs are checked with
 * node's sha256 and multiformats, never with the store's own hashing.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import * as Digest from 'multiformats/hashes/digest'
import { FsFileStore } from '../../src/store/files.js'
import { S3FileStore } from '../../src/store/s3/s3-file-store.js'
import { Bucket } from '../../src/store/s3/bucket.js'
import { Site } from '../../src/site.js'
import { resolveHome } from '../../src/home/paths.js'
import { OPERATIONS } from '../../src/ops/index.js'
import { partSizeFor } from '../../src/store/s3/s3-writer.js'
import { BlockHasher, blockListCid, blockSize } from '../../src/model/blocks.js'
import type { FileStore, StoredBlob } from '../../src/store/file-store.js'
import { itS3, keysUnder, rawClient, testTarget } from '../fixtures/object-store.js'

const MiB = 1024 * 1024

function cidOf (bytes: Uint8Array): string {
  return CID.createV1(raw.code, Digest.create(sha256.code, createHash('sha256').update(bytes).digest())).toString()
}

/** The expectation a signed record would carry for `bytes`: CID, size, block list. */
function expectOf (bytes: Uint8Array): { cid: CID, size: number, blocks: CID, list: Uint8Array } {
  const h = new BlockHasher(bytes.byteLength)
  h.update(bytes)
  const { blocks } = h.finish()
  return { cid: CID.parse(cidOf(bytes)), size: bytes.byteLength, blocks: blockListCid(blocks), list: blocks }
}

async function readAll (store: FileStore, cid: CID, offset?: number, length?: number): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const c of store.read(cid, offset, length)) parts.push(c)
  return Buffer.concat(parts)
}

async function listAll (store: FileStore): Promise<string[]> {
  const names: string[] = []
  for await (const n of store.list()) names.push(n)
  return names
}

function * chunks (bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let off = 0; off < bytes.byteLength; off += size) yield bytes.subarray(off, off + size)
}

interface Backend {
  name: string
  it: (title: string, fn: Mocha.Func) => Mocha.Test
  open: () => Promise<FileStore>
  /** what is left in staging (names), after everything settled */
  staged: () => Promise<string[]>
  close: () => Promise<void>
}

function fsBackend (): Backend {
  let dir = ''
  let store: FsFileStore
  return {
    name: 'local file system',
    it,
    open: async () => {
      dir = await mkdtemp(join(tmpdir(), 'quire-contract-'))
      store = new FsFileStore(join(dir, 'files'), 0)
      await store.create()
      return store
    },
    staged: async () => await readdir(store.staging).catch(() => []),
    close: async () => { await rm(dir, { recursive: true, force: true }) }
  }
}

function s3Backend (): Backend {
  let target: ReturnType<typeof testTarget>
  return {
    name: 'S3 (Ceph RGW)',
    it: itS3,
    open: async () => {
      target = testTarget('contract')
      const store = await S3FileStore.open(target)
      await store.create()
      return store
    },
    staged: async () => {
      const uploads = await rawClient().send(new ListMultipartUploadsCommand({ Bucket: target.bucket, Prefix: `${target.prefix}staging/` }))
      return [...await keysUnder(target, 'staging/'), ...(uploads.Uploads ?? []).map(u => `upload ${u.Key!}`)]
    },
    close: async () => {}
  }
}

for (const backend of [fsBackend(), s3Backend()]) {
  describe(`file-store contract: ${backend.name}`, function () {
    this.timeout(120_000)
    let store: FileStore
    let stored: StoredBlob[]

    beforeEach(async function () {
      // the S3 cases are "not run" without an endpoint: open nothing then
      if (backend.name.startsWith('S3') && process.env.QUIRE_TEST_S3_ENDPOINT == null) return
      store = await backend.open()
      stored = []
      store.onStored = async refs => { stored.push(...refs) }
    })
    afterEach(async () => { await backend.close() })

    backend.it('put streams a file in: stat, whole and ranged reads, list, the block list reported', async () => {
      const bytes = randomBytes(3 * MiB + 12345)
      const ref = await store.put(chunks(bytes, 64 * 1024 + 7), { size: bytes.byteLength })
      assert.equal(ref.cid.toString(), cidOf(bytes))
      assert.deepEqual(await store.stat(ref.cid), { size: bytes.byteLength })
      assert.ok((await readAll(store, ref.cid)).equals(bytes))
      for (const [off, len] of [[0, 10], [MiB - 3, 2 * MiB], [bytes.byteLength - 5, 5], [12345, undefined]] as Array<[number, number | undefined]>) {
        assert.ok((await readAll(store, ref.cid, off, len)).equals(bytes.subarray(off, len != null ? off + len : undefined)), `range ${off}+${String(len)}`)
      }
      assert.equal((await readAll(store, ref.cid, bytes.byteLength + 10, 5)).byteLength, 0, 'a range past the end reads nothing')
      assert.equal((await readAll(store, ref.cid, bytes.byteLength - 5, 100)).byteLength, 5, 'a range longer than the file is short')
      assert.deepEqual(await listAll(store), [ref.cid.toString()])
      assert.equal(stored.length, 1)
      assert.ok(blockListCid(stored[0].blockList).equals(expectOf(bytes).blocks))
      assert.deepEqual(await backend.staged(), [])
    })

    backend.it('a file that is not what was expected, or longer or shorter than declared, leaves nothing visible', async () => {
      const bytes = randomBytes(2 * MiB + 1)
      const other = expectOf(randomBytes(bytes.byteLength))
      await assert.rejects(store.put(chunks(bytes, MiB), { expect: other }), { name: 'FileMismatchError' })
      await assert.rejects(store.put(chunks(bytes, MiB), { size: bytes.byteLength - 1 }), { name: 'FileMismatchError' })
      await assert.rejects(store.put(chunks(bytes, MiB), { size: bytes.byteLength + 1 }), { name: 'FileMismatchError' })
      assert.equal(await store.stat(CID.parse(cidOf(bytes))), null)
      assert.equal(await store.stat(other.cid), null)
      assert.deepEqual(await listAll(store), [])
      assert.deepEqual(await backend.staged(), [], 'staging and uploads left behind')
      assert.equal(stored.length, 0)
    })

    backend.it('putBytes and a batch of small files: each at its CID, reported together at commit', async () => {
      const one = randomBytes(1000)
      const ref = await store.putBytes(one)
      assert.equal(ref.cid.toString(), cidOf(one))
      const batch = store.batch()
      const smalls = Array.from({ length: 12 }, (_, i) => randomBytes(100 + i))
      for (const b of smalls) await batch.putBytes(b, expectOf(b))
      await assert.rejects(batch.putBytes(randomBytes(10), expectOf(randomBytes(10))), { name: 'FileMismatchError' })
      assert.equal(stored.length, 1)
      await batch.commit()
      assert.equal(stored.length, 13)
      for (const b of smalls) assert.ok((await readAll(store, CID.parse(cidOf(b)))).equals(b))
      assert.equal((await listAll(store)).length, 13)
      await store.syncDirs()
    })

    backend.it('receive resumes from its verified prefix after close(keep), and a bad block is refused', async () => {
      const bytes = randomBytes(40 * MiB + 777)
      const e = expectOf(bytes)
      const first = await store.receive(e, e.list)
      assert.equal(first.offset, 0)
      for (const c of chunks(bytes.subarray(0, 35 * MiB), 256 * 1024)) await first.write(c)
      await first.close(true)
      assert.ok(Buffer.from((await store.stagedBlockList(e))!).equals(e.list), 'the block list is kept beside the staged part')
      const second = await store.receive(e, e.list)
      // kept: whole blocks on a disk, whole parts (a multiple of the block size) on S3
      assert.ok(second.offset > 0 && second.offset <= 35 * MiB && second.offset % blockSize(e.size) === 0, `resumed at ${second.offset}`)
      // a block that does not match the signed list
      const bad = Buffer.from(bytes.subarray(second.offset, second.offset + MiB))
      bad[10] ^= 1
      await assert.rejects(second.write(bad), { name: 'BlockMismatchError' })
      await second.close(true)
      const third = await store.receive(e, e.list)
      for (const c of chunks(bytes.subarray(third.offset), 1 << 20)) await third.write(c)
      const ref = await third.finish()
      assert.equal(ref.cid.toString(), e.cid.toString())
      const back = await readAll(store, e.cid)
      assert.equal(cidOf(back), e.cid.toString())
      assert.equal(await store.stagedBlockList(e), null)
      assert.deepEqual(await backend.staged(), [])
    })

    backend.it('discardStaged and cleanStaging remove leftovers, keeping the transfers still wanted', async () => {
      const a = randomBytes(20 * MiB)
      const b = randomBytes(20 * MiB)
      const ea = expectOf(a)
      const eb = expectOf(b)
      for (const [bytes, e] of [[a, ea], [b, eb]] as const) {
        const w = await store.receive(e, e.list)
        for (const c of chunks(bytes.subarray(0, 18 * MiB), MiB)) await w.write(c)
        await w.close(true)
      }
      assert.equal(await store.cleanStaging(new Set([ea.cid.toString()])) > 0, true)
      assert.notEqual(await store.stagedBlockList(ea), null, 'a wanted transfer is kept')
      assert.equal(await store.stagedBlockList(eb), null)
      await store.discardStaged(ea.cid)
      assert.equal(await store.stagedBlockList(ea), null)
      assert.deepEqual(await backend.staged(), [])
    })

    backend.it('marker, remove, and a missing file', async () => {
      assert.equal(await store.readMarker(), null)
      await store.writeMarker('epoch-1')
      assert.equal(await store.readMarker(), 'epoch-1')
      const ref = await store.putBytes(randomBytes(500))
      await store.remove(ref.cid)
      assert.equal(await store.stat(ref.cid), null)
      await assert.rejects(readAll(store, ref.cid), { name: 'FileMissingError' })
      await store.remove(ref.cid) // absent: no error
      assert.deepEqual((await listAll(store)).filter(n => n === ref.cid.toString()), [])
    })
  })
}

describe('S3 file store: files too large to copy go to their own key', function () {
  this.timeout(120_000)

  itS3('put with a known CID and a resumed receive: invisible until verified and complete, no staging copy', async () => {
    const target = testTarget('direct')
    const store = await S3FileStore.open(target)
    await store.create()
    store.directAbove = MiB // as if these were files of more than 5 GiB
    const bytes = randomBytes(36 * MiB + 99)
    const e = expectOf(bytes)
    // a wrong file: aborted, nothing at the key
    await assert.rejects(store.put(chunks(randomBytes(bytes.byteLength), MiB), { expect: e }), { name: 'FileMismatchError' })
    assert.deepEqual(await keysUnder(target), [])
    // a transfer cut after two parts, resumed by a new writer (no hash of the prefix here)
    const first = await store.receive(e, e.list)
    for (const c of chunks(bytes.subarray(0, 34 * MiB), MiB)) await first.write(c)
    await first.close(true)
    assert.equal(await store.stat(e.cid), null, 'not visible before it completes')
    const second = await store.receive(e, e.list)
    assert.equal(second.offset, 32 * MiB, 'four whole parts of 8 MiB kept')
    for (const c of chunks(bytes.subarray(second.offset), MiB)) await second.write(c)
    await second.finish()
    assert.equal(cidOf(await readAll(store, e.cid)), e.cid.toString())
    assert.deepEqual(await keysUnder(target), [`data/${e.cid.toString()}`], 'no staging object, no block list left')
    const other = randomBytes(20 * MiB)
    const ref = await store.put(chunks(other, MiB), { expect: expectOf(other) })
    assert.equal(cidOf(await readAll(store, ref.cid)), cidOf(other))
  })

  itS3('quire put of a local file that large hashes it first, then uploads it at its own key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'quire-direct-'))
    const target = testTarget('direct-put')
    const site = await Site.init(resolveHome(join(dir, 'home')), { listen: ['/ip4/127.0.0.1/tcp/0'], objectStore: target })
    try {
      (site.files as S3FileStore).directAbove = MiB
      const bytes = randomBytes(20 * MiB + 1)
      await writeFile(join(dir, 'data'), bytes)
      await writeFile(join(dir, 'meta.json'), '{}')
      await OPERATIONS.put.run({ site }, { id: 'big', meta: join(dir, 'meta.json'), data: join(dir, 'data') })
      assert.deepEqual(await keysUnder(target), [`data/${cidOf(bytes)}`, 'quire-store'], 'nothing went through staging')
      assert.equal(cidOf(await readAll(site.files, CID.parse(cidOf(bytes)))), cidOf(bytes))
    } finally {
      await site.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('S3 file store: part size and object-store failures', function () {
  this.timeout(60_000)

  itS3('every part and small object goes out with the Content-MD5 of its body', async () => {
    const store = await S3FileStore.open(testTarget('md5'))
    await store.create()
    const sent: Array<{ command: string, md5: string | undefined, actual: string }> = []
    store.bucket.client.middlewareStack.add((next, context) => async (args: any) => {
      const body = args.request?.body
      if (body instanceof Uint8Array) sent.push({ command: context.commandName ?? '?', md5: args.request.headers['content-md5'], actual: createHash('md5').update(body).digest('base64') })
      return await next(args)
    }, { step: 'finalizeRequest', name: 'testRecordMd5' })
    await store.put(chunks(randomBytes(40 * MiB), MiB), { size: 40 * MiB })
    await store.putBytes(randomBytes(3000))
    const bodies = sent.filter(s => s.command === 'UploadPartCommand' || s.command === 'PutObjectCommand')
    assert.ok(bodies.filter(s => s.command === 'UploadPartCommand').length >= 3, JSON.stringify(sent.map(s => s.command)))
    for (const s of bodies) assert.equal(s.md5, s.actual, `${s.command} without its Content-MD5`)
  })

  it('part sizes are whole blocks, at least 8 MiB, and never more than 9,000 parts (up to 10 TiB)', () => {
    for (const size of [0, 1, 5 * MiB, 49 * 1024 * MiB, 50 * 1024 * MiB, 1024 * 1024 * MiB, 10 * 1024 * 1024 * MiB]) {
      const part = partSizeFor(size)
      assert.ok(part >= 8 * MiB, `${size}: ${part}`)
      assert.equal(part % blockSize(size), 0, `${size}: ${part} is not whole blocks`)
      assert.ok(Math.ceil(size / part) <= 9000, `${size}: ${Math.ceil(size / part)} parts`)
    }
  })

  it('an unreachable endpoint is an error, never "file absent", and fails within seconds', async () => {
    const store = await S3FileStore.open({ endpoint: 'http://127.0.0.1:1', bucket: 'quire-test', prefix: '', region: 'us-east-1' })
    const started = Date.now()
    await assert.rejects(store.stat(CID.parse(cidOf(Buffer.from('x')))), (err: any) => err.code === 'object-store-unreachable' && err.exitCode === 3 && !err.message.includes('\n'))
    await assert.rejects(store.readMarker(), { code: 'object-store-unreachable' })
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`)
  })

  it('a gateway that accepts connections and never answers fails the call at the idle timeout, never hangs', async () => {
    // accepts, reads nothing, answers nothing; its sockets are kept to be destroyed at the end,
    // else, never read, they never see the client's FIN and keep mocha's process alive
    const sockets: Socket[] = []
    const silent = createServer(socket => { sockets.push(socket) })
    await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve))
    try {
      const cfg = { endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, bucket: 'quire-test', prefix: '', region: 'us-east-1' }
      const store = new S3FileStore(cfg, new Bucket(cfg, { accessKeyId: 'k', secretAccessKey: 's' }, 500))
      const started = Date.now()
      await assert.rejects(store.stat(CID.parse(cidOf(Buffer.from('x')))), { code: 'object-store-unreachable' })
      const ms = Date.now() - started
      // three tries of 0.5 s each, and the SDK's back-off between them
      assert.ok(ms >= 1000 && ms < 10_000, `took ${ms} ms`)
    } finally {
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
  })

  itS3('wrong credentials and a missing bucket are one-line typed errors that never print the secret', async () => {
    const secret = 'not-the-right-secret-0123456789abcdefghij'
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, key: process.env.AWS_SECRET_ACCESS_KEY }
    process.env.AWS_SECRET_ACCESS_KEY = secret
    try {
      const bad = await S3FileStore.open(testTarget('creds'))
      await assert.rejects(bad.stat(CID.parse(cidOf(Buffer.from('x')))), (err: any) => err.code === 'object-store-credentials' && !err.message.includes(secret) && !err.message.includes('\n'))
    } finally {
      process.env.AWS_SECRET_ACCESS_KEY = saved.key
    }
    const gone = await S3FileStore.open({ ...testTarget('nobucket'), bucket: `quire-no-such-${randomBytes(4).toString('hex')}` })
    // (a HEAD cannot tell a missing bucket from a missing key: the marker, read with a GET, can,
    // and the node and the audit check it before they take a missing file for damage)
    assert.equal(await gone.readMarker(), null, 'a deleted bucket is a vanished store (the node stops on it)')
    await assert.rejects(gone.putBytes(Buffer.from('x')), (err: any) => err.code === 'object-store-bucket-missing' && !err.message.includes('\n'))
  })
})
