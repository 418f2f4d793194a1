/**
 * Reading and writing libp2p v3 streams safely (see shared notes, libp2p-v3.md §4):
 * - messages: length-prefixed protobuf with an explicit frame cap, decoded with field limits, any
 *   decode failure turned into InvalidMessageError;
 * - bulk bytes: a reader that pauses the stream while the consumer is behind, so yamux stops
 *   granting window and memory stays bounded (a plain `for await` buffers the whole transfer);
 * - writes: wait for the 'drain' event when the muxer is full (`onDrain()` resolves only once).
 */
import type { Stream } from '@libp2p/interface'
import { StreamResetError } from '@libp2p/interface'
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { InvalidMessageError, ProtocolTimeoutError, TruncatedStreamError } from './errors.js'
import './protons-fix.js'

export interface Codec<T> {
  decode: (buf: Uint8Array | Uint8ArrayList, opts?: { limits?: any }) => T
  encode: (obj: T) => Uint8Array
}

/**
 * What may still arrive after a stream is paused: one yamux window (16 MiB at most) plus what the
 * socket and Noise buffers hold. 32 MiB was measured as the high mark and was exceeded under load,
 * which resets the stream; twice that leaves room.
 */
export const MAX_PAUSED_BUFFER_BYTES = 64 << 20

/** A length-prefixed message stream whose frames may not exceed `maxFrame` bytes. */
export function messageStream (stream: Stream, maxFrame: number): LengthPrefixedStream<Stream> {
  return lpStream(stream, { maxDataLength: maxFrame, maxBufferSize: maxFrame + 16, lengthDecoder: boundedLength(maxFrame) })
}

/**
 * The varint decoder for frame lengths: @libp2p/utils' lpStream reads a length prefix a byte at a
 * time and takes a RangeError from the decoder to mean "not complete yet", and the stock decoder
 * throws a RangeError for a prefix that can never complete too (continuation bits on every byte,
 * or a value past 2^53). So a prefix of 2^64−1, or endless 0x80 bytes, was read until the stream's
 * deadline, buffering every byte (battery S6). This one fails at once — with an InvalidMessageError,
 * not a RangeError — once the prefix is longer than a frame of at most `maxFrame` bytes needs.
 */
export function boundedLength (maxFrame: number): (buf: Uint8ArrayList | Uint8Array) => number {
  let maxBytes = 1
  while (2 ** (7 * maxBytes) <= maxFrame) maxBytes++
  return (buf) => {
    let value = 0
    for (let i = 0; i < buf.byteLength; i++) {
      if (i >= maxBytes) throw new InvalidMessageError(`frame length prefix longer than ${maxBytes} bytes`)
      const b = buf instanceof Uint8Array ? buf[i] : buf.get(i)
      value += (b & 0x7f) * 2 ** (7 * i)
      if ((b & 0x80) === 0) return value
    }
    throw new RangeError('length prefix not complete yet')
  }
}

export async function readMessage<T> (lp: LengthPrefixedStream<Stream>, codec: Codec<T>, signal: AbortSignal, limits?: Record<string, unknown>): Promise<T> {
  let frame: Uint8ArrayList
  try {
    frame = await lp.read({ signal })
  } catch (err: any) {
    if (signal.aborted) throw new ProtocolTimeoutError('timed out waiting for a message')
    if (/length|Invalid/i.test(String(err?.name)) || /length/i.test(String(err?.message))) throw new InvalidMessageError(`bad frame: ${err.message}`)
    // the peer closed mid-frame (or before one): a typed protocol error, not libp2p's internal one
    if (err?.name === 'UnexpectedEOFError') throw new TruncatedStreamError(`stream ended inside a message: ${err.message}`)
    throw err
  }
  return decodeMessage(codec, frame, limits)
}

/** Decode one frame's message: the value, or InvalidMessageError whatever the bytes (the fuzz target). */
export function decodeMessage<T> (codec: Codec<T>, frame: Uint8Array | Uint8ArrayList, limits?: Record<string, unknown>): T {
  try {
    // strings that are not valid UTF-8 throw here too (protons-fix.ts)
    return codec.decode(frame, limits != null ? { limits } : undefined)
  } catch (err: any) {
    throw new InvalidMessageError(`cannot decode message: ${err.message}`)
  }
}

export async function writeMessage<T> (lp: LengthPrefixedStream<Stream>, codec: Codec<T>, msg: T, signal: AbortSignal): Promise<void> {
  await lp.write(codec.encode(msg), { signal })
}

/** Wait for the stream's next 'drain', failing if it closes or the signal fires. */
export async function nextDrain (stream: Stream, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const off = (): void => {
      stream.removeEventListener('drain', onDrain)
      stream.removeEventListener('close', onClose)
      signal?.removeEventListener('abort', onAbort)
    }
    const onDrain = (): void => { off(); resolve() }
    const onClose = (evt: any): void => { off(); reject(evt.error ?? new StreamResetError('stream closed while waiting to write')) }
    const onAbort = (): void => { off(); reject(signal?.reason ?? new ProtocolTimeoutError()) }
    stream.addEventListener('drain', onDrain)
    stream.addEventListener('close', onClose)
    signal?.addEventListener('abort', onAbort)
  })
}

