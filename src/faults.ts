/**
 * Fault injection for the failure tests (reliability battery, "crash points").
 *
 *   QUIRE_FAULTS="crash@file.renamed:3,fail@store.put:mdi.doc7"
 *
 * `crash@POINT[:N]` kills the process with SIGKILL (as kill -9 would) the Nth time POINT is reached
 * (default the first); `fail@POINT:KEY` makes the operation at POINT throw for KEY (e.g. a document
 * id). Unset, every call is a single boolean test: free in production.
 * Crash points: file.staged, file.fsynced, file.renamed, db.batch.written, ack.sent (a receiver has
 * written a push's verdicts back to the sender: protocols/inventory), cursor.advanced,
 * lock.granted (home), lock.acquired (requester), rev.signed. Failure points: store.put (key: a
 * document id).
 */
interface Rule { kind: 'crash' | 'fail', point: string, arg?: string }

const rules: Rule[] = parse(process.env.QUIRE_FAULTS)
const hits = new Map<string, number>()
export const faultsEnabled = rules.length > 0

function parse (spec: string | undefined): Rule[] {
  if (spec == null || spec.trim() === '') return []
  return spec.split(',').map(s => s.trim()).filter(Boolean).map(item => {
    const m = /^(crash|fail)@([a-z.]+)(?::(.+))?$/.exec(item)
    if (m == null) throw new Error(`QUIRE_FAULTS: cannot parse "${item}" (expected crash@point[:n] or fail@point:key)`)
    return { kind: m[1] as Rule['kind'], point: m[2], arg: m[3] }
  })
}

export class InjectedFault extends Error {
  static readonly name = 'InjectedFault'
  constructor (point: string, key: string) {
    super(`injected fault at ${point} for ${key}`)
    this.name = 'InjectedFault'
  }
}

/** A named crash point: dies here if QUIRE_FAULTS says so. */
export function crashPoint (point: string): void {
  if (!faultsEnabled) return
  const n = (hits.get(point) ?? 0) + 1
  hits.set(point, n)
  for (const r of rules) {
    if (r.kind === 'crash' && r.point === point && n === Number(r.arg ?? 1)) {
      process.stderr.write(`quire: QUIRE_FAULTS crash at ${point} (hit ${n})\n`)
      process.kill(process.pid, 'SIGKILL')
    }
  }
}

/** A named failure point: throws {@link InjectedFault} for `key` if QUIRE_FAULTS says so. */
export function failPoint (point: string, key: string): void {
  if (!faultsEnabled) return
  if (rules.some(r => r.kind === 'fail' && r.point === point && r.arg === key)) throw new InjectedFault(point, key)
}
