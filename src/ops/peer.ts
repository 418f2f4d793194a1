import type { OpContext, Operation } from './context.js'
import { flagsWithoutEffect, newPeerRow, type PeerRow } from '../model/peer-row.js'
import { parseAddrsFor, parsePeerAddr, parsePeerId } from '../model/peer-input.js'
import { parseNamespaceList } from '../model/doc-id.js'
import { InputError } from '../errors.js'

/** A peer table row as `peer ls` shows it. */
export interface PeerView extends PeerRow {
  connected: boolean
  /** end of the last complete delta-T pass with this partner */
  lastChecked: string | null
  /** flags that are set but have no effect (datareplicate/hub without replicate) */
  noEffect: string[]
}

export interface PeerFlagArgs {
  replicate?: boolean
  datareplicate?: boolean
  hub?: boolean
  updates?: boolean
  /** comma-separated; '' = all */
  namespaces?: string
}

export interface PeerAddArgs extends PeerFlagArgs {
  /** a peer ID, or a full multiaddr ending in /p2p/<peer ID> */
  target: string
  addrs?: string[]
}

export interface PeerSetArgs extends PeerFlagArgs {
  peerId: string
  /** replaces the address list when given */
  addrs?: string[]
  /** true: remove every address (the row becomes accept-only) */
  clearAddrs?: boolean
}

export async function viewOf (ctx: OpContext, row: PeerRow): Promise<PeerView> {
  return {
    ...row,
    connected: ctx.node?.links.isConnected(row.peerId) ?? false,
    lastChecked: (await ctx.site.cursors.pull(row.peerId)).lastChecked,
    noEffect: flagsWithoutEffect(row)
  }
}

function applyFlags (row: PeerRow, args: PeerFlagArgs): PeerRow {
  for (const flag of ['replicate', 'datareplicate', 'hub', 'updates'] as const) {
    const v = args[flag]
    if (v != null) {
      if (typeof v !== 'boolean') throw new InputError(`"${flag}" must be true or false`)
      row[flag] = v
    }
  }
  if (args.namespaces != null) row.namespaces = parseNamespaceList(String(args.namespaces))
  return row
}

/** The peer a `peer add` target names, and the address it carries if it is a multiaddr. */
function parseTarget (target: string, self: string): { peerId: string, addrs: string[] } {
  if (typeof target !== 'string' || target.length === 0) throw new InputError('peer add needs a peer ID or a /…/p2p/<peer ID> address')
  if (!target.startsWith('/')) return { peerId: parsePeerId(target, self), addrs: [] }
  const { addr, peerId } = parsePeerAddr(target)
  if (peerId == null) throw new InputError(`address "${target}" does not end in /p2p/<peer ID>: give the peer ID too`, 'invalid-multiaddr')
  return { peerId: parsePeerId(peerId, self), addrs: [addr] }
}

/** `addrs` from the API's JSON: a list of address strings, or nothing (found by the P1 API fuzz). */
function addrList (value: unknown): string[] {
  if (value == null) return []
  if (!Array.isArray(value) || !value.every(a => typeof a === 'string')) throw new InputError('addrs must be a list of address strings', 'usage')
  return value
}

export const peerAdd: Operation<PeerAddArgs, PeerView> = {
  offline: true,
  async run (ctx, args) {
    const { peerId, addrs } = parseTarget(args.target, ctx.site.peerId)
    const row = newPeerRow(peerId)
    row.addrs = parseAddrsFor(peerId, [...addrs, ...addrList(args.addrs)])
    applyFlags(row, args)
    return await viewOf(ctx, await ctx.site.peers.add(row))
  }
}

export const peerSet: Operation<PeerSetArgs, PeerView> = {
  offline: true,
  async run (ctx, args) {
    const peerId = parsePeerId(String(args.peerId ?? ''), ctx.site.peerId)
    const given = addrList(args.addrs)
    if (args.clearAddrs === true && given.length > 0) throw new InputError('--addr and --accept-only together: choose one')
    const addrs = given.length > 0 ? parseAddrsFor(peerId, given) : undefined
    const row = await ctx.site.peers.update(peerId, row => {
      if (addrs != null) row.addrs = addrs
      if (args.clearAddrs === true) row.addrs = []
      return applyFlags(row, args)
    })
    return await viewOf(ctx, row)
  }
}

export const peerRm: Operation<{ peerId: string }, { removed: string }> = {
  offline: true,
  async run (ctx, args) {
    const peerId = parsePeerId(String(args.peerId ?? ''))
    await ctx.site.peers.remove(peerId)
    await ctx.site.cursors.dropPull(peerId)
    return { removed: peerId }
  }
}

export const peerLs: Operation<Record<string, never>, PeerView[]> = {
  offline: true,
  async run (ctx) {
    return await Promise.all(ctx.site.peers.list().map(async row => await viewOf(ctx, row)))
  }
}
