/**
 * Shared pieces of the abuse rows (S1–S9): a victim with a replicating partner, the check that
 * replication still flows, and a raw-stream probe that sends chosen bytes on a Quire protocol
 * from a listed evil peer and times how the victim ends the stream.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Stream } from '@libp2p/interface'
import { addPeer, makeNodes, metric, op, serveNode, waitConnected, waitUntil, type ClusterNode } from '../../fixtures/cluster.js'
import { EvilPeer } from '../../fixtures/evil-peer.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { createHost, type Host } from '../../../src/node/create-libp2p.js'
import { FileRequest, FileResponse } from '../../../protocols/file.js'
import { PROTOCOL as FILE } from '../../../src/protocols/file/constants.js'

/** A victim and a partner that list each other and replicate, both serving and connected. */
export async function victimAndPartner (ip: () => string, env?: NodeJS.ProcessEnv): Promise<[ClusterNode, ClusterNode]> {
  const [v, p] = await makeNodes(['victim', 'partner'], ip)
  await Promise.all([addPeer(v, p, ['--replicate', '--datareplicate']), addPeer(p, v, ['--replicate', '--datareplicate'])])
  await Promise.all([serveNode(v, [], env), serveNode(p, [], env)])
  await waitConnected(v, p)
  return [v, p]
}

/** Flags of a peer row, as the `peer.add` operation takes them. */
export interface RowFlags { replicate?: boolean, datareplicate?: boolean }

/** An evil peer the victim (serving) lists (accept-only), connected to it. */
export async function listedEvil (v: ClusterNode, ip: string, flags: RowFlags = {}): Promise<EvilPeer> {
  const evil = await EvilPeer.start({ ip })
  await op(v, 'peer.add', { target: evil.peerId, ...flags })
  await evil.connect(v.addr)
  return evil
}

/** A put at `from` reaches `to` within `withinMs` (replication unaffected). Returns the time it took. */
export async function replicates (from: ClusterNode, to: ClusterNode, id: string, withinMs = 15_000): Promise<number> {
  const path = join(from.tmp.dir, `${id}.meta`)
  await writeFile(path, `meta of ${id}`)
  const t0 = performance.now()
  await op(from, 'put', { id, meta: path })
  await waitUntil(`${id} to reach ${to.name}`, async () => {
    const r = await op(to, 'get', { id }).catch(() => null)
    return r?.rev === 1 ? null : 'not yet'
  }, withinMs, 50)
  return performance.now() - t0
}

/** Lines in a serve process's stderr that mean a crash or an unhandled error. */
export function crashLines (stderr: string): string[] {
  return stderr.split('\n').filter(l => /unhandled|uncaught|TypeError|RangeError|ReferenceError|FATAL|heap out of memory/i.test(l))
}

/** How the victim ended a probed stream, and when (ms after our last byte, or our EOF). */
export interface ProbeResult {
  outcome: 'reset' | 'closed' | 'answered' | 'open'
  ms: number
  /** bytes the victim sent back (a typed error response, length-prefixed), if any */
  response: Uint8Array
}

/**
 * Open `protocol` to the victim, send `parts` (waiting `gapMs` between them), then close our
 * write side if `eof`. Resolves at the victim's first reaction — a response byte, its end of
 * stream, or a reset — or after `waitMs` with outcome 'open'. Our stream is aborted afterwards.
 */
export async function probe (evil: { host: Host }, victim: string, protocol: string, parts: Uint8Array[], opts: { gapMs?: number, eof?: boolean, waitMs: number }): Promise<ProbeResult> {
  const stream: Stream = await evil.host.dialProtocol(peerIdFromString(victim), protocol, { signal: AbortSignal.timeout(5_000) })
  const chunks: Uint8Array[] = []
  let t0 = performance.now()
  let settle: ((r: ProbeResult) => void) | undefined
  const done = new Promise<ProbeResult>(resolve => { settle = resolve })
  const finish = (outcome: ProbeResult['outcome']): void => {
    const s = settle
    settle = undefined
    s?.({ outcome, ms: performance.now() - t0, response: Buffer.concat(chunks) })
  }
  stream.addEventListener('message', (evt: any) => {
    for (const d of evt.data instanceof Uint8Array ? [evt.data] : evt.data) chunks.push(d.slice())
    // give the rest of a response frame a moment to arrive with it
    setTimeout(() => finish('answered'), 20)
  })
  stream.addEventListener('remoteCloseWrite', () => finish('closed'))
  stream.addEventListener('close', (evt: any) => finish(evt.error != null ? 'reset' : 'closed'))
  try {
    for (let i = 0; i < parts.length; i++) {
      if (i > 0 && opts.gapMs != null) await new Promise(resolve => setTimeout(resolve, opts.gapMs))
      if (settle == null) break // already ended by the victim
      t0 = performance.now()
      if (!stream.send(parts[i])) await new Promise<void>(resolve => { stream.addEventListener('drain', () => resolve(), { once: true }); stream.addEventListener('close', () => resolve(), { once: true }) })
    }
    if (opts.eof === true && settle != null) {
      t0 = performance.now()
      stream.close().catch(() => {})
    }
  } catch {
    finish('reset') // send threw: the victim reset the stream already
  }
  const timer = setTimeout(() => finish('open'), opts.waitMs)
  const r = await done
  clearTimeout(timer)
  stream.abort(new Error('probe done'))
  return r
}

