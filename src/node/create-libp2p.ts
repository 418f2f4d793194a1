import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, type Identify } from '@libp2p/identify'
import { ping, type Ping } from '@libp2p/ping'
import type { ComponentLogger, ConnectionGater, PrivateKey } from '@libp2p/interface'
import { IDLE_TIMEOUT_MS } from '../protocols/file/constants.js'

/**
 * A stranger's half-open connection is dropped after this long (S2 in the reliability battery:
 * a handshake slowloris must not hold slots for libp2p's default 10 s).
 */
export const INBOUND_UPGRADE_TIMEOUT_MS = 5_000
export const DIAL_TIMEOUT_MS = 10_000
/**
 * libp2p pings every connection every 10 s and aborts it when a ping is late; its adaptive
 * timeout floors at 5 s. A ping queues behind the data on a busy slow link (at 1 MiB/s, a few MiB
 * in socket and proxy buffers is several seconds), so a bulk transfer got its own connection cut
 * again and again (N4 slow-wan in the reliability battery). The answering side's ping handler
 * has its own bound (10 s by default) over the whole exchange, and resets the stream when it
 * passes, which the pinging side also takes for a dead link. Both now judge a link dead after as
 * long without an answer as a transfer without a byte (protocols/file IDLE_TIMEOUT_MS).
 */
export const PING_TIMEOUT_MIN_MS = IDLE_TIMEOUT_MS
/**
 * Pings go every 10 s, so up to three may be in flight on a slow link; libp2p's ping allows one
 * stream each way, and a second one was refused — a refusal the pinging side also took for a dead
 * link (N4 again).
 */
export const PING_STREAMS = 4
/**
 * Inbound connections in their handshake at once, in all (libp2p's default is 10: ten silent
 * sockets from anywhere locked every partner out for the upgrade timeout, battery S2). The gater
 * caps them per host (MAX_PENDING_INBOUND_PER_HOST), so this bounds a spread-out flood.
 */
export const MAX_PENDING_INBOUND = 256

export interface HostOptions {
  privateKey: PrivateKey
  listen: string[]
  announce: string[]
  gater: ConnectionGater
  logger?: ComponentLogger
  /** extra services by name, e.g. Quire's protocol services */
  services?: Record<string, (components: any) => unknown>
}

export type Host = Libp2p<{ identify: Identify, ping: Ping } & Record<string, unknown>>

/** The libp2p host of a Quire node: TCP, Noise, Yamux, identify, ping. A fresh options object each call. */
export async function createHost (opts: HostOptions): Promise<Host> {
  return await createLibp2p({
    privateKey: opts.privateKey,
    addresses: { listen: opts.listen, announce: opts.announce },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: opts.gater,
    connectionManager: {
      inboundUpgradeTimeout: INBOUND_UPGRADE_TIMEOUT_MS,
      maxIncomingPendingConnections: MAX_PENDING_INBOUND,
      dialTimeout: DIAL_TIMEOUT_MS
    },
    connectionMonitor: { pingTimeout: { minTimeout: PING_TIMEOUT_MIN_MS, maxTimeout: PING_TIMEOUT_MIN_MS } },
    ...(opts.logger != null ? { logger: opts.logger } : {}),
    services: { identify: identify(), ping: ping({ timeout: PING_TIMEOUT_MIN_MS, maxInboundStreams: PING_STREAMS, maxOutboundStreams: PING_STREAMS }), ...(opts.services ?? {}) }
  }) as unknown as Host
}
