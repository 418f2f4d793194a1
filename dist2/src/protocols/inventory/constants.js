/** Constants of /quire/inventory/1.0.0; each limit is specified in protocols/inventory.md#limits. */
export const PROTOCOL = '/quire/inventory/1.0.0';
/** Largest frame: one entry with the largest metadata (4 MiB) fits with room to spare. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** Most entries in one Push or Batch. */
export const MAX_ENTRIES = 1000;
/** A sender keeps a message's metadata under this (one bigger entry may travel alone). */
export const TARGET_MESSAGE_BYTES = 8 * 1024 * 1024;
/** Most namespaces in a Pull. */
export const MAX_NAMESPACES = 256;
/** One request and its response must finish within this. */
export const REQUEST_TIMEOUT_MS = 60_000;
/** Concurrent inbound inventory streams per connection. */
export const MAX_INBOUND_STREAMS = 8;
export const MAX_OUTBOUND_STREAMS = 8;
//# sourceMappingURL=constants.js.map