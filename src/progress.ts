/**
 * Progress of long operations, as typed events (style: Helia's onProgress). Operations report;
 * the CLI draws (src/cli/progress-bar.ts); the local API streams the events to the CLI that asked.
 */
export interface ProgressEvent {
  /** what is being done, e.g. 'put:data-bytes', 'audit:files', 'repair:bytes', 'sync:documents' */
  phase: string
  done: number
  /** null when not known in advance */
  total: number | null
  unit: 'bytes' | 'files' | 'documents'
}

export type OnProgress = (e: ProgressEvent) => void

/** Most one event per this many ms per reporter: progress can come for every chunk. */
export const PROGRESS_INTERVAL_MS = 100

/** A throttled reporter for one phase; `add` counts, `end` reports the final figure. */
export function reporter (onProgress: OnProgress | undefined, phase: string, total: number | null, unit: ProgressEvent['unit']): { add: (n: number) => void, end: () => void } {
  if (onProgress == null) return { add: () => {}, end: () => {} }
  let done = 0
  let last = 0
  return {
    add: (n) => {
      done += n
      const now = performance.now()
      if (now - last >= PROGRESS_INTERVAL_MS) {
        last = now
        onProgress({ phase, done, total, unit })
      }
    },
    end: () => onProgress({ phase, done, total, unit })
  }
}
