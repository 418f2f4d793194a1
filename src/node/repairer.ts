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
import { FileStatus, type RepairProof } from '../protocols/file/index.js'
import type { PeerId } from '@libp2p/interface'
import { createHash } from 'node:crypto'
import { verifyRevision } from '../model/record.js'
import { blockCount, blockDigest, blockListCid, blockSize } from '../model/blocks.js'
import type { BlobRef } from '../store/file-store.js'
import { receiveFile, type Expected } from './receive-file.js'
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
  /** worth trying again (the connection broke, the partner was busy), unlike a bad or missing copy */
  readonly transient: boolean
  constructor (record: RepairRecord, transient: boolean) {
    super(`repair of ${record.id} from ${record.from} failed: ${record.reason ?? 'unknown'}; nothing was replaced`, 'repair-failed', 1)
    this.record = record
    this.transient = transient
  }
}

/** A repair resumed after a restart tries this often, waiting for its partner to connect. */
export const RESUME_ATTEMPTS = 5
export const RESUME_RETRY_MS = 2_000
export const RESUME_CONNECT_WAIT_MS = 30_000

export interface RepairAllResult { repaired: RepairRecord[], failed: RepairRecord[], alreadyGood: number }

export class Repairer {
  private readonly site: Site
  private readonly files: FileTransfer
  private readonly log: Logger
  private readonly sub: Level<string, RepairRecord>
  private readonly history: Level<string, RepairRecord>
  private readonly inFlight = new Map<string, Promise<RepairRecord>>()

  private readonly isConnected: (peerId: string) => boolean

  constructor (site: Site, files: FileTransfer, isConnected: (peerId: string) => boolean, log: Logger) {
    this.site = site
    this.files = files
    this.isConnected = isConnected
    this.log = log
    this.sub = site.db.sub<RepairRecord>('repairs')
    this.history = site.db.sub<RepairRecord>('repairlog')
  }

  async list (): Promise<RepairRecord[]> {
    const out: RepairRecord[] = []
    for await (const v of this.sub.values()) out.push(v)
    return out
  }

  /** CIDs of repairs not finished (their staged parts are kept for resuming). */
  async unfinished (): Promise<string[]> {
    return (await this.list()).filter(r => r.state !== 'audited' && r.state !== 'failed').map(r => r.cid)
  }

  /**
   * Continue repairs a restart interrupted: once the partner is connected again, and again after a
   * transient failure (a broken stream, a busy partner), a few times. A bad or missing partner
   * copy ends it (failed).
   */
  async resume (): Promise<void> {
    for (const r of await this.list()) {
      if (r.state === 'audited' || r.state === 'failed') continue
      this.log('resuming the repair of %s from %s (was %s)', r.id, r.from, r.state)
      void this.resumeOne(r)
    }
  }

