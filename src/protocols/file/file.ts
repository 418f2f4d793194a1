/**
 * DEV DOCS — /quire/file/1.0.0.
 * Requester: open stream → FileRequest → read FileResponse → (OK) read exactly the range's bytes
 * (size − offset, or length), then the responder's end of stream. Anything else (a reset, fewer
 * or more bytes) is an error: completeness is explicit, never "the loop ended".
 * Responder: read FileRequest → ask the handler → FileResponse → (OK) send the bytes with
 * backpressure → close. Every phase has a deadline; a transfer idle for IDLE_TIMEOUT_MS is aborted.
 */
import type { Connection, Logger, PeerId, Startable, Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { FileRequest, FileResponse, FileStatus } from '../../../protocols/file.js'
import { HEADER_TIMEOUT_MS, IDLE_TIMEOUT_MS, MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, MAX_SERVING_PER_PEER, MAX_SERVING_TOTAL, PROTOCOL, RECEIVE_HIGH_WATER_BYTES } from './constants.js'
import type { Download, FetchOptions, FileComponents, FileInit, FileTransfer } from './index.js'
import { messageStream, readBytes, readMessage, sendBytes, writeMessage } from '../stream-io.js'
import { InvalidMessageError, ProtocolTimeoutError, RemoteRefusedError, TruncatedStreamError } from '../errors.js'
import { cidFromBytes } from '../../model/cids.js'

export class FileService implements Startable, FileTransfer {
  readonly [Symbol.toStringTag] = 'quire:file'
  private readonly components: FileComponents
  private readonly init: FileInit
  private readonly log: Logger
  private readonly idleTimeout: number
  private readonly servingBy = new Map<string, number>()
  private servingTotal = 0

  constructor (components: FileComponents, init: FileInit) {
    this.components = components
    this.init = init
    this.log = components.logger.forComponent('quire:file')
    this.idleTimeout = init.idleTimeout ?? IDLE_TIMEOUT_MS
    this.handle = this.handle.bind(this)
  }

  async start (): Promise<void> {
    await this.components.registrar.handle(PROTOCOL, this.handle, { maxInboundStreams: MAX_INBOUND_STREAMS, maxOutboundStreams: MAX_OUTBOUND_STREAMS })
  }

  async stop (): Promise<void> {
    await this.components.registrar.unhandle(PROTOCOL)
  }

  serving (): number { return this.servingTotal }

  private async handle (stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer.toString()
    this.init.onInbound?.(from)
    const lp = messageStream(stream, MAX_REQUEST_BYTES)
    const header = AbortSignal.timeout(HEADER_TIMEOUT_MS)
    let counted = false
    try {
      const req = await readMessage(lp, FileRequest, header)
      const cid = cidFromBytes(req.cid)
      const offset = Number(req.offset)
      const length = Number(req.length)
      const respond = async (status: FileStatus, message: string, size = 0n, blocks: Uint8Array = new Uint8Array(0)): Promise<void> => {
        await writeMessage(lp, FileResponse, { status, size, message, blocks: blocks as Uint8Array<ArrayBuffer> }, header)
      }
      if (cid == null || !Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0 || ((req.record == null) !== (req.signature == null))) {
        await respond(FileStatus.BAD_REQUEST, 'bad CID, offset or proof')
        await stream.close({ signal: header })
        return
      }
      if ((this.servingBy.get(from) ?? 0) >= MAX_SERVING_PER_PEER || this.servingTotal >= MAX_SERVING_TOTAL) {
        await respond(FileStatus.BUSY, 'too many transfers; try later')
        await stream.close({ signal: header })
        return
      }
      this.servingBy.set(from, (this.servingBy.get(from) ?? 0) + 1)
      this.servingTotal++
      counted = true
      const handler = this.init.handler.current
      const opened = handler == null
        ? { status: FileStatus.BUSY, message: 'not ready' } as const
        : await handler.open(from, cid, { offset, length }, req.record != null ? { record: req.record, signature: req.signature! } : undefined)
      if (opened.status !== 'ok') {
        await respond(opened.status, opened.message)
        await stream.close({ signal: header })
        return
      }
      await respond(FileStatus.OK, '', BigInt(opened.size), req.wantBlocks ? opened.blockList : undefined)
      const raw = lp.unwrap()
      const idle = new IdleTimer(this.idleTimeout, () => raw.abort(new ProtocolTimeoutError('transfer idle')))
      try {
        for await (const chunk of opened.source) {
          idle.touch()
          await sendBytes(raw, chunk, idle.signal)
        }
        await raw.close({ signal: idle.signal })
      } finally {
        idle.stop()
      }
    } catch (err: any) {
      this.log('file stream from %p failed: %s', connection.remotePeer, err.message)
      stream.abort(err)
    } finally {
      if (counted) {
        this.servingTotal--
        const n = (this.servingBy.get(from) ?? 1) - 1
        if (n <= 0) this.servingBy.delete(from)
        else this.servingBy.set(from, n)
      }
    }
  }

  async fetch (peer: PeerId, cid: CID, opts: FetchOptions = {}): Promise<Download> {
    const offset = opts.offset ?? 0
    const header = AbortSignal.any([AbortSignal.timeout(HEADER_TIMEOUT_MS), ...(opts.signal != null ? [opts.signal] : [])])
    const stream = await this.components.connectionManager.openStream(peer, PROTOCOL, { signal: header })
    let res: FileResponse
    try {
      const lp = messageStream(stream, MAX_RESPONSE_BYTES)
      await writeMessage(lp, FileRequest, {
        cid: cid.bytes,
        offset: BigInt(offset),
        length: BigInt(opts.length ?? 0),
        wantBlocks: opts.wantBlocks === true,
        ...(opts.proof != null ? { record: opts.proof.record as Uint8Array<ArrayBuffer>, signature: opts.proof.signature as Uint8Array<ArrayBuffer> } : {})
      }, header)
      res = await readMessage(lp, FileResponse, header)
      if (res.status !== FileStatus.OK) {
        await stream.close({ signal: header }).catch(() => {})
        throw new RemoteRefusedError(res.status, `peer ${peer.toString()} refused ${cid.toString()}: ${res.status}${res.message !== '' ? ` (${res.message})` : ''}`)
      }
      lp.unwrap()
    } catch (err: any) {
      stream.abort(err)
      throw err
    }
    const size = Number(res.size)
    const length = opts.length != null && opts.length > 0 ? opts.length : size - offset
    if (!Number.isSafeInteger(size) || size < offset + length) {
      stream.abort(new InvalidMessageError('bad size'))
      throw new InvalidMessageError(`peer announced size ${res.size} for ${length} bytes from ${offset}`)
    }
    const blockList = opts.wantBlocks === true ? res.blocks : null
    return { size, blockList, bytes: this.receive(stream, length, opts.signal), abort: (err) => stream.abort(err) }
  }

  private async * receive (stream: Stream, expected: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    const idle = new IdleTimer(this.idleTimeout, () => stream.abort(new ProtocolTimeoutError('transfer idle')))
    const onAbort = (): void => { stream.abort(signal?.reason ?? new ProtocolTimeoutError('aborted')) }
    signal?.addEventListener('abort', onAbort)
    let got = 0
    try {
      for await (const chunk of readBytes(stream, RECEIVE_HIGH_WATER_BYTES)) {
        idle.touch()
        got += chunk.byteLength
        if (got > expected) throw new InvalidMessageError(`peer sent more than the ${expected} bytes announced`)
        yield chunk
      }
      if (got !== expected) throw new TruncatedStreamError(`stream ended after ${got} of ${expected} bytes`)
      await stream.close().catch(() => {})
    } catch (err: any) {
      stream.abort(err)
      throw err
    } finally {
      idle.stop()
      signal?.removeEventListener('abort', onAbort)
    }
  }
}

/** Fires `onIdle` when `touch()` has not been called for `ms`; also a signal for awaited writes. */
class IdleTimer {
  private readonly controller = new AbortController()
  private readonly timer: NodeJS.Timeout
  private readonly onIdle: () => void

  constructor (ms: number, onIdle: () => void) {
    this.onIdle = onIdle
    this.timer = setTimeout(() => this.fire(), ms)
  }

  get signal (): AbortSignal { return this.controller.signal }

  touch (): void {
    this.timer.refresh()
  }

  stop (): void {
    clearTimeout(this.timer)
  }

  private fire (): void {
    this.controller.abort(new ProtocolTimeoutError('transfer idle'))
    this.onIdle()
  }
}

