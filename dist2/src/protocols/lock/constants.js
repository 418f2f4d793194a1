/** Constants of /quire/lock/1.0.0; each limit is specified in protocols/lock.md#limits. */
export const PROTOCOL = '/quire/lock/1.0.0';
/** A Commit carries at most one metadata document (4 MiB) and small fields. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024 + 4096;
/** Request and response frames must arrive within this (a data upload has its own idle timeout). */
export const REQUEST_TIMEOUT_MS = 10_000;
/** A data upload with no byte moving for this long is aborted. */
export const UPLOAD_IDLE_TIMEOUT_MS = 30_000;
export const MAX_INBOUND_STREAMS = 8;
export const MAX_OUTBOUND_STREAMS = 16;
//# sourceMappingURL=constants.js.map