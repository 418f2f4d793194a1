/**
 * Object-store benchmark (issue "the file store on an S3-compatible object store"): a file of
 * MiB (default 1024) into a Quire home and out of it — `quire put` (hashed while streaming,
 * multipart upload to a staging key, server-side copy to its CID) and `quire get --data-out`
 * (ranged GET, verified against the CID) — on the object store, next to the same commands on a
 * home with its files on the local disk, and next to the S3 SDK alone (lib-storage upload, one
 * GET) on the same endpoint, all in the same run. Prints MB/s and each command's peak RSS.
 *
 * Needs an S3 endpoint: scripts/ceph/start-rgw.sh, then
 *   set -a; . /tmp/quire-ceph/env; set +a; npm run bench:objectstore [-- MiB]
 */
import { spawn } from 'node:child_process'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'

const MIB = Number(process.argv[2] ?? 1024)
const BYTES = MIB * 1024 * 1024
const ENDPOINT = process.env.QUIRE_TEST_S3_ENDPOINT
const BUCKET = 'quire-bench'
const bin = fileURLToPath(new URL('../../bin/quire.js', import.meta.url))

/** Run a command under /usr/bin/time: its wall seconds and peak RSS (MiB). */
async function timed (args: string[]): Promise<{ seconds: number, rssMiB: number, out: string }> {
  return await new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/time', ['-f', 'QUIRE-TIME %e %M', process.execPath, ...args])
    let out = ''
    let err = ''
    p.stdout.on('data', d => { out += d })
    p.stderr.on('data', d => { err += d })
    p.on('exit', code => {
      const m = /QUIRE-TIME ([\d.]+) (\d+)/.exec(err)
      if (code !== 0 || m == null) { reject(new Error(`${args.join(' ')}: exit ${code}: ${err}`)); return }
      resolve({ seconds: Number(m[1]), rssMiB: Number(m[2]) / 1024, out })
    })
  })
}

const rate = (seconds: number): string => `${(BYTES / 1e6 / seconds).toFixed(0).padStart(5)} MB/s`

async function sdkAlone (file: string): Promise<{ put: number, get: number }> {
  const client = new S3Client({ endpoint: ENDPOINT, region: process.env.AWS_REGION ?? 'us-east-1', forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' })
  const key = `sdk-${randomBytes(4).toString('hex')}`
  let t = performance.now()
  await new Upload({ client, params: { Bucket: BUCKET, Key: key, Body: createReadStream(file, { highWaterMark: 1 << 20 }) }, partSize: 16 * 1024 * 1024, queueSize: 2 }).done()
  const put = (performance.now() - t) / 1000
  t = performance.now()
  const out = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
  await pipeline(out.Body as NodeJS.ReadableStream, createWriteStream('/dev/null'))
  return { put, get: (performance.now() - t) / 1000 }
}

async function main (): Promise<void> {
  if (ENDPOINT == null) throw new Error('set QUIRE_TEST_S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (scripts/ceph/start-rgw.sh writes them to its env file)')
  const dir = await mkdtemp(join(tmpdir(), 'quire-bench-s3-'))
  try {
    const file = join(dir, 'data')
    await pipeline((function * () { for (let i = 0; i < MIB; i++) yield randomBytes(1024 * 1024) })(), createWriteStream(file))
    const meta = join(dir, 'meta.json')
    await pipeline((function * () { yield Buffer.from('{"bench":true}') })(), createWriteStream(meta))
    const disk = join(dir, 'disk')
    const s3 = join(dir, 's3')
    await timed([bin, 'init', '--home', disk])
    await timed([bin, 'init', '--home', s3, '--object-store', ENDPOINT, '--bucket', BUCKET, '--prefix', `${randomBytes(4).toString('hex')}/`])

    console.log(`${MIB} MiB, one run each, same machine, same endpoint (${ENDPOINT})`)
    const sdk = await sdkAlone(file)
    const rows: Array<[string, string]> = [
      ['S3 SDK alone: lib-storage upload (16 MiB parts, 2 at a time)', rate(sdk.put)],
      ['S3 SDK alone: one GET to /dev/null', rate(sdk.get)]
    ]
    for (const [name, home] of [['disk store', disk], ['object store', s3]]) {
      const put = await timed([bin, 'put', 'bench', '--meta', meta, '--data', file, '--home', home])
      const get = await timed([bin, 'get', 'bench', '--data-out', join(dir, `out-${name}`), '--home', home])
      await rm(join(dir, `out-${name}`))
      rows.push([`quire put into the ${name}`, `${rate(put.seconds)}  peak RSS ${put.rssMiB.toFixed(0)} MiB`])
      rows.push([`quire get --data-out from the ${name}`, `${rate(get.seconds)}  peak RSS ${get.rssMiB.toFixed(0)} MiB`])
    }
    const width = Math.max(...rows.map(r => r[0].length))
    for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
