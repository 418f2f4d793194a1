import { Queue } from '@libp2p/utils';
import { LockRequest, LockResponse, LockStatus } from '../../../protocols/lock.js';
import { MAX_FRAME_BYTES, MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS, PROTOCOL, REQUEST_TIMEOUT_MS, UPLOAD_IDLE_TIMEOUT_MS } from './constants.js';
import { IdleTimer, messageStream, readBytes, readMessage, sendBytes, writeMessage } from '../stream-io.js';
import { InvalidMessageError, ProtocolTimeoutError, TruncatedStreamError } from '../errors.js';
const EMPTY = new Uint8Array(0);
export function lockResponse(status, fields = {}) {
    return { status, message: '', token: EMPTY, ttlMs: 0, holder: '', currentRev: 0n, record: EMPTY, signature: EMPTY, metadata: EMPTY, ...fields };
}
export class LockService {
    [Symbol.toStringTag] = 'quire:lock';
    components;
    init;
    log;
    constructor(components, init) {
        this.components = components;
        this.init = init;
        this.log = components.logger.forComponent('quire:lock');
        this.handle = this.handle.bind(this);
    }
    async start() {
        await this.components.registrar.handle(PROTOCOL, this.handle, { maxInboundStreams: MAX_INBOUND_STREAMS, maxOutboundStreams: MAX_OUTBOUND_STREAMS });
    }
    async stop() {
        await this.components.registrar.unhandle(PROTOCOL);
        for (const queue of this.perHome.values())
            queue.abort();
        this.perHome.clear();
    }
    async handle(stream, connection) {
        const from = connection.remotePeer.toString();
        this.init.onInbound?.(from);
        let lp = messageStream(stream, MAX_FRAME_BYTES);
        const header = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
        try {
            const req = await readMessage(lp, LockRequest, header);
            const handler = this.init.handler.current;
            const kinds = [req.acquire, req.commit, req.release].filter(x => x != null).length;
            let res;
            if (handler == null) {
                res = lockResponse(LockStatus.ERROR, { message: 'not ready' });
            }
            else if (kinds !== 1) {
                res = lockResponse(LockStatus.BAD_REQUEST, { message: 'a request carries exactly one of acquire, commit, release' });
            }
            else if (req.acquire != null) {
                res = await handler.acquire(from, req.acquire);
            }
            else if (req.release != null) {
                res = await handler.release(from, req.release);
            }
            else {
                const commit = req.commit;
                const size = Number(commit.dataSize);
                let data = null;
                if (commit.dataCid != null) {
                    if (!Number.isSafeInteger(size) || size < 0)
                        throw new InvalidMessageError('bad data_size');
                    lp.unwrap();
                    data = uploaded(stream, size);
                }
                res = await handler.commit(from, commit, data);
                if (data != null)
                    lp = messageStream(stream, MAX_FRAME_BYTES);
            }
            await writeMessage(lp, LockResponse, res, AbortSignal.timeout(REQUEST_TIMEOUT_MS));
            await stream.close({ signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        }
        catch (err) {
            this.log('lock stream from %p failed: %s', connection.remotePeer, err.message);
            stream.abort(err);
        }
    }
    /**
     * One queue per home: at most MAX_INBOUND_STREAMS of our requests at once, the number of lock
     * streams a home takes per connection (lock.md#limits) — past it yamux resets the stream, which
     * would read as the home being unreachable. Many concurrent updates wait here instead.
     */
    perHome = new Map();
    async request(home, req, data, signal) {
        const key = home.toString();
        let queue = this.perHome.get(key);
        if (queue == null) {
            queue = new Queue({ concurrency: MAX_INBOUND_STREAMS });
            this.perHome.set(key, queue);
        }
        return await queue.add(async () => await this.exchange(home, req, data, signal), { signal });
    }
    async exchange(home, req, data, signal) {
        const header = AbortSignal.any([AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...(signal != null ? [signal] : [])]);
        const stream = await this.components.connectionManager.openStream(home, PROTOCOL, { signal: header });
        try {
            const lp = messageStream(stream, MAX_FRAME_BYTES);
            await writeMessage(lp, LockRequest, req, header);
            if (data != null) {
                // an idle timeout, not a total one: a large upload may take long, but never stall
                const idle = new IdleTimer(UPLOAD_IDLE_TIMEOUT_MS, undefined, 'upload idle');
                const sending = AbortSignal.any([idle.signal, ...(signal != null ? [signal] : [])]);
                try {
                    for await (const chunk of data) {
                        await sendBytes(stream, chunk, sending);
                        idle.touch();
                    }
                    await stream.close({ signal: sending });
                }
                finally {
                    idle.stop();
                }
            }
            // the home answers after it stored the upload and committed: allow for that
            const answer = AbortSignal.any([AbortSignal.timeout(REQUEST_TIMEOUT_MS + (data != null ? UPLOAD_IDLE_TIMEOUT_MS : 0)), ...(signal != null ? [signal] : [])]);
            const res = await readMessage(lp, LockResponse, answer);
            if (data == null)
                await stream.close({ signal: answer });
            return res;
        }
        catch (err) {
            stream.abort(err);
            throw err;
        }
    }
    async acquire(home, req, signal) {
        return await this.request(home, { acquire: req }, null, signal);
    }
    async commit(home, req, data, signal) {
        return await this.request(home, { commit: req }, data, signal);
    }
    async release(home, req, signal) {
        return await this.request(home, { release: req }, null, signal);
    }
}
/** Exactly `size` bytes from the stream, with an idle timeout; fewer or more is an error. */
async function* uploaded(stream, size) {
    let got = 0;
    const timer = setTimeout(() => stream.abort(new ProtocolTimeoutError('upload idle')), UPLOAD_IDLE_TIMEOUT_MS);
    try {
        for await (const chunk of readBytes(stream)) {
            timer.refresh();
            got += chunk.byteLength;
            if (got > size)
                throw new InvalidMessageError(`upload longer than the announced ${size} bytes`);
            yield chunk;
        }
        if (got !== size)
            throw new TruncatedStreamError(`upload ended after ${got} of ${size} bytes`);
    }
    finally {
        clearTimeout(timer);
    }
}
//# sourceMappingURL=lock.js.map