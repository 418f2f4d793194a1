/** Most one event per this many ms per reporter: progress can come for every chunk. */
export const PROGRESS_INTERVAL_MS = 100;
/** A throttled reporter for one phase; `add` counts, `end` reports the final figure. */
export function reporter(onProgress, phase, total, unit) {
    if (onProgress == null)
        return { add: () => { }, end: () => { } };
    let done = 0;
    let last = 0;
    return {
        add: (n) => {
            done += n;
            const now = performance.now();
            if (now - last >= PROGRESS_INTERVAL_MS) {
                last = now;
                onProgress({ phase, done, total, unit });
            }
        },
        end: () => onProgress({ phase, done, total, unit })
    };
}
//# sourceMappingURL=progress.js.map