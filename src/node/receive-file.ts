/**
 * Receiving a data file from a partner (fetches and repairs): resumable and verified block by
 * block against the block list the signed record names (store/file-store.ts FileWriter).
 * If a staged part of this file is already here, the transfer asks only for the rest; the first
 * request of a file also asks for its block list, checked against the record before any byte is
 * taken. A broken transfer keeps its verified prefix; a disk that fills up loses it (nothing is
 * left half-written when space is short).
 */
import type { PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { Site } from '../site.js'
import type { FileTransfer, RepairProof } from '../protocols/file/index.js'
import { FileMismatchError, type BlobRef, type FileWriter } from '../store/file-store.js'
import { QuireError } from '../errors.js'

export interface Expected { cid: CID, size: number, blocks: CID }

export interface ReceiveOptions {
  proof?: RepairProof
  signal?: AbortSignal
  /** bytes read from the network (counted as they arrive, also those a broken transfer never used) */
  onBytes?: (n: number) => void
  /** a staged prefix of this many verified bytes was kept: the transfer resumes after it */
  onResume?: (offset: number) => void
}

export class DiskFullError extends QuireError {
  static readonly name: string = 'DiskFullError'
  constructor (cid: string) { super(`the disk filled up while receiving ${cid}; its staged part was removed`, 'disk-full', 1) }
}

export async function receiveFile (site: Site, client: FileTransfer, peer: PeerId, expect: Expected, opts: ReceiveOptions = {}): Promise<BlobRef> {
  const list = await site.files.stagedBlockList(expect)
  let writer: FileWriter | null = list != null ? await site.files.receive(expect, list) : null
  let download
  try {
    if (writer != null && writer.offset === expect.size) return await writer.finish()
    download = await client.fetch(peer, expect.cid, { offset: writer?.offset ?? 0, wantBlocks: writer == null, proof: opts.proof, signal: opts.signal, onReceived: opts.onBytes })
  } catch (err) {
    await writer?.close(true)
    throw err
  }
  try {
    if (download.size !== expect.size) throw new FileMismatchError(`the partner's copy is ${download.size} bytes, the record says ${expect.size}`)
    writer ??= await site.files.receive(expect, download.blockList ?? new Uint8Array(0))
    if (writer.offset > 0) opts.onResume?.(writer.offset)
    for await (const chunk of download.bytes) await writer.write(chunk)
    return await writer.finish()
  } catch (err: any) {
    download.abort(err)
    const full = err?.code === 'ENOSPC'
    await writer?.close(!full)
    if (full) throw new DiskFullError(expect.cid.toString())
    throw err
  }
}
