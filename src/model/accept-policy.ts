/**
 * What this node accepts, decided by the receiver alone (BRIEF "Accepting"). Its own row flags for
 * the sender play no part: they govern only what it sends. Pure: the caller verifies the record's
 * signature and metadata first (model/record.ts) and passes what it holds for that id.
 */
import { namespaceOf } from './doc-id.js'
import type { PeerRow } from './peer-row.js'

/** Why a revision was not stored. Stable names: they appear in `status` and on the wire. */
export type RejectReason =
  | 'not-listed' // the sender is not in our table
  | 'bad-record' // malformed or non-canonical record
  | 'bad-signature' // not signed by its home
  | 'meta-mismatch' // metadata bytes do not match the record
  | 'namespace' // a namespace we do not subscribe to from this sender
  | 'own-home' // homed here, and we are not recovering our store
  | 'home-mismatch' // another home than the one we hold for this id
  | 'older' // older than what we hold
  | 'fork' // same revision, different content

export const REJECT_REASONS: readonly RejectReason[] = ['not-listed', 'bad-record', 'bad-signature', 'meta-mismatch', 'namespace', 'own-home', 'home-mismatch', 'older', 'fork']

export interface HeldDoc { rev: number, home: string, recordCid: string }

export interface Incoming { id: string, rev: number, home: string, recordCid: string }

export type AcceptDecision =
  | { verdict: 'store' }
  | { verdict: 'duplicate' }
  | { verdict: 'reject', reason: RejectReason }

export interface AcceptContext {
  self: string
  /** our row for the sender, if listed */
  fromRow: PeerRow | undefined
  /** true while `serve --recover` brings our own documents back */
  recovering: boolean
  held: HeldDoc | undefined
}

export function acceptDecision (ctx: AcceptContext, inc: Incoming): AcceptDecision {
  const reject = (reason: RejectReason): AcceptDecision => ({ verdict: 'reject', reason })
  if (ctx.fromRow == null) return reject('not-listed')
  const subs = ctx.fromRow.namespaces
  if (subs.length > 0 && !subs.includes(namespaceOf(inc.id))) return reject('namespace')
  if (inc.home === ctx.self && !ctx.recovering) return reject('own-home')
  const held = ctx.held
  if (held == null) return { verdict: 'store' }
  if (held.home !== inc.home) return reject('home-mismatch')
  if (inc.rev < held.rev) return reject('older')
  if (inc.rev === held.rev) return held.recordCid === inc.recordCid ? { verdict: 'duplicate' } : reject('fork')
  return { verdict: 'store' }
}
