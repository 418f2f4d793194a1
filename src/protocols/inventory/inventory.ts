import type { Connection, Logger, PeerId, Startable, Stream } from '@libp2p/interface'
import { Request, Response, Status, type Batch, type Entry, type Pull, type Verdict } from '../../../protocols/inventory.js'
import { MAX_ENTRIES, MAX_FRAME_BYTES, MAX_INBOUND_STREAMS, MAX_NAMESPACES, MAX_OUTBOUND_STREAMS, PROTOCOL, REQUEST_TIMEOUT_MS } from './constants.js'
import type { Inventory, InventoryComponents, InventoryInit } from './index.js'
import { messageStream, readMessage, writeMessage } from '../stream-io.js'
import { InvalidMessageError, RemoteRefusedError } from '../errors.js'
import { crashPoint } from '../../faults.js'

/** Field limits of an inbound Request, and of the Response to ours (the fuzz tests use them too). */
export const REQUEST_LIMITS = { push: { entries: MAX_ENTRIES }, pull: { namespaces: MAX_NAMESPACES } }
export const RESPONSE_LIMITS = { verdicts: MAX_ENTRIES, batch: { entries: MAX_ENTRIES } }

export class InventoryService implements Startable, Inventory {
  readonly [Symbol.toStringTag] = 'quire:inventory'
  private readonly components: InventoryComponents
  private readonly init: InventoryInit
  private readonly log: Logger
  private readonly timeout: number

  constructor (components: InventoryComponents, init: InventoryInit) {
    this.components = components
    this.init = init
    this.log = components.logger.forComponent('quire:inventory')
    this.timeout = init.timeout ?? REQUEST_TIMEOUT_MS
    this.handle = this.handle.bind(this)
  }

  async start (): Promise<void> {
    await this.components.registrar.handle(PROTOCOL, this.handle, { maxInboundStreams: MAX_INBOUND_STREAMS, maxOutboundStreams: MAX_OUTBOUND_STREAMS })
  }

  async stop (): Promise<void> {
    await this.components.registrar.unhandle(PROTOCOL)
  }

  private async handle (stream: Stream, connection: Connection): Promise<void> {
    const lp = messageStream(stream, MAX_FRAME_BYTES)
    const signal = AbortSignal.timeout(this.timeout)
    const from = connection.remotePeer.toString()
    this.init.onInbound?.(from)
    try {
      const req = await readMessage(lp, Request, signal, REQUEST_LIMITS)
      const handler = this.init.handler.current
      let res: Response
      if (handler == null) {
        res = { status: Status.ERROR, message: 'not ready', verdicts: [] }
      } else if ((req.push == null) === (req.pull == null)) {
        res = { status: Status.BAD_REQUEST, message: 'a request carries exactly one of push, pull', verdicts: [] }
      } else if (req.push != null) {
        const verdicts = await handler.onPush(from, req.push.entries)
        res = { status: Status.OK, message: '', verdicts }
      } else {
        res = { status: Status.OK, message: '', verdicts: [], batch: await handler.onPull(from, req.pull!) }
      }
      await writeMessage(lp, Response, res, signal)
      // failure tests: the receiver dies right after it acknowledged a push (verdicts sent)
      if (req.push != null && handler != null) crashPoint('ack.sent')
      await stream.close({ signal })
    } catch (err: any) {
      this.log('inventory stream from %p failed: %s', connection.remotePeer, err.message)
      if (err instanceof InvalidMessageError) {
        // tell a confused (not hostile) peer why, then reset
        await writeMessage(lp, Response, { status: Status.BAD_REQUEST, message: err.message, verdicts: [] }, AbortSignal.timeout(1000)).catch(() => {})
      }
      stream.abort(err)
    }
  }

  private async request (peer: PeerId, req: Request, signal?: AbortSignal): Promise<Response> {
    const deadline = AbortSignal.any([AbortSignal.timeout(this.timeout), ...(signal != null ? [signal] : [])])
    const stream = await this.components.connectionManager.openStream(peer, PROTOCOL, { signal: deadline })
    try {
      const lp = messageStream(stream, MAX_FRAME_BYTES)
      await writeMessage(lp, Request, req, deadline)
      const res = await readMessage(lp, Response, deadline, RESPONSE_LIMITS)
      await stream.close({ signal: deadline })
      if (res.status !== Status.OK) throw new RemoteRefusedError(res.status, `peer refused: ${res.status} ${res.message}`)
      return res
    } catch (err: any) {
      stream.abort(err)
      throw err
    }
  }

  async push (peer: PeerId, entries: Entry[], signal?: AbortSignal): Promise<Verdict[]> {
    const res = await this.request(peer, { push: { entries } }, signal)
    if (res.verdicts.length !== entries.length) throw new InvalidMessageError(`peer sent ${res.verdicts.length} verdicts for ${entries.length} entries`)
    return res.verdicts
  }

  async pull (peer: PeerId, pull: Pull, signal?: AbortSignal): Promise<Batch> {
    const res = await this.request(peer, { pull }, signal)
    if (res.batch == null) throw new InvalidMessageError('peer answered a pull without a batch')
    return res.batch
  }
}