  private async resumeOne (r: RepairRecord): Promise<void> {
    const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
    for (let attempt = 1; attempt <= RESUME_ATTEMPTS; attempt++) {
      const deadline = Date.now() + RESUME_CONNECT_WAIT_MS
      while (!this.isConnected(r.from) && Date.now() < deadline) await sleep(250)
      try {
        await this.repair(r.id, r.from)
        return
      } catch (err: any) {
        this.log('resumed repair of %s, attempt %d: %s', r.id, attempt, err.message)
        if (!(err instanceof RepairError) || !err.transient) return
        await sleep(RESUME_RETRY_MS * attempt)
      }
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
      const b = this.site.db.level.batch()
      b.put(cidText, rec as any, { sublevel: this.sub as any })
      // finished repairs stay in the history (quire log); the current one is keyed by CID
      if (state === 'audited' || state === 'failed') b.put(`${cidText}\x00${rec.updatedAt}`, rec as any, { sublevel: this.history as any })
      await b.write()
    }
    await save('requested')
    const cid = parseCid(cidText)
    try {
      const signed = await this.site.docs.signed(id, rev)
      if (signed == null) throw new Error('this node lost the document\'s record; sync first')
      const record = (await verifyRevision(signed)).revision
      if (record.data == null || !record.data.cid.equals(cid)) throw new Error('the record does not name this file')
      const expect = { cid, size, blocks: record.data.blocks }
      const proof = { record: signed.bytes, signature: signed.signature }
      await save('staging')
      const progress = reporter(onProgress, `repairing ${id}`, size, 'bytes')
      const peer = peerIdFromString(from)
      if ((await this.repairBlocks(peer, expect, proof, n => progress.add(n))) == null) {
        await receiveFile(this.site, this.files, peer, expect, { proof, onBytes: n => progress.add(n) })
      }
      progress.end()
      await save('replaced')
      const reason = await auditFile(this.site, cidText, size)
      if (reason != null) throw new Error(`the replaced file failed its re-audit (${reason})`)
      await save('audited')
      this.log('repaired %s (%s) from %s', id, cidText, from)
      return rec
    } catch (err: any) {
      const refused = err?.name === 'RemoteRefusedError'
      const noCopy = refused && (err.status === FileStatus.NOT_FOUND || err.status === FileStatus.DAMAGED)
      const badCopy = err?.code === 'file-mismatch'
      const why = noCopy
        ? `partner ${from} has no good copy (${err.status === FileStatus.DAMAGED ? 'its copy is damaged' : 'it does not hold the file'})`
        : refused ? `partner ${from} refused (${err.status})` : badCopy ? `partner ${from} has no good copy: its copy does not match the signed record (${err.message})` : `the transfer from ${from} broke: ${err.message}`
      const transient = !noCopy && !badCopy && !(refused && err.status !== FileStatus.BUSY)
      // a staged part is worth keeping only for a retry of the same transfer
      if (!transient) await this.site.files.discardStaged(cid)
      await save('failed', why)
      throw new RepairError(rec, transient)
    }
  }

  /**
   * When the damaged copy is still here at its full size, rebuild it block by block: blocks that
   * still match the signed block list are taken from it, only the others are fetched (ranged
   * requests) from the partner. Null when that does not apply (the file is gone, truncated, or its
   * block list is not known here): then the whole file is fetched.
   */
  private async repairBlocks (peer: PeerId, expect: Expected, proof: RepairProof, onBytes: (n: number) => void): Promise<BlobRef | null> {
    const st = await this.site.files.stat(expect.cid)
    const list = await this.site.blobs.blockList(expect.cid.toString())
    if (st == null || st.size !== expect.size || list == null || !blockListCid(list).equals(expect.blocks)) return null
    const writer = await this.site.files.receive(expect, list)
    const bsize = blockSize(expect.size)
    const count = blockCount(expect.size)
    // block by block through the store's ranged reads: a local file or an object store alike
    const readBlock = async (i: number): Promise<Buffer> => {
      const pieces: Uint8Array[] = []
      for await (const chunk of this.site.files.read(expect.cid, i * bsize, Math.min(bsize, expect.size - i * bsize))) pieces.push(chunk)
      return Buffer.concat(pieces)
    }
    const intact = (block: Buffer, i: number): boolean => sha256(block).equals(Buffer.from(blockDigest(list, i)))
    try {
      let i = Math.floor(writer.offset / bsize)
      while (i < count) {
        const block = await readBlock(i)
        if (intact(block, i)) {
          await writer.write(block)
          i++
          continue
        }
        // a run of damaged blocks: fetch just those from the partner
        let j = i + 1
        while (j < count && !intact(await readBlock(j), j)) j++
        const offset = i * bsize
        const length = Math.min(expect.size, j * bsize) - offset
        const download = await this.files.fetch(peer, expect.cid, { offset, length, proof })
        try {
          for await (const chunk of download.bytes) {
            await writer.write(chunk)
            onBytes(chunk.byteLength)
          }
        } catch (err) {
          download.abort(err as Error)
          throw err
        }
        i = j
      }
      return await writer.finish()
    } catch (err) {
      await writer.close(true)
      throw err
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

function sha256 (bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest()
}
