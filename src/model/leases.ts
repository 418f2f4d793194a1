/**
 * DEV DOCS — leases on documents homed here (protocols/lock.md).
 *
 * Only a document's home grants the right to change it. A lease names the document, the revision
 * it was granted at (baseRev), the holder (a peer ID; this node itself for local updates), a
 * random token and an expiry on the monotonic clock, so wall-clock jumps neither extend nor cut it.
 * At most one live lease per document; at most `maxPerHolder` live leases per holder. A commit is
 * accepted only with the live lease's token, from its holder, before it expires (fencing: a stale
 * or foreign token is refused). Committed tokens are remembered for a while, so a retried commit
 * whose reply was lost gets the same answer instead of a second revision.
 * State is in memory: a restart of the home drops every lease, which only makes holders retry.
 */
import { randomBytes } from 'node:crypto'

export const DEFAULT_LEASE_MS = 30_000
export const MAX_LEASE_MS = 120_000
export const MIN_LEASE_MS = 1_000
export const MAX_LEASES_PER_HOLDER = 16
/** Committed tokens remembered for idempotent retries. */
export const COMMITTED_MEMORY = 4096
/**
 * And at most this many bytes of their replies: a reply carries the document's metadata (up to
 * MAX_METADATA_BYTES), so a count alone let 4,096 of them hold up to 16 GiB. A retry comes
 * seconds after its commit, long before the budget turns over.
 */
export const COMMITTED_MEMORY_BYTES = 32 * 1024 * 1024

export interface Lease {
  id: string
  holder: string
  baseRev: number
  token: string
  ttlMs: number
  /** monotonic ms */
  expiresAt: number
  grantedAt: string
}

export type AcquireResult =
  | { status: 'granted', lease: Lease }
  | { status: 'locked', holder: string, remainingMs: number }
  | { status: 'outdated', currentRev: number }
  | { status: 'quota' }

export interface LeaseOptions {
  maxPerHolder?: number
  now?: () => number
}

export class Leases<C = unknown> {
  private readonly live = new Map<string, Lease>()
  private readonly committed = new Map<string, { result: C, bytes: number }>()
  private committedBytes = 0
  private readonly maxPerHolder: number
  private readonly now: () => number

  constructor (opts: LeaseOptions = {}) {
    this.maxPerHolder = opts.maxPerHolder ?? MAX_LEASES_PER_HOLDER
    this.now = opts.now ?? (() => performance.now())
  }

  private sweep (): void {
    const t = this.now()
    for (const [id, l] of this.live) if (l.expiresAt <= t) this.live.delete(id)
  }

  /** `exempt`: no per-holder quota (the home's own updates: the quota guards against partners). */
  acquire (id: string, holder: string, baseRev: number, currentRev: number, ttlMs = DEFAULT_LEASE_MS, exempt = false): AcquireResult {
    this.sweep()
    const held = this.live.get(id)
    if (held != null) return { status: 'locked', holder: held.holder, remainingMs: Math.max(0, Math.ceil(held.expiresAt - this.now())) }
    if (baseRev !== currentRev) return { status: 'outdated', currentRev }
    let mine = 0
    for (const l of this.live.values()) if (l.holder === holder) mine++
    if (!exempt && mine >= this.maxPerHolder) return { status: 'quota' }
    const ttl = Math.min(MAX_LEASE_MS, Math.max(MIN_LEASE_MS, ttlMs > 0 ? ttlMs : DEFAULT_LEASE_MS))
    const lease: Lease = { id, holder, baseRev, token: randomBytes(16).toString('hex'), ttlMs: ttl, expiresAt: this.now() + ttl, grantedAt: new Date().toISOString() }
    this.live.set(id, lease)
    return { status: 'granted', lease }
  }

  /** The live lease for `id` if `token` and `holder` match it, else null. */
  check (id: string, token: string, holder: string): Lease | null {
    this.sweep()
    const l = this.live.get(id)
    return l != null && l.token === token && l.holder === holder ? l : null
  }

  /** Progress on a long commit (a data upload) keeps the lease alive, up to its full length again. */
  renew (lease: Lease): void {
    const t = this.now()
    // an expired lease stays expired: another holder may be granted the document any moment now
    if (this.live.get(lease.id) === lease && lease.expiresAt > t) lease.expiresAt = Math.max(lease.expiresAt, t + lease.ttlMs)
  }

  release (id: string, token: string): boolean {
    const l = this.live.get(id)
    if (l == null || l.token !== token) return false
    this.live.delete(id)
    return true
  }

  /** The operator's override: drop a lease whoever holds it. */
  break (id: string): Lease | null {
    const l = this.live.get(id) ?? null
    this.live.delete(id)
    return l
  }

  list (): Array<Lease & { remainingMs: number }> {
    this.sweep()
    const t = this.now()
    return [...this.live.values()].map(l => ({ ...l, remainingMs: Math.max(0, Math.ceil(l.expiresAt - t)) }))
  }

  /** Remember `result` (`bytes` long) for `token`; the oldest go first, past either bound. */
  rememberCommit (token: string, result: C, bytes = 0): void {
    this.forget(token)
    this.committed.set(token, { result, bytes })
    this.committedBytes += bytes
    while (this.committed.size > COMMITTED_MEMORY || (this.committedBytes > COMMITTED_MEMORY_BYTES && this.committed.size > 1)) {
      this.forget(this.committed.keys().next().value!)
    }
  }

  private forget (token: string): void {
    this.committedBytes -= this.committed.get(token)?.bytes ?? 0
    this.committed.delete(token)
  }

  committedResult (token: string): C | undefined {
    return this.committed.get(token)?.result
  }
}
