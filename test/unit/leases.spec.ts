/**
 * Leases on documents homed here (src/model/leases.ts, protocols/lock.md#leases), with an injected
 * monotonic clock: no test here sleeps. Each case states the rule from the spec it checks.
 */
import assert from 'node:assert/strict'
import {
  COMMITTED_MEMORY, COMMITTED_MEMORY_BYTES, DEFAULT_LEASE_MS, Leases, MAX_LEASE_MS, MAX_LEASES_PER_HOLDER, MIN_LEASE_MS, type AcquireResult, type Lease
} from '../../src/model/leases.js'

const A = '12D3KooWHolderA'
const B = '12D3KooWHolderB'

/** A clock the test moves by hand. */
function clock (start = 1_000): { now: () => number, advance: (ms: number) => void } {
  let t = start
  return { now: () => t, advance: (ms) => { t += ms } }
}

function granted (r: AcquireResult): Lease {
  assert.equal(r.status, 'granted', `expected a grant, got ${JSON.stringify(r)}`)
  return (r as { lease: Lease }).lease
}

describe('Leases (model, injected clock)', function () {
  it('grants a lease at the current revision: holder, baseRev, a 128-bit hex token, default length, expiry on the injected clock', function () {
    const c = clock()
    const leases = new Leases({ now: c.now })
    const lease = granted(leases.acquire('ns.doc', A, 3, 3))
    assert.equal(lease.id, 'ns.doc')
    assert.equal(lease.holder, A)
    assert.equal(lease.baseRev, 3)
    assert.match(lease.token, /^[0-9a-f]{32}$/)
    assert.equal(lease.ttlMs, DEFAULT_LEASE_MS)
    assert.equal(lease.expiresAt, 1_000 + DEFAULT_LEASE_MS)
    assert.ok(!Number.isNaN(Date.parse(lease.grantedAt)), 'grantedAt is an ISO time')
    assert.deepEqual(leases.list().map(l => [l.id, l.holder, l.remainingMs]), [['ns.doc', A, DEFAULT_LEASE_MS]])
  })

  it('two grants never share a token', function () {
    const leases = new Leases({ now: clock().now })
    const t1 = granted(leases.acquire('ns.a', A, 1, 1)).token
    const t2 = granted(leases.acquire('ns.b', A, 1, 1)).token
    assert.notEqual(t1, t2)
  })

  it('a live lease makes every other acquire LOCKED, with the holder and the remaining time (the holder itself too)', function () {
    const c = clock()
    const leases = new Leases({ now: c.now })
    granted(leases.acquire('ns.doc', A, 1, 1, 10_000))
    c.advance(2_500)
    assert.deepEqual(leases.acquire('ns.doc', B, 1, 1), { status: 'locked', holder: A, remainingMs: 7_500 })
    // the holder asking again does not get a second lease (nor its old token back)
    assert.deepEqual(leases.acquire('ns.doc', A, 1, 1), { status: 'locked', holder: A, remainingMs: 7_500 })
    // LOCKED is decided before OUTDATED: a stale base revision still hears who holds it
    assert.deepEqual(leases.acquire('ns.doc', B, 0, 1), { status: 'locked', holder: A, remainingMs: 7_500 })
    c.advance(200.5)
    assert.equal((leases.acquire('ns.doc', B, 1, 1) as any).remainingMs, 7_300, 'remaining time is rounded up to whole ms (7299.5 → 7300)')
  })

  it('a base revision other than the current one is OUTDATED with the current revision (older and newer alike)', function () {
    const leases = new Leases({ now: clock().now })
    assert.deepEqual(leases.acquire('ns.doc', A, 4, 5), { status: 'outdated', currentRev: 5 })
    assert.deepEqual(leases.acquire('ns.doc', A, 6, 5), { status: 'outdated', currentRev: 5 })
    assert.deepEqual(leases.list(), [], 'an outdated request holds nothing')
  })

  it('clamps the lease length to [MIN, MAX]; 0 means the default', function () {
    const leases = new Leases({ now: clock().now })
    assert.equal(MIN_LEASE_MS, 1_000)
    assert.equal(MAX_LEASE_MS, 120_000)
    assert.equal(granted(leases.acquire('ns.a', A, 1, 1, 1)).ttlMs, MIN_LEASE_MS)
    assert.equal(granted(leases.acquire('ns.b', A, 1, 1, 10 * MAX_LEASE_MS)).ttlMs, MAX_LEASE_MS)
    assert.equal(granted(leases.acquire('ns.c', A, 1, 1, 0)).ttlMs, DEFAULT_LEASE_MS)
    assert.equal(granted(leases.acquire('ns.d', A, 1, 1, 45_000)).ttlMs, 45_000)
  })

  it('QUOTA: at most MAX_LEASES_PER_HOLDER live leases per holder; other holders are not affected; an expiry frees a slot', function () {
    const c = clock()
    const leases = new Leases({ now: c.now })
    assert.equal(MAX_LEASES_PER_HOLDER, 16)
    for (let i = 0; i < MAX_LEASES_PER_HOLDER; i++) granted(leases.acquire(`ns.d${i}`, A, 1, 1, 5_000 + i * 1_000))
    assert.deepEqual(leases.acquire('ns.one-more', A, 1, 1), { status: 'quota' })
    granted(leases.acquire('ns.one-more', B, 1, 1))
    c.advance(5_000) // the first of A's leases ends exactly now (expiry is inclusive)
    granted(leases.acquire('ns.again', A, 1, 1))
    assert.deepEqual(leases.acquire('ns.and-again', A, 1, 1), { status: 'quota' })
  })

  it('the quota is configurable', function () {
    const leases = new Leases({ now: clock().now, maxPerHolder: 1 })
    granted(leases.acquire('ns.a', A, 1, 1))
    assert.deepEqual(leases.acquire('ns.b', A, 1, 1), { status: 'quota' })
  })

  it('an expired lease frees the document: check() refuses its token, another holder gets a new one', function () {
    const c = clock()
    const leases = new Leases({ now: c.now })
    const lease = granted(leases.acquire('ns.doc', A, 1, 1, 2_000))
    c.advance(1_999)
    assert.equal(leases.check('ns.doc', lease.token, A), lease, 'still live 1 ms before expiry')
    c.advance(1)
    assert.equal(leases.check('ns.doc', lease.token, A), null, 'dead at its expiry')
    assert.deepEqual(leases.list(), [])
    const next = granted(leases.acquire('ns.doc', B, 1, 1))
    assert.notEqual(next.token, lease.token)
    assert.equal(leases.check('ns.doc', lease.token, A), null, 'the old token stays refused (fencing)')
  })

  it('check() wants the live lease\'s token, its holder and its document', function () {
    const leases = new Leases({ now: clock().now })
    const lease = granted(leases.acquire('ns.doc', A, 1, 1))
    assert.equal(leases.check('ns.doc', lease.token, A), lease)
    assert.equal(leases.check('ns.doc', lease.token, B), null, 'another holder with a valid token')
    assert.equal(leases.check('ns.doc', 'ff'.repeat(16), A), null, 'a random token')
    assert.equal(leases.check('ns.other', lease.token, A), null, 'the token of another document')
  })

  it('renew() extends a live lease to a full length from now, never shortens it, and cannot revive a dead one', function () {
    const c = clock()
    const leases = new Leases({ now: c.now })
    const lease = granted(leases.acquire('ns.doc', A, 1, 1, 10_000))
    c.advance(8_000)
    leases.renew(lease)
    assert.equal(lease.expiresAt, c.now() + 10_000)
    c.advance(9_000)
    assert.equal(leases.check('ns.doc', lease.token, A), lease, 'alive 17 s after a 10 s grant thanks to the renewal')
    // renewing right after a renewal does not shorten it
    const before = lease.expiresAt
    leases.renew(lease)
    assert.ok(lease.expiresAt >= before)
    c.advance(10_001)
    assert.equal(leases.check('ns.doc', lease.token, A), null)
    leases.renew(lease)
    assert.equal(leases.check('ns.doc', lease.token, A), null, 'a dead lease is not revived')
    assert.deepEqual(leases.list(), [])
  })

  it('renew() does not revive a lease that expired while nothing else looked at the table (no sweep in between)', function () {
    // A stalled upload whose bytes start moving again after its lease ran out: the home calls
    // renew() from the upload's progress hook, then check(). Whether the lease is dead must not
    // depend on whether some other call happened to sweep the table meanwhile.
    const c = clock()
    const leases = new Leases({ now: c.now })
    const lease = granted(leases.acquire('ns.doc', A, 1, 1, 1_000))
    c.advance(5_000) // expired 4 s ago; no acquire/check/list since
    leases.renew(lease)
    assert.equal(leases.check('ns.doc', lease.token, A), null, 'an expired lease came back to life through renew()')
  })

  it('renew() of a lease that was broken and re-granted does not touch the new lease', function () {
    const c = clock()
    const leases = new Leases({ now: c.now })
    const old = granted(leases.acquire('ns.doc', A, 1, 1, 5_000))
    leases.break('ns.doc')
    const fresh = granted(leases.acquire('ns.doc', B, 1, 1, 5_000))
    c.advance(4_000)
    leases.renew(old)
    assert.equal(fresh.expiresAt, 1_000 + 5_000)
    assert.equal(leases.check('ns.doc', old.token, A), null)
  })

  it('release() needs the live lease\'s token; a wrong one fails and leaves the lease in place', function () {
    const leases = new Leases({ now: clock().now })
    const lease = granted(leases.acquire('ns.doc', A, 1, 1))
    assert.equal(leases.release('ns.doc', 'ab'.repeat(16)), false)
    assert.equal(leases.release('ns.other', lease.token), false)
    assert.equal(leases.check('ns.doc', lease.token, A), lease)
    assert.equal(leases.release('ns.doc', lease.token), true)
    assert.equal(leases.release('ns.doc', lease.token), false, 'twice')
    granted(leases.acquire('ns.doc', B, 1, 1))
  })

  it('break() drops the lease whoever holds it and returns it; the holder\'s token is then refused', function () {
    const leases = new Leases({ now: clock().now })
    const lease = granted(leases.acquire('ns.doc', A, 1, 1))
    assert.equal(leases.break('ns.doc'), lease)
    assert.equal(leases.check('ns.doc', lease.token, A), null)
    assert.equal(leases.break('ns.doc'), null, 'nothing left to break')
    assert.equal(leases.break('ns.never'), null)
    granted(leases.acquire('ns.doc', B, 1, 1))
  })

  it('list() shows the live leases with the remaining time, and not the expired ones', function () {
    const c = clock()
    const leases = new Leases({ now: c.now })
    granted(leases.acquire('ns.short', A, 1, 1, 1_000))
    granted(leases.acquire('ns.long', B, 7, 7, 60_000))
    c.advance(1_500)
    const l = leases.list()
    assert.equal(l.length, 1)
    assert.equal(l[0].id, 'ns.long')
    assert.equal(l[0].baseRev, 7)
    assert.equal(l[0].remainingMs, 58_500)
  })

  it('rememberCommit/committedResult: a committed token gives the first result back; unknown tokens give undefined', function () {
    const leases = new Leases<{ rev: number }>({ now: clock().now })
    const first = { rev: 2 }
    leases.rememberCommit('t1', first)
    assert.equal(leases.committedResult('t1'), first)
    assert.equal(leases.committedResult('t2'), undefined)
  })

  it('committed tokens are remembered up to COMMITTED_MEMORY; the oldest is forgotten first', function () {
    const leases = new Leases<number>({ now: clock().now })
    for (let i = 0; i <= COMMITTED_MEMORY; i++) leases.rememberCommit(`t${i}`, i)
    assert.equal(leases.committedResult('t0'), undefined, 'the oldest one went')
    assert.equal(leases.committedResult('t1'), 1)
    assert.equal(leases.committedResult(`t${COMMITTED_MEMORY}`), COMMITTED_MEMORY)
  })

  it('committed replies are remembered up to COMMITTED_MEMORY_BYTES; the oldest is forgotten first, the newest always kept', function () {
    const leases = new Leases<number>({ now: clock().now })
    const quarter = COMMITTED_MEMORY_BYTES / 4
    for (let i = 0; i < 5; i++) leases.rememberCommit(`t${i}`, i, quarter)
    assert.equal(leases.committedResult('t0'), undefined, 'the oldest went when the fifth quarter came')
    for (let i = 1; i < 5; i++) assert.equal(leases.committedResult(`t${i}`), i)
    leases.rememberCommit('huge', 99, 2 * COMMITTED_MEMORY_BYTES)
    assert.equal(leases.committedResult('huge'), 99, 'one reply over the budget is still kept, alone')
    for (let i = 1; i < 5; i++) assert.equal(leases.committedResult(`t${i}`), undefined)
    leases.rememberCommit('small', 1, 10)
    assert.equal(leases.committedResult('huge'), undefined, 'and it goes at the next one')
    assert.equal(leases.committedResult('small'), 1)
  })

  it('without an injected clock it runs on performance.now() (monotonic), not Date.now()', function () {
    const leases = new Leases()
    const lease = granted(leases.acquire('ns.doc', A, 1, 1, 5_000))
    const now = performance.now()
    assert.ok(Math.abs(lease.expiresAt - (now + 5_000)) < 1_000, `expiresAt ${lease.expiresAt} vs performance.now() ${now}`)
  })
})