/**
 * A listed peer with no Quire services of its own: libp2p takes the outbound stream cap from a
 * protocol's local handler, so a peer that handles none may open as many streams as it asks for
 * (`maxOutboundStreams` per call) — what a flooder does. Connected to the victim.
 */
export async function bareListed (v: ClusterNode, ip: string, flags: RowFlags = {}, dialAddr = v.addr): Promise<Host> {
  const host = await createHost({ privateKey: await generateKeyPair('Ed25519'), listen: [`/ip4/${ip}/tcp/0`], announce: [], gater: {} })
  startedHosts.push(host)
  // through the running victim's API: a CLI process can take seconds to start on a loaded machine
  await op(v, 'peer.add', { target: host.peerId.toString(), ...flags })
  // every libp2p dial here leaves from 127.0.0.1, and the victim admits a few handshakes per host
  // at once (gater.ts) and 5 connections per host per second (libp2p): retry a refused dial
  for (let attempt = 1; ; attempt++) {
    try {
      await host.dial(multiaddr(dialAddr), { signal: AbortSignal.timeout(10_000) })
      return host
    } catch (err) {
      if (attempt >= 5) throw err
      await new Promise(resolve => setTimeout(resolve, 300 * attempt))
    }
  }
}

/** Hosts made by {@link bareListed}: the spec's afterEach stops them with {@link stopHosts}. */
const startedHosts: Host[] = []
export async function stopHosts (): Promise<void> {
  await Promise.all(startedHosts.splice(0).map(async h => { await Promise.resolve(h.stop()).catch(() => {}) }))
}

/** The victim's `quire_files_serving` gauge (transfers it is serving now), from GET /metrics. */
export async function serving (v: ClusterNode): Promise<number> {
  return await metric(v, 'quire_files_serving')
}

/** The length-prefixed FileRequest for a whole file. */
export function fileRequest (cid: Uint8Array): Uint8Array {
  const body = FileRequest.encode({ cid: new Uint8Array(cid), offset: 0n, length: 0n, wantBlocks: false, batch: [] })
  const len: number[] = []
  let n = body.byteLength
  do { len.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0)); n >>>= 7 } while (n > 0)
  return Buffer.concat([Uint8Array.from(len), body])
}

/** A file request's outcome, the stream left open after an OK (its body unread) for the caller. */
export interface Requested { status: string, stream?: Stream }

/**
 * Open a file stream from `host`, request `cid`, and read the response header only: OK (the
 * stream is returned paused, so its body is not read), a typed refusal (BUSY, …), or 'reset'.
 */
export async function requestFile (host: Host, victim: string, cid: Uint8Array, timeoutMs = 10_000): Promise<Requested> {
  let stream: Stream
  try {
    stream = await host.dialProtocol(peerIdFromString(victim), FILE, { signal: AbortSignal.timeout(timeoutMs), maxOutboundStreams: 10_000 })
  } catch (err: any) {
    return { status: `open failed: ${err.name}` }
  }
  return await new Promise<Requested>(resolve => {
    const got: Uint8Array[] = []
    const timer = setTimeout(() => { stream.abort(new Error('no header')); resolve({ status: 'no answer' }) }, timeoutMs)
    const onMessage = (evt: any): void => {
      for (const d of evt.data instanceof Uint8Array ? [evt.data] : evt.data) got.push(d.slice())
      const buf = Buffer.concat(got)
      let len = 0; let shift = 0; let i = 0
      for (; i < buf.byteLength; i++) { len |= (buf[i] & 0x7f) << shift; shift += 7; if ((buf[i] & 0x80) === 0) break }
      if (buf.byteLength < i + 1 + len) return
      stream.pause() // never read the body: the transfer holds its slot until the victim gives up
      stream.removeEventListener('message', onMessage)
      clearTimeout(timer)
      const status = String(FileResponse.decode(buf.subarray(i + 1, i + 1 + len)).status)
      // resolve first: our own abort fires 'close' (with an error) at once
      resolve({ status, ...(status === 'OK' ? { stream } : {}) })
      if (status !== 'OK') stream.abort(new Error('done'))
    }
    stream.addEventListener('message', onMessage)
    stream.addEventListener('close', (evt: any) => { clearTimeout(timer); resolve({ status: evt.error != null ? 'reset' : 'closed' }) })
    try {
      stream.send(fileRequest(cid))
    } catch {
      clearTimeout(timer)
      resolve({ status: 'reset' })
    }
  })
}
