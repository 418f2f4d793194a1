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
import type { FileHandler, OpenResult } from '../protocols/file/index.js'
import { FileStatus } from '../protocols/file/index.js'
import { mayServeData } from '../model/sending-policy.js'
import { rawCidFromDigest } from '../model/cids.js'
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
    async open (from: string, cid: CID, offset: number): Promise<OpenResult> {
      const key = cid.toString()
      const docs = await site.docs.docsForCid(key)
      if (!mayServeData(site.peerId, site.peers.get(from), docs)) return { status: FileStatus.NOT_ELIGIBLE, message: 'not eligible for this file' }
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
