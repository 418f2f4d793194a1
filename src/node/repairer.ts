/**
 * DEV DOCS — repair from a partner the operator names (Chronopolis-style: stage, validate,
 * replace, re-audit). Each repair is a persisted state machine keyed by the file's CID:
 *   requested → staging → replaced → audited   (or → failed, with the reason and the partner)
 * `staging`: fetched into the file store's staging area with a repair proof (the document's
 * signed record), hashed while it arrives; the file store renames it over the damaged copy only if
 * it matches the CID, so a bad partner copy replaces nothing (fail closed) and the item stays
 * flagged. `audited`: the file in place is hashed once more. Unfinished repairs are resumed when
 * the node starts.
 */
import type { Level } from 'level'
import type { Logger } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Site } from '../site.js'
import type { FileTransfer } from '../protocols/file/index.js'
import { FileStatus } from '../protocols/file/index.js'
import { parseCid } from '../model/cids.js'
import { parsePeerId } from '../model/peer-input.js'
import { auditFile } from '../store/audit.js'
import { InputError, NotFoundError, QuireError } from '../errors.js'
import { reporter, type OnProgress } from '../progress.js'

export type RepairState = 'requested' | 'staging' | 'replaced' | 'audited' | 'failed'

export interface RepairRecord {
  id: string
  cid: string
  size: number
  from: string
  state: RepairState
  reason?: string
  requestedAt: string
  updatedAt: string
}

export class RepairError extends QuireError {
  static readonly name: string = 'RepairError'
  readonly record: RepairRecord
  constructor (record: RepairRecord) {
    super(`repair of ${record.id} from ${record.from} failed: ${record.reason ?? 'unknown'}; nothing was replaced`, 'repair-failed', 1)
    this.record = record
  }
}

export interface RepairAllResult { repaired: RepairRecord[], failed: RepairRecord[], alreadyGood: number }

export class Repairer {
  private readonly site: Site
  private readonly files: FileTransfer
  private readonly log: Logger
  private readonly sub: Level<string, RepairRecord>
  private readonly inFlight = new Map<string, Promise<RepairRecord>>()

  constructor (site: Site, files: FileTransfer, log: Logger) {
    this.site = site
    this.files = files
    this.log = log
    this.sub = site.db.sub<RepairRecord>('repairs')
  }

  async list (): Promise<RepairRecord[]> {
    const out: RepairRecord[] = []
    for await (const v of this.sub.values()) out.push(v)
    return out
  }

  /** Continue repairs a restart interrupted. */
  async resume (): Promise<void> {
    for (const r of await this.list()) {
      if (r.state === 'audited' || r.state === 'failed') continue
      this.log('resuming the repair of %s from %s (was %s)', r.id, r.from, r.state)
      this.repair(r.id, r.from).catch(err => this.log('resumed repair of %s failed: %s', r.id, err.message))
    }
  }

  async repair (id: string, fromText: string, onProgress?: OnProgress): Promise<RepairRecord> {
    const from = parsePeerId(fromText, this.site.peerId)
    if (!this.site.peers.has(from)) throw new InputError(`partner ${from} is not in the peer table`, 'peer-not-found')
    const doc = await this.site.docs.get(id)
    if (doc == null) throw new NotFoundError(`no document ${id}`)
    if (doc.data == null) throw new InputError(`document ${id} has no data file to repair`, 'no-data')
    const running = this.inFlight.get(doc.data.cid)
    if (running != null) return await running
    const p = this.run(id, doc.data.cid, doc.data.size, doc.rev, from, onProgress).finally(() => this.inFlight.delete(doc.data!.cid))
    this.inFlight.set(doc.data.cid, p)
    return await p
  }

  private async run (id: string, cidText: string, size: number, rev: number, from: string, onProgress?: OnProgress): Promise<RepairRecord> {
    const now = (): string => new Date().toISOString()
    const rec: RepairRecord = { id, cid: cidText, size, from, state: 'requested', requestedAt: now(), updatedAt: now() }
    const save = async (state: RepairState, reason?: string): Promise<void> => {
      rec.state = state
      rec.updatedAt = now()
      if (reason != null) rec.reason = reason
      await this.sub.put(cidText, rec)
    }
    await save('requested')
    const cid = parseCid(cidText)
    try {
      const signed = await this.site.docs.signed(id, rev)
      if (signed == null) throw new Error('this node lost the document\'s record; sync first')
      await save('staging')
      const download = await this.files.fetch(peerIdFromString(from), cid, { proof: { record: signed.bytes, signature: signed.signature } })
      if (download.size !== size) {
        download.abort(new Error('size mismatch'))
        throw new Error(`its copy is ${download.size} bytes, the record says ${size}`)
      }
      const progress = reporter(onProgress, `repairing ${id}`, size, 'bytes')
      try {
        await this.site.files.put(download.bytes, { expect: { cid, size }, onBytes: n => progress.add(n) })
        progress.end()
      } catch (err: any) {
        download.abort(err)
        throw new Error(err.code === 'file-mismatch' ? `its copy does not match the content ID (${err.message})` : err.message)
      }
      await save('replaced')
      const reason = await auditFile(this.site, cidText, size)
      if (reason != null) throw new Error(`the replaced file failed its re-audit (${reason})`)
      await save('audited')
      this.log('repaired %s (%s) from %s', id, cidText, from)
      return rec
    } catch (err: any) {
      const why = err?.name === 'RemoteRefusedError'
        ? (err.status === FileStatus.NOT_FOUND || err.status === FileStatus.DAMAGED ? `partner has no good copy (${err.status})` : `partner refused (${err.status})`)
        : err.message
      await save('failed', why)
      throw new RepairError(rec)
    }
  }

  /** Repair every data file this node should hold and does not hold whole (e.g. a wiped file store). */
  async repairAll (from: string, onProgress?: OnProgress): Promise<RepairAllResult> {
    const result: RepairAllResult = { repaired: [], failed: [], alreadyGood: 0 }
    const progress = reporter(onProgress, 'checking and repairing documents', this.site.docs.size, 'documents')
    let after: string | undefined
    while (true) {
      const page = await this.site.docs.list({ after, limit: 500 })
      if (page.length === 0) break
      for (const doc of page) {
        progress.add(1)
        if (doc.data == null || doc.deleted) continue
        const known = await this.site.blobs.get(doc.data.cid)
        // only files this node held (or damaged): metadata-only documents were never meant to be here
        if (known == null) continue
        if (await this.site.docs.dataLocal(doc) && known.damaged == null) {
          if ((await auditFile(this.site, doc.data.cid, doc.data.size)) == null) { result.alreadyGood++; continue }
        }
        try {
          result.repaired.push(await this.repair(doc.id, from))
        } catch (err) {
          if (err instanceof RepairError) result.failed.push(err.record)
          else throw err
        }
      }
      after = page[page.length - 1].id
    }
    progress.end()
    return result
  }
}
