/** Constants of /quire/file/1.0.0; each limit is specified in protocols/file.md#limits. */
export const PROTOCOL = '/quire/file/1.0.0';
/** A request is a CID, an offset and at most one signed record — or a batch of MAX_BATCH_FILES CIDs. */
export const MAX_REQUEST_BYTES = 32 * 1024;
/** A response carries at most one block list: 65536 digests of 32 bytes (model/blocks.ts). */
export const MAX_RESPONSE_BYTES = 65536 * 32 + 4096;
/** Request and response headers must be exchanged within this. */
export const HEADER_TIMEOUT_MS = 10_000;
/** A transfer with no byte moving for this long is aborted (keep-alives do not count). */
export const IDLE_TIMEOUT_MS = 30_000;
/** Transfers served at once, per requesting peer and in all; more get BUSY. */
export const MAX_SERVING_PER_PEER = 2;
export const MAX_SERVING_TOTAL = 8;
/** Bytes the receiver lets pile up before pausing the stream (end-to-end backpressure): 4 MiB moved
 * as fast as 8 MiB in the transfer benchmark and keeps the receiver near 200 MiB; 1 MiB stalled it. */
export const RECEIVE_HIGH_WATER_BYTES = 4 << 20;
/** A responder sends the body in pieces of at most this (yamux frames). */
export const SEND_FRAME_BYTES = 256 * 1024;
export const MAX_INBOUND_STREAMS = MAX_SERVING_PER_PEER + 2;
export const MAX_OUTBOUND_STREAMS = 16;
/** Batches (file.md#batches): small files many to a stream, durable together at the receiver. */
export const MAX_BATCH_FILES = 512;
/** Largest file taken into a batch; larger ones go alone (resumable, block by block). */
export const MAX_BATCH_FILE_BYTES = 256 * 1024;
/** A receiver keeps a batch's files under this many bytes (the responder does not enforce it). */
export const TARGET_BATCH_BYTES = 16 * 1024 * 1024;
//# sourceMappingURL=constants.js.map