/**
 * Serving data files to partners (protocols/file.md#eligibility, #repair).
 * Who: a partner may fetch a file if some document naming it would be sent to it with data under
 * this node's row for it (model/sending-policy.ts), or — for a repair — if it presents a validly
 * signed record naming the file. What: any block-aligned range, each block checked against the
 * file's block list before it is sent. A block that does not match marks the file damaged
 * (quarantine) and aborts the stream, so bad bytes never complete as good anywhere.
 */
import type { CID } from 'multiformats/cid'
import type { Site } from '../site.js'
import type { FileHandler, FileRange, OpenResult, RepairProof } from '../protocols/file/index.js'
import { FileStatus } from '../protocols/file/index.js'
import { mayServeData } from '../model/sending-policy.js'
import { createHash } from 'node:crypto'
import { blockCount, blockDigest, blockSize } from '../model/blocks.js'
import { RecordError, verifyRevision } from '../model/record.js'
import { adoptStored } from '../store/audit.js'
import type { ReplicationStats } from './stats.js'

/** Largest copy hashed whole before a repair is answered (~0.3 s at 1.7 GB/s). */
export const REPAIR_PRECHECK_MAX_BYTES = 512 * 1024 * 1024
/** The answer for a copy this node holds but found damaged (quarantined: never served as good). */
const DAMAGED = { status: FileStatus.DAMAGED, message: 'this node\'s copy is damaged' } as const

export class DamagedFileError extends Error {
  static readonly name = 'DamagedFileError'
  constructor (cid: string, detail: string) {
    super(`stored file ${cid} is damaged: ${detail}`)
    this.name = 'DamagedFileError'
  }
}

export function fileServer (site: Site, stats: ReplicationStats, onDamaged: (cid: string) => void): FileHandler {
  return {
    async open (from: string, cid: CID, range: FileRange, proof?: RepairProof): Promise<OpenResult> {
      const key = cid.toString()
      const eligible = proof != null
        ? await repairEligible(site, from, key, proof)
        : mayServeData(site.peerId, site.peers.get(from), await site.docs.docsForCid(key))
      if (!eligible) return { status: FileStatus.NOT_ELIGIBLE, message: 'not eligible for this file' }
      // quarantine: a copy found damaged is never served as good
      if (site.blobs.isDamaged(key)) return DAMAGED
      const st = await site.files.stat(cid)
      if (st == null) return { status: FileStatus.NOT_FOUND, message: 'not stored here' }
      const info = await site.blobs.get(key)
      const size = info?.size ?? st.size
      const quarantine = async (reason: 'truncated' | 'hash-mismatch'): Promise<void> => {
        await site.blobs.markDamaged(key, reason, size)
        onDamaged(key)
      }
      if (st.size !== size) {
        await quarantine(st.size < size ? 'truncated' : 'hash-mismatch')
        return DAMAGED
      }
      const bsize = blockSize(size)
      const end = range.length > 0 ? range.offset + range.length : size
      if (range.offset % bsize !== 0 || end > size || (end % bsize !== 0 && end !== size) || range.offset > end) {
        return { status: FileStatus.BAD_REQUEST, message: `range ${range.offset}+${range.length} is not block-aligned within ${size} bytes (blocks of ${bsize})` }
      }
      const blockList = await blockListOf(site, cid, size)
      // a repair must not start from a bad copy: check the whole file before saying yes — where that
      // fits well within the requester's header deadline; a larger copy is checked block by block
      // as it is sent (a bad block aborts the transfer and quarantines the copy all the same)
      const precheck = proof != null && end - range.offset <= REPAIR_PRECHECK_MAX_BYTES
      if (blockList == null || (precheck && !(await rangeIsGood(site, cid, blockList, size, range.offset, end)))) {
        await quarantine('hash-mismatch')
        return DAMAGED
      }
      const counters = stats.of(from)
      // the size matched above: what goes wrong while sending is a hash mismatch (or a file that
      // shrank, which reads as one too)
      const damaged = async (detail: string): Promise<never> => {
        await quarantine('hash-mismatch')
        throw new DamagedFileError(key, detail)
      }
      async function * source (): AsyncIterable<Uint8Array> {
        let index = range.offset / bsize
        let block: Uint8Array[] = []
        let inBlock = 0
        let sent = 0
        const blockLen = (i: number): number => Math.min(bsize, size - i * bsize)
        for await (const chunk of site.files.read(cid, range.offset, end - range.offset)) {
          let off = 0
          while (off < chunk.byteLength) {
            const take = Math.min(blockLen(index) - inBlock, chunk.byteLength - off)
            block.push(chunk.subarray(off, off + take))
            inBlock += take
            off += take
            if (inBlock === blockLen(index)) {
              const h = createHash('sha256')
              for (const part of block) h.update(part)
              if (!h.digest().equals(blockDigest(blockList!, index))) await damaged(`block ${index} does not match`)
              for (const part of block) yield part
              sent += inBlock
              block = []
              inBlock = 0
              index++
            }
          }
        }
        if (inBlock > 0 || range.offset + sent !== end) await damaged(`only ${range.offset + sent} of ${end} bytes could be read`)
        counters.filesServed++
        counters.bytesServed += sent
      }
      return { status: 'ok', size, blockList, source: source() }
    }
  }
}

/** The file's block list from the index; computed from the file if missing (a file adopted by an audit). Null if the file does not match its CID. */
async function blockListOf (site: Site, cid: CID, size: number): Promise<Uint8Array | null> {
  const known = await site.blobs.blockList(cid.toString())
  if (known != null && known.byteLength === blockCount(size) * 32) return known
  const hashed = await adoptStored(site, cid)
  return hashed.ok ? hashed.blockList : null
}

/**
 * The repair rule (protocols/file.md#repair): any listed peer that presents a validly signed
 * record naming this content ID may fetch it, whatever our row's flags — the source site of a
 * one-way network must be able to repair from its mirrors.
 */
async function repairEligible (site: Site, from: string, cid: string, proof: RepairProof): Promise<boolean> {
  if (!site.peers.has(from)) return false
  try {
    const v = await verifyRevision({ bytes: proof.record, signature: proof.signature })
    return v.revision.data?.cid.toString() === cid
  } catch (err) {
    if (err instanceof RecordError) return false
    throw err
  }
}

/** Do the blocks of [offset, end) match the block list? (repairs check before they answer) */
async function rangeIsGood (site: Site, cid: CID, blockList: Uint8Array, size: number, offset: number, end: number): Promise<boolean> {
  const bsize = blockSize(size)
  let index = offset / bsize
  let h = createHash('sha256')
  let inBlock = 0
  let total = 0
  for await (const chunk of site.files.read(cid, offset, end - offset)) {
    total += chunk.byteLength
    let off = 0
    while (off < chunk.byteLength) {
      const len = Math.min(bsize, size - index * bsize)
      const take = Math.min(len - inBlock, chunk.byteLength - off)
      h.update(chunk.subarray(off, off + take))
      inBlock += take
      off += take
      if (inBlock === len) {
        if (!h.digest().equals(blockDigest(blockList, index))) return false
        h = createHash('sha256')
        inBlock = 0
        index++
      }
    }
  }
  return inBlock === 0 && total === end - offset
}
