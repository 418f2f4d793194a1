import { SingleBar, Presets } from 'cli-progress';
/** Redraw at most this often: progress events can come for every chunk. */
const REDRAW_MS = 100;
/**
 * A progress bar on stderr for work that takes more than a moment — only when stderr is a
 * terminal and output is not --json, so scripts and logs never see it. Returns undefined otherwise.
 */
export function progressBar(json) {
    if (json || process.stderr.isTTY !== true)
        return undefined;
    let bar;
    let phase = '';
    const fmt = (e, v) => e.unit === 'bytes' ? `${(v / 1e6).toFixed(1)} MB` : `${v} ${e.unit}`;
    return {
        onProgress: (e) => {
            if (bar == null || e.phase !== phase) {
                bar?.stop();
                phase = e.phase;
                bar = new SingleBar({
                    stream: process.stderr,
                    fps: 1000 / REDRAW_MS,
                    clearOnComplete: true,
                    hideCursor: true,
                    format: e.total != null ? `${e.phase} [{bar}] {percentage}% {done} of {all}` : `${e.phase} {done}`
                }, Presets.shades_classic);
                bar.start(e.total ?? 0, e.done, { done: fmt(e, e.done), all: fmt(e, e.total ?? 0) });
            }
            bar.update(e.done, { done: fmt(e, e.done), all: fmt(e, e.total ?? 0) });
        },
        done: () => { bar?.stop(); }
    };
}
//# sourceMappingURL=progress-bar.js.map