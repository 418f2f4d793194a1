import { EventEmitter } from 'node:events'
import type { Level } from 'level'
import type { PeerRow } from '../model/peer-row.js'
import { InputError, NotFoundError } from '../errors.js'

export interface PeerTableEvents {
  /** a row was added, changed or removed; `row` is null after removal */
  change: [peerId: string, row: PeerRow | null]
}

/**
 * The persistent peer table. It is the source of truth for who may connect and what is sent to
 * whom; the running node subscribes to `change` so that table edits apply at once (the gater,
 * the dialler), and keeps an in-memory copy so that the gater never waits on disk.
 */
export class PeerTable extends EventEmitter<PeerTableEvents> {
  private readonly rows = new Map<string, PeerRow>()
  private readonly sub: Level<string, PeerRow>

  private constructor (sub: Level<string, PeerRow>) {
    super()
    this.sub = sub
  }

  static async load (sub: Level<string, PeerRow>): Promise<PeerTable> {
    const table = new PeerTable(sub)
    for await (const [key, row] of sub.iterator()) table.rows.set(key, row)
    return table
  }

  list (): PeerRow[] {
    return [...this.rows.values()].sort((a, b) => a.peerId.localeCompare(b.peerId))
  }

  get (peerId: string): PeerRow | undefined {
    return this.rows.get(peerId)
  }

  has (peerId: string): boolean {
    return this.rows.has(peerId)
  }

  require (peerId: string): PeerRow {
    const row = this.rows.get(peerId)
    if (row == null) throw new NotFoundError(`peer ${peerId} is not in the peer table`, 'peer-not-found')
    return row
  }

  async add (row: PeerRow): Promise<PeerRow> {
    if (this.rows.has(row.peerId)) throw new InputError(`peer ${row.peerId} is already in the peer table; use "quire peer set"`, 'peer-exists')
    await this.write(row)
    return row
  }

  async update (peerId: string, change: (row: PeerRow) => PeerRow): Promise<PeerRow> {
    const row = change(structuredClone(this.require(peerId)))
    await this.write(row)
    return row
  }

  async remove (peerId: string): Promise<void> {
    this.require(peerId)
    await this.sub.del(peerId)
    this.rows.delete(peerId)
    this.emit('change', peerId, null)
  }

  private async write (row: PeerRow): Promise<void> {
    await this.sub.put(row.peerId, row)
    this.rows.set(row.peerId, row)
    this.emit('change', row.peerId, row)
  }
}
