/**
 * Tiers of the battery (reliability-battery.md §1): Q runs in every CI run; N (nightly) only with
 * `QUIRE_TIER=extended`. Nothing is skipped silently: an N-tier case not run says so, and why,
 * in mocha's pending list and on the console.
 */
export const EXTENDED = process.env.QUIRE_TIER === 'extended'

/** The Q-tier scale, or the N-tier one under QUIRE_TIER=extended. */
export function scale<T> (quick: T, extended: T): T {
  return EXTENDED ? extended : quick
}

/** `it` for an N-tier case: run under QUIRE_TIER=extended, otherwise listed as pending with the reason. */
export function itExtended (title: string, fn: Mocha.Func): Mocha.Test {
  return EXTENDED ? it(title, fn) : notRun(title, 'N tier: run it with QUIRE_TIER=extended')
}

/** A battery case that is not run here: listed as pending with the reason, and printed. */
export function notRun (title: string, reason: string): Mocha.Test {
  console.log(`      (not run: "${title}": ${reason})`)
  return it.skip(`[not run: ${reason}] ${title}`)
}
