/**
 * Per-partner replication state, persisted: where the pull from each partner got to (its epoch,
 * sequence number and policy generation, as protocols/inventory.md#pull defines them), the
 * subscriptions the cursor was built under, and when the last complete pass ended.
 */
import type { Level } from 'level'
import type { Db } from './db.js'
import { crashPoint } from '../faults.js'

export interface PullState {
  /** the partner's store epoch the cursor belongs to ('' before the first pull) */
  epoch: string
  /** every change of the partner's up to this sequence number is applied or deliberately skipped */
  seq: number
  /** the partner's policy generation for us when the cursor was built */
  policy: number
  /** our namespace subscriptions for the partner when the cursor was built */
  namespaces: string[]
  /** end of the last pass that reached the partner's newest change (ISO 8601) */
  lastChecked: string | null
  /** whether, at lastChecked, the partner had nothing newer for us */
  upToDate: boolean
}

export const EMPTY_PULL_STATE: PullState = Object.freeze({ epoch: '', seq: 0, policy: 0, namespaces: [], lastChecked: null, upToDate: false }) as PullState

export class Cursors {
  private readonly pulls: Level<string, PullState>

  constructor (db: Db) {
    this.pulls = db.sub<PullState>('pullcursors')
  }

  async pull (peerId: string): Promise<PullState> {
    return (await this.pulls.get(peerId)) ?? { ...EMPTY_PULL_STATE, namespaces: [] }
  }

  async setPull (peerId: string, state: PullState): Promise<void> {
    await this.pulls.put(peerId, state)
    crashPoint('cursor.advanced')
  }

  async dropPull (peerId: string): Promise<void> {
    await this.pulls.del(peerId)
  }
}
