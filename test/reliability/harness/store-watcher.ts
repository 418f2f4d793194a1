/**
 * The store watcher (reliability-battery.md §1 item 4): `fs.watch` on a node's file store plus a
 * 50 ms rescan. Every file that appears under a final name (outside staging) is hashed, with
 * node's sha256 rather than Quire's code, and compared with the CID it is named by (invariant I1).
 * A file is hashed again whenever its size or mtime changes, so a final name that is written in
 * place after it appeared is caught too.
 */
import { watch, type FSWatcher } from 'node:fs'
import { stat } from 'node:fs/promises'
import { filesDir, hashesTo, storeFiles } from '../../fixtures/damage.js'
import { sleep } from '../../fixtures/cli.js'

export interface StoreViolation { name: string, path: string, size: number, seenAt: string }

export class StoreWatcher {
  readonly violations: StoreViolation[] = []
  /** files checked and found whole (a file counts once per distinct size/mtime) */
  checked = 0
  private readonly tracker: HashTracker
  private stopped = false
  private watcher: FSWatcher | null = null
  private readonly loop: Promise<void>
  private wake: (() => void) | null = null

  constructor (readonly home: string) {
    this.tracker = new HashTracker(home)
    try {
      this.watcher = watch(filesDir(home), { recursive: true }, () => { this.wake?.() })
      this.watcher.on('error', () => {})
    } catch { this.watcher = null } // the store may not exist yet: the rescan still runs
    this.loop = this.run()
  }

  private async run (): Promise<void> {
    while (!this.stopped) {
      await this.scan()
      await Promise.race([sleep(50), new Promise<void>(resolve => { this.wake = resolve })])
      this.wake = null
    }
  }

  private async scan (): Promise<void> {
    for (const v of await this.tracker.newlyFailing()) this.violations.push({ ...v, seenAt: new Date().toISOString() })
    this.checked = this.tracker.whole
  }

  /** Stop watching (after one last scan) and return every violation seen. */
  async stop (): Promise<StoreViolation[]> {
    if (!this.stopped) {
      this.stopped = true
      this.wake?.()
      await this.loop
      this.watcher?.close()
      await this.scan()
    }
    return this.violations
  }
}

/**
 * Hashes the files under final names that are new or changed (size, mtime) since its last call, so
 * a check does not grow with the store: the store watcher's rule, and the soak's at its cadence.
 */
export class HashTracker {
  /** files found whole so far (a file counts once per distinct size/mtime) */
  whole = 0
  private readonly seen = new Map<string, string>()
  constructor (private readonly home: string) {}

  async newlyFailing (): Promise<Array<{ name: string, path: string, size: number }>> {
    const bad: Array<{ name: string, path: string, size: number }> = []
    for (const f of await storeFiles(this.home).catch(() => [])) {
      const st = await stat(f.path).catch(() => null)
      if (st == null || !st.isFile()) continue
      const stamp = `${st.size}:${st.mtimeMs}`
      if (this.seen.get(f.path) === stamp) continue
      this.seen.set(f.path, stamp)
      let ok: boolean
      try { ok = await hashesTo(f.path, f.name) } catch { ok = false }
      // a file removed between stat and hash (repair, quarantine) is not a violation
      if (ok) this.whole++
      else if (await stat(f.path).then(() => true, () => false)) bad.push({ name: f.name, path: f.path, size: st.size })
    }
    return bad
  }
}
