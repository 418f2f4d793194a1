/**
 * The store watcher (reliability-battery.md §1 item 4): `fs.watch` on a node's file store plus a
 * 50 ms rescan. Every file that appears under a final name (outside staging) is hashed, with
 * node's sha256 rather than Quire's code, and compared with the CID it is named by (invariant I1).
 * A file is hashed again whenever its size or mtime changes, so a final name that is written in
 * place after it appeared is caught too.
 */
import { watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { filesDir, hashesTo, storeFiles } from '../../fixtures/damage.js';
import { sleep } from '../../fixtures/cli.js';
export class StoreWatcher {
    home;
    violations = [];
    /** files checked and found whole (a file counts once per distinct size/mtime) */
    checked = 0;
    seen = new Map();
    stopped = false;
    watcher = null;
    loop;
    wake = null;
    constructor(home) {
        this.home = home;
        try {
            this.watcher = watch(filesDir(home), { recursive: true }, () => { this.wake?.(); });
            this.watcher.on('error', () => { });
        }
        catch {
            this.watcher = null;
        } // the store may not exist yet: the rescan still runs
        this.loop = this.run();
    }
    async run() {
        while (!this.stopped) {
            await this.scan();
            await Promise.race([sleep(50), new Promise(resolve => { this.wake = resolve; })]);
            this.wake = null;
        }
    }
    async scan() {
        for (const f of await storeFiles(this.home).catch(() => [])) {
            const st = await stat(f.path).catch(() => null);
            if (st == null || !st.isFile())
                continue;
            const stamp = `${st.size}:${st.mtimeMs}`;
            if (this.seen.get(f.path) === stamp)
                continue;
            this.seen.set(f.path, stamp);
            let ok;
            try {
                ok = await hashesTo(f.path, f.name);
            }
            catch {
                ok = false;
            }
            // a file removed between stat and hash (repair, quarantine) is not a violation
            if (!ok && await stat(f.path).then(() => true, () => false)) {
                this.violations.push({ name: f.name, path: f.path, size: st.size, seenAt: new Date().toISOString() });
            }
            else if (ok) {
                this.checked++;
            }
        }
    }
    /** Stop watching (after one last scan) and return every violation seen. */
    async stop() {
        if (!this.stopped) {
            this.stopped = true;
            this.wake?.();
            await this.loop;
            this.watcher?.close();
            await this.scan();
        }
        return this.violations;
    }
}
//# sourceMappingURL=store-watcher.js.map