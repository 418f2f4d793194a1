/**
 * Pieces shared by the nightly (N tier) cases of the battery: a delay link (with random
 * per-connection resets, which the fault proxy does not do), clogging a fault proxy, a mesh of
 * nodes whose every directed link runs through its own proxy, and seeding documents through the
 * local API.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { api, initNode, makeHome, quireOk } from '../../fixtures/cli.js'
import { FaultProxy } from '../../fixtures/fault-proxy.js'
import type { ClusterNode } from '../../fixtures/cluster.js'

/** A clogged link passes 1 byte a second each way: connections stay up, nothing useful moves. */
export function clog (p: FaultProxy): void {
  p.rate(1, 'toClient').rate(1, 'toTarget')
}

export function unclog (p: FaultProxy): void {
  p.heal()
}

/**
 * A one-way-delay TCP relay: every chunk is forwarded `delayMs` after it arrived (so a relay in
 * front of a peer adds 2·delayMs of round trip). Each accepted connection is, with probability
 * `resetChance` (drawn from `rand`), reset at a random moment in its first `resetWithinMs`.
 */
export class DelayLink {
  port = 0
  connections = 0
  resets = 0
  private readonly server: Server
  private readonly sockets = new Set<Socket>()

  private constructor (readonly listenHost: string, private readonly target: { host: string, port: number },
    private readonly delayMs: number, private readonly resetChance: number, private readonly rand: () => number, private readonly resetWithinMs: number) {
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, s => { this.accept(s) })
  }

  static async start (opts: { listenHost: string, targetHost: string, targetPort: number, delayMs: number, resetChance?: number, rand?: () => number, resetWithinMs?: number }): Promise<DelayLink> {
    const l = new DelayLink(opts.listenHost, { host: opts.targetHost, port: opts.targetPort }, opts.delayMs, opts.resetChance ?? 0, opts.rand ?? Math.random, opts.resetWithinMs ?? 30_000)
    await new Promise<void>((resolve, reject) => {
      l.server.once('error', reject)
      l.server.listen(0, opts.listenHost, () => { l.port = (l.server.address() as any).port; resolve() })
    })
    return l
  }

  get multiaddr (): string { return `/ip4/${this.listenHost}/tcp/${this.port}` }

  async close (): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>(resolve => this.server.close(() => resolve()))
  }

  private accept (client: Socket): void {
    this.connections++
    const upstream = connect({ host: this.target.host, port: this.target.port, localAddress: this.listenHost, allowHalfOpen: true, noDelay: true })
    for (const s of [client, upstream]) { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)) }
    const kill = (): void => { for (const s of [client, upstream]) { try { s.resetAndDestroy() } catch { s.destroy() } } }
    client.on('error', kill)
    upstream.on('error', kill)
    this.relay(client, upstream)
    this.relay(upstream, client)
    if (this.rand() < this.resetChance) {
      const t = setTimeout(() => { this.resets++; kill() }, Math.floor(this.rand() * this.resetWithinMs))
      client.once('close', () => clearTimeout(t))
    }
  }

  /** Forward src → dst with the delay, in order, honouring backpressure from dst. */
  private relay (src: Socket, dst: Socket): void {
    let inFlight = 0
    src.on('data', (d: Buffer) => {
      inFlight += d.byteLength
      if (inFlight > (4 << 20)) src.pause()
      setTimeout(() => {
        if (dst.destroyed) return
        const ok = dst.write(d, () => {
          inFlight -= d.byteLength
          if (inFlight < (1 << 20) && src.isPaused()) src.resume()
        })
        void ok
      }, this.delayMs)
    })
    src.on('end', () => setTimeout(() => { if (!dst.destroyed) dst.end() }, this.delayMs))
  }
}

/**
 * `quire init` each node, one after another, trying each up to 3 times: on a machine shared with
 * other test runs an init (a CLI process, 15 s bound in fixtures/cli.ts) sometimes times out.
 */
export async function initNodes (names: string[], ip: () => string): Promise<ClusterNode[]> {
  const out: ClusterNode[] = []
  for (const name of names) {
    const addr = ip()
    for (let attempt = 1; ; attempt++) {
      try { out.push(await initNode(name, addr)); break } catch (err) { if (attempt >= 3) throw err }
    }
  }
  return out
}

/** Nodes where X reaches Y only through `links.get('X>Y')`, a fault proxy in front of Y. */
export interface Mesh {
  nodes: ClusterNode[]
  links: Map<string, FaultProxy>
  /** every proxy on a link to or from `name` */
  linksOf: (name: string) => FaultProxy[]
  close: () => Promise<void>
}

