/**
 * R4's sequential model (reliability-battery.md R4): one document is a register whose updates are
 * compare-and-set on the base revision. An update that read base b commits b+1 if the home is still
 * at b, and otherwise fails (OUTDATED) having changed nothing; while another holds the lease it
 * waits, then fails (LOCKED). This checks an observed concurrent history against that model, in the
 * spirit of a Jepsen/Knossos linearizability check. Successes carry their revision, which fixes
 * their order, so the search for a linearization is a greedy pass rather than a backtracking one.
 */

/** One `update` as observed by the caller. Times are `performance.now()` in one process. */
export interface Op {
  label: string
  /** the revision the requester held just before invoking (its base is this or newer) */
  preBase: number
  /**
   * the base revision the requester actually asked the home's lock for, when observed (the
   * requester's lock client, instrumented); absent for the home's own updates
   */
  base?: number
  /** the metadata this update wrote (compared by content ID with the revisions at the home) */
  metaCid: string
  inv: number
  comp: number
  ok: boolean
  /** committed revision (ok) */
  rev?: number
  /** error code (not ok) */
  code?: string
  exitCode?: number
}

/**
 * Problems with `history` (empty = it matches the model). `startRev`: the home's revision before
 * the first invocation; `finalRev`: after the last completion; `metaAtRev`: the metadata CID of each
 * revision startRev+1..finalRev at the home.
 */
export function checkRegisterHistory (history: Op[], startRev: number, finalRev: number, metaAtRev: Map<number, string>): string[] {
  const out: string[] = []
  const wins = history.filter(o => o.ok).sort((a, b) => a.rev! - b.rev!)
  const losses = history.filter(o => !o.ok)

  // revisions startRev+1..finalRev, each committed by exactly one acknowledged update
  const revs = wins.map(w => w.rev!)
  const want = Array.from({ length: finalRev - startRev }, (_, i) => startRev + 1 + i)
  if (JSON.stringify(revs) !== JSON.stringify(want)) out.push(`acknowledged revisions ${JSON.stringify(revs)}, the home went ${startRev}→${finalRev} (want exactly ${JSON.stringify(want)})`)

  // each acknowledged update's content is the revision it was told; a failed one's is in none
  for (const w of wins) {
    if (metaAtRev.get(w.rev!) !== w.metaCid) out.push(`${w.label} acknowledged rev ${w.rev}, which holds other metadata`)
    // compare-and-set: it committed base + 1, on a base no older than the one it already held
    if (w.rev! <= w.preBase) out.push(`${w.label} committed rev ${w.rev} though it already held rev ${w.preBase}`)
    if (w.base != null && w.rev !== w.base + 1) out.push(`${w.label} asked for the lock at base ${w.base} but committed rev ${w.rev}: a lost update`)
  }
  const written = new Set(metaAtRev.values())
  for (const l of losses) {
    if (written.has(l.metaCid)) out.push(`${l.label} failed (${l.code}) but its metadata was committed`)
    if (l.exitCode !== 3 || (l.code !== 'locked' && l.code !== 'outdated')) out.push(`${l.label} failed with ${l.code} (exit ${l.exitCode}), not locked/outdated`)
  }

  // real time: a linearization point inside each success's interval, increasing with the revision
  let point = -Infinity
  for (const w of wins) {
    point = Math.max(point, w.inv)
    if (point > w.comp) out.push(`${w.label} (rev ${w.rev}, ${w.inv.toFixed(1)}–${w.comp.toFixed(1)} ms) completed before an update with a lower revision was invoked: no order consistent with real time`)
  }

  // OUTDATED means the home had moved past its base: the commit of preBase+1 must have been
  // invoked before the failure completed (or been there before the run)
  for (const l of losses.filter(x => x.code === 'outdated')) {
    const next = (l.base ?? l.preBase) + 1
    if (next <= startRev) continue
    const maker = wins.find(w => w.rev === next)
    if (maker == null) out.push(`${l.label} was told OUTDATED at base ${l.base ?? l.preBase}, but nobody committed rev ${next}`)
    else if (maker.inv > l.comp) out.push(`${l.label} was told OUTDATED at base ${l.base ?? l.preBase} before rev ${next} (${maker.label}) was even requested`)
  }
  return out
}
