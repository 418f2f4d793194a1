/**
 * The partition nemesis of N1 and R5 (reliability-battery.md; Jepsen's partition nemeses): over a
 * window, each step heals every link, then isolates one node, splits the nodes in two or
 * blackholes one direction of one link, and holds that for 2–5 s. A blackhole holds bytes, as TCP
 * does, so a short partition only delays a request; with `cutChance` a step may end by resetting
 * the links it cut, as a partition longer than TCP's patience would, and requests in flight fail.
 * It ends healed, so the caller can time convergence from its return.
 */
import { sleep } from '../../fixtures/cli.js'
import type { FaultProxy } from '../../fixtures/fault-proxy.js'
import type { Rng } from '../../fixtures/seed.js'

/** One proxied connection between two nodes: `a` dials `b` through `proxy`. */
export interface PartitionLink { a: string, b: string, proxy: FaultProxy }

export interface PartitionOptions {
  links: readonly PartitionLink[]
  names: readonly string[]
  rng: Pick<Rng, 'pick' | 'int' | 'next'>
  windowMs: number
  /** One side of a split: a non-empty strict subset of `names`, drawn from `rng`. */
  splitSide: () => Set<string>
  /** Each step is appended here ("isolate X", "split X+Y", "one-way X→Y"), for the failure message. */
  schedule: string[]
  /** The chance that a step ends with its cut links reset (default 0: no draw is made for it). */
  cutChance?: number
  /** Ends the window early (the caller's test failed or finished). */
  stop?: AbortSignal
}

export async function partitionNemesis (o: PartitionOptions): Promise<void> {
  const healAll = (): void => { for (const l of o.links) l.proxy.heal() }
  const started = Date.now()
  while (Date.now() - started < o.windowMs && o.stop?.aborted !== true) {
    healAll()
    const cut: PartitionLink[] = []
    const kind = o.rng.pick(['isolate', 'split', 'oneway'] as const)
    if (kind === 'isolate') {
      const n = o.rng.pick(o.names)
      cut.push(...o.links.filter(l => l.a === n || l.b === n))
      for (const l of cut) l.proxy.blackhole()
      o.schedule.push(`isolate ${n}`)
    } else if (kind === 'split') {
      const side = o.splitSide()
      cut.push(...o.links.filter(l => side.has(l.a) !== side.has(l.b)))
      for (const l of cut) l.proxy.blackhole()
      o.schedule.push(`split ${[...side].join('+')}`)
    } else if (o.links.length > 0) {
      const l = o.rng.pick(o.links)
      const dir = o.rng.pick(['toTarget', 'toClient'] as const)
      l.proxy.blackhole(dir)
      cut.push(l)
      o.schedule.push(`one-way ${dir === 'toTarget' ? `${l.a}→${l.b}` : `${l.b}→${l.a}`}`)
    }
    await sleep(Math.min(o.rng.int(2_000, 5_000), Math.max(0, o.windowMs - (Date.now() - started))))
    if ((o.cutChance ?? 0) > 0 && cut.length > 0 && o.rng.next() < o.cutChance!) {
      for (const l of cut) l.proxy.resetAll()
      o.schedule[o.schedule.length - 1] += ' then reset'
    }
  }
  healAll()
}