/** Send bytes, honouring backpressure. */
export async function sendBytes (stream: Stream, chunk: Uint8Array, signal?: AbortSignal): Promise<void> {
  if (!stream.send(chunk)) await nextDrain(stream, signal)
}

/**
 * Count every byte the muxer hands to `stream` from now on — read by the application or not: also
 * what sits parked while the stream is paused, which an abort throws away unread. (A yamux frame
 * still arriving when the connection breaks is not counted: senders keep frames small.) False if
 * the stream does not expose the hook; the caller then counts what it reads.
 */
export function countIncoming (stream: Stream, onReceived: (n: number) => void): boolean {
  const target = stream as unknown as { onData?: (data: Uint8Array | Uint8ArrayList) => void }
  const original = target.onData
  if (typeof original !== 'function') return false
  target.onData = (data) => {
    onReceived(data.byteLength)
    original.call(stream, data)
  }
  return true
}

/**
 * Stop a stream's incoming bytes until a reader takes them (readBytes resumes it). Call it as soon
 * as a header has been read and the body may follow while other work runs first: with no reader
 * and no pause, yamux keeps granting window, the bytes pile up in the stream's read buffer and,
 * past its limit, the stream is reset. Paused, at most one window (16 MiB) still arrives, and the
 * buffer is made room for it.
 */
export function holdIncoming (stream: Stream): void {
  roomWhilePaused(stream)
  if (stream.readStatus === 'readable') stream.pause()
}

/** While paused, up to one yamux window can still arrive: room for it, so a pause never resets. */
function roomWhilePaused (stream: Stream): void {
  stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, MAX_PAUSED_BUFFER_BYTES)
}

/**
 * The stream's incoming bytes with end-to-end backpressure: while more than `highWater` bytes wait
 * for the consumer the stream is paused, which makes yamux withhold window updates from the
 * sender. Ends when the remote closes its write side and every byte was delivered; throws if the
 * stream is reset or aborted (a reset must never read as a clean end).
 */
export async function * readBytes (stream: Stream, highWater = 1 << 20, onReceived?: (n: number) => void): AsyncGenerator<Uint8Array> {
  roomWhilePaused(stream)
  const queue: Uint8Array[] = []
  let queued = 0
  let ended = stream.readableEnded
  let failure: Error | undefined
  let wake: (() => void) | undefined
  const notify = (): void => { const w = wake; wake = undefined; w?.() }
  let pausing = false
  const pauseIfFull = (): void => {
    pausing = false
    if (queued > highWater && stream.readStatus === 'readable') stream.pause()
  }
  const onMessage = (evt: { data: Uint8Array | Uint8ArrayList }): void => {
    // a list (what a resume dispatches: everything parked while paused) is taken chunk by chunk,
    // not copied into one buffer
    for (const d of evt.data instanceof Uint8Array ? [evt.data] : evt.data) {
      queue.push(d)
      queued += d.byteLength
      onReceived?.(d.byteLength)
    }
    // Pause after the dispatch that brought these bytes, never inside it: resume() dispatches the
    // parked bytes and only then tells yamux to resume, so a pause made during that dispatch
    // would leave yamux granting window while the stream reads as paused — and pause() is a no-op
    // on a stream already paused, so backpressure would be gone for good (seen as a read buffer
    // past MAX_PAUSED_BUFFER_BYTES and a reset on a 512 MiB transfer).
    if (queued > highWater && !pausing) { pausing = true; queueMicrotask(pauseIfFull) }
    notify()
  }
  const onEnd = (): void => { ended = true; notify() }
  const onClose = (evt: any): void => {
    if (evt.error != null) failure = evt.error
    else if (stream.readBufferLength === 0) ended = true
    notify()
  }
  stream.addEventListener('message', onMessage)
  stream.addEventListener('end', onEnd)
  stream.addEventListener('close', onClose)
  // held by holdIncoming (or paused by an earlier reader): let the bytes flow to us now
  if (stream.readStatus === 'paused') stream.resume()
  const broken = (): boolean => stream.status === 'reset' || stream.status === 'aborted'
  try {
    while (true) {
      if (failure != null) throw failure
      const d = queue.shift()
      if (d != null) {
        queued -= d.byteLength
        if (queued <= highWater / 2 && stream.readStatus === 'paused') stream.resume()
        yield d
        continue
      }
      if (stream.readBufferLength > 0) {
        // bytes parked in the stream (paused, or queued before our listener): let them flow
        if (stream.readStatus === 'paused') stream.resume()
        else await new Promise<void>(resolve => setTimeout(resolve, 0))
        continue
      }
      if (broken()) throw failure ?? new StreamResetError('stream reset')
      if (ended || stream.readableEnded) return
      await new Promise<void>(resolve => { wake = resolve })
    }
  } finally {
    stream.removeEventListener('message', onMessage)
    stream.removeEventListener('end', onEnd)
    stream.removeEventListener('close', onClose)
  }
}

/** Fires `onIdle` when `touch()` has not been called for `ms`; also a signal for awaited writes. */
export class IdleTimer {
  private readonly controller = new AbortController()
  private readonly timer: NodeJS.Timeout
  private readonly onIdle: () => void
  private readonly what: string

  constructor (ms: number, onIdle: () => void = () => {}, what = 'transfer idle') {
    this.onIdle = onIdle
    this.what = what
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
    this.controller.abort(new ProtocolTimeoutError(this.what))
    this.onIdle()
  }
}