/** A's row for B: its flags, or null where A does not list B (then A has no link to B). */
export type RowFlags = (a: string, b: string) => string[] | null

export interface MeshOptions {
  /**
   * One proxy per pair that lists each other, not one per row: the earlier node in `names` dials
   * through it and the later lists the earlier by peer ID only (accept-only), so the pair has one
   * connection and a fault on that proxy reaches it. A row the other side does not list is
   * accept-only too (the other side would refuse its dial).
   */
  onePerPair?: boolean
}

/**
 * `names` nodes on addresses from `ip`, each listing the others through a proxy, with `flags`
 * (the same for every row, e.g. ['--replicate', '--datareplicate', '--hub'], or per row).
 * Not yet serving.
 */
export async function makeMesh (names: string[], ip: () => string, flags: string[] | RowFlags, opts: MeshOptions = {}): Promise<Mesh> {
  const rowFlags: RowFlags = typeof flags === 'function' ? flags : () => flags
  // each row asked once: `a>b` → a's flags for b, only where a lists b
  const rows = new Map<string, string[]>()
  for (const a of names) for (const b of names) { const r = a === b ? null : rowFlags(a, b); if (r != null) rows.set(`${a}>${b}`, r) }
  const dials = (a: string, b: string): boolean => rows.has(`${a}>${b}`) &&
    (opts.onePerPair !== true || (rows.has(`${b}>${a}`) && names.indexOf(a) < names.indexOf(b)))
  const nodes = await initNodes(names, ip)
  const links = new Map<string, FaultProxy>()
  const close = async (): Promise<void> => { await Promise.all([...links.values()].map(async p => { await p.close() })) }
  try {
    for (const a of nodes) {
      for (const b of nodes) {
        if (!dials(a.name, b.name)) continue
        links.set(`${a.name}>${b.name}`, await FaultProxy.start({ listenHost: ip(), targetHost: b.ip, targetPort: b.port, name: `${a.name}>${b.name}` }))
      }
    }
    await Promise.all(nodes.map(async a => {
      for (const b of nodes) {
        const row = rows.get(`${a.name}>${b.name}`)
        if (row == null) continue
        const link = links.get(`${a.name}>${b.name}`)
        await quireOk(['peer', 'add', link != null ? `${link.multiaddr}/p2p/${b.peerId}` : b.peerId, ...row, '--home', a.home], { timeoutMs: 60_000 })
      }
    }))
  } catch (err) {
    await close()
    throw err
  }
  return {
    nodes,
    links,
    linksOf: name => [...links].filter(([k]) => k.split('>').includes(name)).map(([, p]) => p),
    close
  }
}

/** Put documents at a serving node through `put.batch` (files written to a temp dir). */
export async function putDocsApi (node: ClusterNode, docs: Array<{ id: string, meta: string | Uint8Array, data?: Uint8Array }>, timeoutMs = 600_000): Promise<void> {
  const dir = (await makeHome('batch')).dir
  const lines: string[] = []
  for (let i = 0; i < docs.length; i += 100) {
    await Promise.all(docs.slice(i, i + 100).map(async (d, j) => {
      const k = i + j
      await writeFile(join(dir, `${k}.m`), d.meta)
      if (d.data != null) await writeFile(join(dir, `${k}.d`), d.data)
    }))
  }
  docs.forEach((d, k) => lines.push(JSON.stringify({ id: d.id, meta: join(dir, `${k}.m`), ...(d.data != null ? { data: join(dir, `${k}.d`) } : {}) })))
  await writeFile(join(dir, 'batch'), lines.join('\n') + '\n')
  const r = await longOp(node, 'put.batch', { file: join(dir, 'batch') }, timeoutMs)
  if (r.stored !== docs.length) throw new Error(`put.batch at ${node.name} stored ${r.stored} of ${docs.length}: ${JSON.stringify(r.failed).slice(0, 500)}`)
}

/** A temp file with these bytes (for `put`/`update` through the API; removed by cleanupAll). */
export async function tmpFile (name: string, bytes: string | Uint8Array): Promise<string> {
  const p = join((await makeHome('f')).dir, name)
  await writeFile(p, bytes)
  return p
}

/** An API operation with a longer bound than `op`'s 5 s. */
export async function longOp (node: ClusterNode, name: string, args: object, timeoutMs: number): Promise<any> {
  if (node.served == null) throw new Error(`${node.name} is not serving`)
  return await api(node.served.nodeJson, name, args, timeoutMs)
}
