/**
 * Serving data files to partners: who may have which file (protocols/file.md#eligibility).
 * A partner may fetch a file if some document naming it would be sent to it with data under this
 * node's row for it (replicate + datareplicate, and hub for documents homed elsewhere).
 * A whole-file read is hashed on the way out: bytes that do not match their CID end the stream
 * with an error instead of a clean close, so they can never complete as good at the receiver.
 */
import { createHash } from 'node:crypto'
import type { CID } from 'multiformats/cid'
import type { Site } from '../site.js'
import type { FileHandler, OpenResult, RepairProof } from '../protocols/file/index.js'
import { FileStatus } from '../protocols/file/index.js'
import { mayServeData } from '../model/sending-policy.js'
import { rawCidFromDigest } from '../model/cids.js'
import { RecordError, verifyRevision } from '../model/record.js'
import type { ReplicationStats } from './stats.js'

export class DamagedFileError extends Error {
  static readonly name = 'DamagedFileError'
  constructor (cid: string) {
    super(`stored file ${cid} does not match its content ID`)
    this.name = 'DamagedFileError'
  }
}

export function fileServer (site: Site, stats: ReplicationStats, onDamaged: (cid: string) => void): FileHandler {
  return {
    async open (from: string, cid: CID, offset: number, proof?: RepairProof): Promise<OpenResult> {
      const key = cid.toString()
      const eligible = proof != null
        ? await repairEligible(site, from, key, proof)
        : mayServeData(site.peerId, site.peers.get(from), await site.docs.docsForCid(key))
      if (!eligible) return { status: FileStatus.NOT_ELIGIBLE, message: 'not eligible for this file' }
      // quarantine: a copy found damaged is never served as good
      if (site.blobs.isDamaged(key)) return { status: FileStatus.DAMAGED, message: 'this node\'s copy is damaged' }
      const st = await site.files.stat(cid)
      if (st == null) return { status: FileStatus.NOT_FOUND, message: 'not stored here' }
      const counters = stats.of(from)
      async function * source (): AsyncIterable<Uint8Array> {
        const hash = offset === 0 ? createHash('sha256') : null
        let sent = 0
        for await (const chunk of site.files.read(cid, offset)) {
          hash?.update(chunk)
          sent += chunk.byteLength
          yield chunk
        }
        if (offset + sent !== st!.size || (hash != null && !rawCidFromDigest(hash.digest()).equals(cid))) {
          await site.blobs.markDamaged(key, offset + sent < st!.size ? 'truncated' : 'hash-mismatch', st!.size)
          onDamaged(key)
          throw new DamagedFileError(key)
        }
        counters.filesServed++
        counters.bytesServed += sent
      }
      return { status: 'ok', size: st.size, source: source() }
    }
  }
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
