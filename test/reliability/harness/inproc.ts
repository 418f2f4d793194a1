/**
 * An in-process cluster for the simulation tier (reliability-battery.md P2, R4): real Quire nodes
 * (QuireNode over a Site: libp2p over TCP, LevelDB, file store in temp homes) running inside the
 * test process, each on its own loopback address and a fixed port, so a node stopped and started
 * again is reachable where its partners' rows say. @libp2p/memory is not a dependency, so links
 * are real TCP on 127.0.6.x.
 *
 * Operations run exactly as the local API runs them (OPERATIONS[name].run with the node), and
 * {@link InProcCluster.view} presents a node as the ClusterNode the shared invariant checkers
 * (invariants.ts) take, so I1–I6 are checked by the same code as for `quire serve` processes.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resolveHome } from '../../../src/home/paths.js'
import { Site } from '../../../src/site.js'
import { QuireNode } from '../../../src/node/quire-node.js'
import { OPERATIONS } from '../../../src/ops/index.js'
import { freePort, type InitNode } from '../../fixtures/cli.js'
import type { ClusterNode } from '../../fixtures/cluster.js'

/** An in-process node: the same addressing as a CLI-made node (InitNode), and its QuireNode while it runs. */
export interface InProcNode extends Pick<InitNode, 'name' | 'home' | 'ip' | 'port' | 'peerId' | 'addr'> {
  /** set while the node runs */
  node?: QuireNode
}

export class InProcCluster {
  readonly nodes: InProcNode[]
  private readonly dir: string
  private readonly interval: number

  private constructor (dir: string, nodes: InProcNode[], interval: number) {
    this.dir = dir
    this.nodes = nodes
    this.interval = interval
  }

  /** `names.length` fresh homes (init), not yet started; `interval` is delta-T in seconds. */
  static async create (names: string[], ip: () => string, interval = 1): Promise<InProcCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'quire-inproc-'))
    const nodes: InProcNode[] = []
    for (const name of names) {
      const addrIp = ip()
      const port = await freePort(addrIp)
      const home = join(dir, name)
      const listen = `/ip4/${addrIp}/tcp/${port}`
      const site = await Site.init(resolveHome(home), { listen: [listen], interval })
      nodes.push({ name, home, ip: addrIp, port, peerId: site.peerId, addr: `${listen}/p2p/${site.peerId}` })
      await site.close()
    }
    return new InProcCluster(dir, nodes, interval)
  }

  get (name: string): InProcNode {
    const n = this.nodes.find(x => x.name === name)
    if (n == null) throw new Error(`no node ${name}`)
    return n
  }

  up (name: string): boolean {
    return this.get(name).node != null
  }

  async start (name: string): Promise<void> {
    const n = this.get(name)
    if (n.node != null) return
    const site = await Site.open(resolveHome(n.home))
    try {
      n.node = await QuireNode.start(site, { interval: this.interval })
    } catch (err) {
      await site.close()
      throw err
    }
  }

  /**
   * A crash as far as a process can have one in-process: every connection is aborted first (the
   * partners see resets, not a goodbye), then the node and its store are closed and dropped
   * without waiting for anything in flight to finish. Not a SIGKILL: LevelDB is closed, so what
   * was written stays written (process crashes keep the page cache anyway, principle 3).
   */
  async crash (name: string): Promise<void> {
    const n = this.get(name)
    const node = n.node
    if (node == null) return
    n.node = undefined
    for (const c of node.host.getConnections()) c.abort(new Error('simulated crash'))
    await node.stop().catch(() => {})
    await node.site.close().catch(() => {})
  }

  /** Run an operation as the local API would, inside the running node. Throws its QuireError. */
  async op (name: string, opName: string, args: object = {}): Promise<any> {
    const n = this.get(name)
    if (n.node == null) throw new Error(`${name} is not running`)
    const op = OPERATIONS[opName]
    if (op == null) throw new Error(`no operation ${opName}`)
    return await op.run({ site: n.node.site, node: n.node }, args)
  }

  /** The node as the shared invariant checkers see a served node (they call `served.op`). */
  view (name: string): ClusterNode {
    const n = this.get(name)
    const listen = `/ip4/${n.ip}/tcp/${n.port}`
    return {
      name: n.name,
      home: n.home,
      ip: n.ip,
      port: n.port,
      peerId: n.peerId,
      addr: n.addr,
      listen,
      tmp: { home: n.home, dir: this.dir, cleanup: async () => {} },
      served: { op: async (opName: string, args?: object) => await this.op(name, opName, args) } as any
    }
  }

  async close (): Promise<void> {
    for (const n of this.nodes) await this.crash(n.name)
    await rm(this.dir, { recursive: true, force: true, maxRetries: 3 })
  }
}
