/**
 * Shared pieces of the abuse rows (S1–S9): a victim with a replicating partner, the check that
 * replication still flows, and a raw-stream probe that sends chosen bytes on a Quire protocol
 * from a listed evil peer and times how the victim ends the stream.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Stream } from '@libp2p/interface'
import { quireOk } from '../../fixtures/cli.js'
import { addPeer, makeNodes, op, serveNode, waitConnected, waitUntil, type ClusterNode } from '../../fixtures/cluster.js'
import { EvilPeer } from '../../fixtures/evil-peer.js'

/** A victim and a partner that list each other and replicate, both serving and connected. */
export async function victimAndPartner (ip: () => string, env?: NodeJS.ProcessEnv): Promise<[ClusterNode, ClusterNode]> {
  const [v, p] = await makeNodes(['victim', 'partner'], ip)
  await Promise.all([addPeer(v, p, ['--replicate', '--datareplicate']), addPeer(p, v, ['--replicate', '--datareplicate'])])
  await Promise.all([serveNode(v, [], env), serveNode(p, [], env)])
  await waitConnected(v, p)
  return [v, p]
}

/** An evil peer the victim lists (accept-only, default flags), connected to it. */
export async function listedEvil (v: ClusterNode, ip: string, flags: string[] = []): Promise<EvilPeer> {
  const evil = await EvilPeer.start({ ip })
  await quireOk(['peer', 'add', evil.peerId, ...flags, '--home', v.home])
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
export async function probe (evil: EvilPeer, victim: string, protocol: string, parts: Uint8Array[], opts: { gapMs?: number, eof?: boolean, waitMs: number }): Promise<ProbeResult> {
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
