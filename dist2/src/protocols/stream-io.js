import { StreamResetError } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { InvalidMessageError, ProtocolTimeoutError } from './errors.js';
/**
 * What may still arrive after a stream is paused: one yamux window (16 MiB at most) plus what the
 * socket and Noise buffers hold. 32 MiB was measured as the high mark and was exceeded under load,
 * which resets the stream; twice that leaves room.
 */
export const MAX_PAUSED_BUFFER_BYTES = 64 << 20;
/** A length-prefixed message stream whose frames may not exceed `maxFrame` bytes. */
export function messageStream(stream, maxFrame) {
    return lpStream(stream, { maxDataLength: maxFrame, maxBufferSize: maxFrame + 16 });
}
export async function readMessage(lp, codec, signal, limits) {
    let frame;
    try {
        frame = await lp.read({ signal });
    }
    catch (err) {
        if (signal.aborted)
            throw new ProtocolTimeoutError('timed out waiting for a message');
        if (/length|Invalid/i.test(String(err?.name)) || /length/i.test(String(err?.message)))
            throw new InvalidMessageError(`bad frame: ${err.message}`);
        throw err;
    }
    try {
        return codec.decode(frame, limits != null ? { limits } : undefined);
    }
    catch (err) {
        throw new InvalidMessageError(`cannot decode message: ${err.message}`);
    }
}
export async function writeMessage(lp, codec, msg, signal) {
    await lp.write(codec.encode(msg), { signal });
}
/** Wait for the stream's next 'drain', failing if it closes or the signal fires. */
export async function nextDrain(stream, signal) {
    await new Promise((resolve, reject) => {
        const off = () => {
            stream.removeEventListener('drain', onDrain);
            stream.removeEventListener('close', onClose);
            signal?.removeEventListener('abort', onAbort);
        };
        const onDrain = () => { off(); resolve(); };
        const onClose = (evt) => { off(); reject(evt.error ?? new StreamResetError('stream closed while waiting to write')); };
        const onAbort = () => { off(); reject(signal?.reason ?? new ProtocolTimeoutError()); };
        stream.addEventListener('drain', onDrain);
        stream.addEventListener('close', onClose);
        signal?.addEventListener('abort', onAbort);
    });
}
/** Send bytes, honouring backpressure. */
export async function sendBytes(stream, chunk, signal) {
    if (!stream.send(chunk))
        await nextDrain(stream, signal);
}
/**
 * Count every byte the muxer hands to `stream` from now on — read by the application or not: also
 * what sits parked while the stream is paused, which an abort throws away unread. (A yamux frame
 * still arriving when the connection breaks is not counted: senders keep frames small.) False if
 * the stream does not expose the hook; the caller then counts what it reads.
 */
export function countIncoming(stream, onReceived) {
    const target = stream;
    const original = target.onData;
    if (typeof original !== 'function')
        return false;
    target.onData = (data) => {
        onReceived(data.byteLength);
        original.call(stream, data);
    };
    return true;
}
/**
 * Stop a stream's incoming bytes until a reader takes them (readBytes resumes it). Call it as soon
 * as a header has been read and the body may follow while other work runs first: with no reader
 * and no pause, yamux keeps granting window, the bytes pile up in the stream's read buffer and,
 * past its limit, the stream is reset. Paused, at most one window (16 MiB) still arrives, and the
 * buffer is made room for it.
 */
export function holdIncoming(stream) {
    roomWhilePaused(stream);
    if (stream.readStatus === 'readable')
        stream.pause();
}
/** While paused, up to one yamux window can still arrive: room for it, so a pause never resets. */
function roomWhilePaused(stream) {
    stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, MAX_PAUSED_BUFFER_BYTES);
}
/**
 * The stream's incoming bytes with end-to-end backpressure: while more than `highWater` bytes wait
 * for the consumer the stream is paused, which makes yamux withhold window updates from the
 * sender. Ends when the remote closes its write side and every byte was delivered; throws if the
 * stream is reset or aborted (a reset must never read as a clean end).
 */
export async function* readBytes(stream, highWater = 1 << 20, onReceived) {
    roomWhilePaused(stream);
    const queue = [];
    let queued = 0;
    let ended = stream.readableEnded;
    let failure;
    let wake;
    const notify = () => { const w = wake; wake = undefined; w?.(); };
    let pausing = false;
    const pauseIfFull = () => {
        pausing = false;
        if (queued > highWater && stream.readStatus === 'readable')
            stream.pause();
    };
    const onMessage = (evt) => {
        // a list (what a resume dispatches: everything parked while paused) is taken chunk by chunk,
        // not copied into one buffer
        for (const d of evt.data instanceof Uint8Array ? [evt.data] : evt.data) {
            queue.push(d);
            queued += d.byteLength;
            onReceived?.(d.byteLength);
        }
        // Pause after the dispatch that brought these bytes, never inside it: resume() dispatches the
        // parked bytes and only then tells yamux to resume, so a pause made during that dispatch
        // would leave yamux granting window while the stream reads as paused — and pause() is a no-op
        // on a stream already paused, so backpressure would be gone for good (seen as a read buffer
        // past MAX_PAUSED_BUFFER_BYTES and a reset on a 512 MiB transfer).
        if (queued > highWater && !pausing) {
            pausing = true;
            queueMicrotask(pauseIfFull);
        }
        notify();
    };
    const onEnd = () => { ended = true; notify(); };
    const onClose = (evt) => {
        if (evt.error != null)
            failure = evt.error;
        else if (stream.readBufferLength === 0)
            ended = true;
        notify();
    };
    stream.addEventListener('message', onMessage);
    stream.addEventListener('end', onEnd);
    stream.addEventListener('close', onClose);
    // held by holdIncoming (or paused by an earlier reader): let the bytes flow to us now
    if (stream.readStatus === 'paused')
        stream.resume();
    const broken = () => stream.status === 'reset' || stream.status === 'aborted';
    try {
        while (true) {
            if (failure != null)
                throw failure;
            const d = queue.shift();
            if (d != null) {
                queued -= d.byteLength;
                if (queued <= highWater / 2 && stream.readStatus === 'paused')
                    stream.resume();
                yield d;
                continue;
            }
            if (stream.readBufferLength > 0) {
                // bytes parked in the stream (paused, or queued before our listener): let them flow
                if (stream.readStatus === 'paused')
                    stream.resume();
                else
                    await new Promise(resolve => setTimeout(resolve, 0));
                continue;
            }
            if (broken())
                throw failure ?? new StreamResetError('stream reset');
            if (ended || stream.readableEnded)
                return;
            await new Promise(resolve => { wake = resolve; });
        }
    }
    finally {
        stream.removeEventListener('message', onMessage);
        stream.removeEventListener('end', onEnd);
        stream.removeEventListener('close', onClose);
    }
}
/** Fires `onIdle` when `touch()` has not been called for `ms`; also a signal for awaited writes. */
export class IdleTimer {
    controller = new AbortController();
    timer;
    onIdle;
    what;
    constructor(ms, onIdle = () => { }, what = 'transfer idle') {
        this.onIdle = onIdle;
        this.what = what;
        this.timer = setTimeout(() => this.fire(), ms);
    }
    get signal() { return this.controller.signal; }
    touch() {
        this.timer.refresh();
    }
    stop() {
        clearTimeout(this.timer);
    }
    fire() {
        this.controller.abort(new ProtocolTimeoutError(this.what));
        this.onIdle();
    }
}
//# sourceMappingURL=stream-io.js.map