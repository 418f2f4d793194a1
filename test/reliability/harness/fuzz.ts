/**
 * Timed fuzz properties for the decoder battery (P1): every input must give a value or one of the
 * allowed (typed) errors, within PER_INPUT_MS. In-process decoders are timed in CPU time of this
 * process (process.cpuUsage): other agents' tests share this 2-core machine, and time spent
 * descheduled is not the decoder's; a decoder that is really slow burns CPU. Cross-process targets
 * (the local API) are timed in wall time. An input over the bound is timed up to four more times
 * and the fastest run counts, so that one GC pause is not taken for a slow decoder.
 */
import fc from 'fast-check'
import { seedFromEnv } from '../../fixtures/seed.js'

export const PER_INPUT_MS = 50

/** One seed for a whole spec file: printed as SEED=…, replayed from the SEED environment variable. */
let fileSeed: number | undefined
export function fuzzSeed (what: string): number {
  fileSeed ??= seedFromEnv(what)
  return fileSeed
}

export interface FuzzStats { runs: number, values: number, errors: number, maxMs: number }

export type Outcome<R> = { value: R } | { error: unknown }

/** Which errors count as typed; anything else fails the property (and shows the input). */
export type Allowed = (err: unknown) => boolean

export function errorNamed (...names: string[]): Allowed {
  return err => err instanceof Error && names.includes(err.name)
}

function describeError (err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : `non-Error thrown: ${String(err)}`
}

/**
 * Run `target` on `runs` inputs from `arb`; `check` gets each input and its outcome and asserts
 * what must hold (round trips, canonical forms). Resolves with counts and the slowest input's ms.
 */
export async function fuzz<T, R> (name: string, arb: fc.Arbitrary<T>, target: (x: T) => R | Promise<R>, allowed: Allowed, runs: number, check?: (x: T, out: Outcome<Awaited<R>>) => void | Promise<void>, boundMs = PER_INPUT_MS, clock: 'cpu' | 'wall' = 'cpu'): Promise<FuzzStats> {
  const stats: FuzzStats = { runs: 0, values: 0, errors: 0, maxMs: 0 }
  const once = async (x: T): Promise<{ out: Outcome<Awaited<R>>, ms: number }> => {
    const t0 = performance.now()
    const c0 = process.cpuUsage()
    let out: Outcome<Awaited<R>>
    try {
      out = { value: await target(x) }
    } catch (error) {
      out = { error }
    }
    const cpu = process.cpuUsage(c0)
    const ms = clock === 'cpu' ? (cpu.user + cpu.system) / 1000 : performance.now() - t0
    return { out, ms }
  }
  await fc.assert(fc.asyncProperty(arb, async x => {
    let { out, ms } = await once(x)
    for (let retry = 0; retry < 4 && ms >= boundMs; retry++) ms = Math.min(ms, (await once(x)).ms)
    if (ms >= boundMs) throw new Error(`${name}: an input took ${ms.toFixed(1)} ms (bound ${boundMs} ms)`)
    stats.runs++
    stats.maxMs = Math.max(stats.maxMs, ms)
    if ('error' in out) {
      if (!allowed(out.error)) throw new Error(`${name}: untyped failure ${describeError(out.error)}`)
      stats.errors++
    } else {
      stats.values++
    }
    await check?.(x, out)
  }), { seed: fuzzSeed(name), numRuns: runs, endOnFailure: true })
  console.log(`      ${name}: ${stats.runs} inputs, ${stats.values} values, ${stats.errors} typed errors, max ${stats.maxMs.toFixed(2)} ms/input (${clock} time)`)
  return stats
}

/** Structured mutants of a valid encoding: bit flips, byte overwrites, insertions, deletions, truncation. */
export function mutantsOf (valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() })
  )
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([bytes, edits]) => {
    let b = Uint8Array.from(bytes)
    for (const e of edits) {
      const at = b.byteLength === 0 ? 0 : e.at % (b.byteLength + (e.kind === 'insert' ? 1 : 0))
      if (e.kind === 'flip' && b.byteLength > 0) b[at] ^= 1 << e.bit
      else if (e.kind === 'set' && b.byteLength > 0) b[at] = e.byte
      else if (e.kind === 'insert') b = Uint8Array.from([...b.subarray(0, at), ...e.bytes, ...b.subarray(at)])
      else if (e.kind === 'delete') b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + e.n)])
      else if (e.kind === 'truncate') b = b.subarray(0, at)
    }
    return b
  })
}

/** Values compared across a round trip: bytes as hex, bigints as strings, absent keys dropped. */
export function plain (v: unknown): unknown {
  if (v instanceof Uint8Array) return `bytes:${Buffer.from(v).toString('hex')}`
  if (typeof v === 'bigint') return `${v}n`
  if (Array.isArray(v)) return v.map(plain)
  if (v != null && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) if ((v as any)[k] !== undefined) out[k] = plain((v as any)[k])
    return out
  }
  return v
}
