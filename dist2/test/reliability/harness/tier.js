/**
 * Tiers of the battery (reliability-battery.md §1): Q runs in every CI run; N (nightly) only with
 * `QUIRE_TIER=extended`. Nothing is skipped silently: an N-tier case not run says so, and why,
 * in mocha's pending list and on the console.
 */
export const EXTENDED = process.env.QUIRE_TIER === 'extended';
/** The Q-tier scale, or the N-tier one under QUIRE_TIER=extended. */
export function scale(quick, extended) {
    return EXTENDED ? extended : quick;
}
/** `it` for an N-tier case: run under QUIRE_TIER=extended, otherwise listed as pending with the reason. */
export function itExtended(title, fn) {
    if (EXTENDED)
        return it(title, fn);
    console.log(`      (not run: "${title}" is N tier; run it with QUIRE_TIER=extended)`);
    return it.skip(`[N tier, QUIRE_TIER=extended] ${title}`);
}
//# sourceMappingURL=tier.js.map