import { FileRequest, FileResponse, FileStatus } from '../../../protocols/file.js';
import { HEADER_TIMEOUT_MS, IDLE_TIMEOUT_MS, MAX_BATCH_FILE_BYTES, MAX_BATCH_FILES, MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, MAX_SERVING_PER_PEER, MAX_SERVING_TOTAL, PROTOCOL, RECEIVE_HIGH_WATER_BYTES, SEND_FRAME_BYTES } from './constants.js';
import { lpStream } from '@libp2p/utils';
import { IdleTimer, MAX_PAUSED_BUFFER_BYTES, countIncoming, holdIncoming, messageStream, readBytes, readMessage, sendBytes, writeMessage } from '../stream-io.js';
import { InvalidMessageError, ProtocolTimeoutError, RemoteRefusedError, TruncatedStreamError } from '../errors.js';
import { cidFromBytes } from '../../model/cids.js';
export class FileService {
    [Symbol.toStringTag] = 'quire:file';
    components;
    init;
    log;
    idleTimeout;
    servingBy = new Map();
    servingTotal = 0;
    constructor(components, init) {
        this.components = components;
        this.init = init;
        this.log = components.logger.forComponent('quire:file');
        this.idleTimeout = init.idleTimeout ?? IDLE_TIMEOUT_MS;
        this.handle = this.handle.bind(this);
    }
    async start() {
        await this.components.registrar.handle(PROTOCOL, this.handle, { maxInboundStreams: MAX_INBOUND_STREAMS, maxOutboundStreams: MAX_OUTBOUND_STREAMS });
    }
    async stop() {
        await this.components.registrar.unhandle(PROTOCOL);
    }
    serving() { return this.servingTotal; }
    async handle(stream, connection) {
        const from = connection.remotePeer.toString();
        this.init.onInbound?.(from);
        const lp = messageStream(stream, MAX_REQUEST_BYTES);
        const header = AbortSignal.timeout(HEADER_TIMEOUT_MS);
        let counted = false;
        try {
            const req = await readMessage(lp, FileRequest, header, { batch: MAX_BATCH_FILES });
            if (req.batch.length > 0) {
                counted = this.claim(from);
                if (!counted) {
                    await writeMessage(lp, FileResponse, { status: FileStatus.BUSY, size: 0n, message: 'too many transfers; try later', blocks: new Uint8Array(0) }, header);
                    await stream.close({ signal: header });
                    return;
                }
                await this.serveBatch(lp, from, req.batch);
                await stream.close({ signal: AbortSignal.timeout(this.idleTimeout) });
                return;
            }
            const cid = cidFromBytes(req.cid);
            const offset = Number(req.offset);
            const length = Number(req.length);
            const respond = async (status, message, size = 0n, blocks = new Uint8Array(0)) => {
                await writeMessage(lp, FileResponse, { status, size, message, blocks: blocks }, header);
            };
            if (cid == null || !Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0 || ((req.record == null) !== (req.signature == null))) {
                await respond(FileStatus.BAD_REQUEST, 'bad CID, offset or proof');
                await stream.close({ signal: header });
                return;
            }
            counted = this.claim(from);
            if (!counted) {
                await respond(FileStatus.BUSY, 'too many transfers; try later');
                await stream.close({ signal: header });
                return;
            }
            const handler = this.init.handler.current;
            const opened = handler == null
                ? { status: FileStatus.BUSY, message: 'not ready' }
                : await handler.open(from, cid, { offset, length }, req.record != null ? { record: req.record, signature: req.signature } : undefined);
            if (opened.status !== 'ok') {
                await respond(opened.status, opened.message);
                await stream.close({ signal: header });
                return;
            }
            await respond(FileStatus.OK, '', BigInt(opened.size), req.wantBlocks ? opened.blockList : undefined);
            const raw = lp.unwrap();
            const idle = new IdleTimer(this.idleTimeout, () => raw.abort(new ProtocolTimeoutError('transfer idle')));
            try {
                for await (const chunk of opened.source) {
                    idle.touch();
                    // frames of at most SEND_FRAME_BYTES: a frame cut short by a broken connection is lost
                    // whole at the receiver, so small frames keep what a cut wastes small
                    for (let at = 0; at < chunk.byteLength; at += SEND_FRAME_BYTES)
                        await sendBytes(raw, chunk.subarray(at, at + SEND_FRAME_BYTES), idle.signal);
                }
                await raw.close({ signal: idle.signal });
            }
            finally {
                idle.stop();
            }
        }
        catch (err) {
            this.log('file stream from %p failed: %s', connection.remotePeer, err.message);
            stream.abort(err);
        }
        finally {
            if (counted) {
                this.servingTotal--;
                const n = (this.servingBy.get(from) ?? 1) - 1;
                if (n <= 0)
                    this.servingBy.delete(from);
                else
                    this.servingBy.set(from, n);
            }
        }
    }
    /** A serving slot for `from`, if the per-peer and total caps allow one. */
    claim(from) {
        if ((this.servingBy.get(from) ?? 0) >= MAX_SERVING_PER_PEER || this.servingTotal >= MAX_SERVING_TOTAL)
            return false;
        this.servingBy.set(from, (this.servingBy.get(from) ?? 0) + 1);
        this.servingTotal++;
        return true;
    }
    /** Each file of a batch: a FileResponse, then (OK) one frame with its bytes. */
    async serveBatch(lp, from, cids) {
        const handler = this.init.handler.current;
        const idle = new IdleTimer(this.idleTimeout, () => lp.unwrap().abort(new ProtocolTimeoutError('transfer idle')));
        try {
            for (const bytes of cids) {
                const cid = cidFromBytes(bytes);
                const answer = async (status, message, size = 0) => {
                    await writeMessage(lp, FileResponse, { status, size: BigInt(size), message, blocks: new Uint8Array(0) }, idle.signal);
                };
                if (cid == null) {
                    await answer(FileStatus.BAD_REQUEST, 'not a CIDv1 raw sha2-256');
                    continue;
                }
                const opened = handler == null ? { status: FileStatus.BUSY, message: 'not ready' } : await handler.open(from, cid, { offset: 0, length: 0 });
                if (opened.status !== 'ok') {
                    await answer(opened.status, opened.message);
                    continue;
                }
                if (opened.size > MAX_BATCH_FILE_BYTES) {
                    await answer(FileStatus.BAD_REQUEST, `${opened.size} bytes: too large for a batch`);
                    continue;
                }
                const parts = [];
                for await (const chunk of opened.source)
                    parts.push(chunk); // at most MAX_BATCH_FILE_BYTES, checked block by block
                await answer(FileStatus.OK, '', opened.size);
                await lp.write(parts.length === 1 ? parts[0] : Buffer.concat(parts), { signal: idle.signal });
                idle.touch();
            }
        }
        finally {
            idle.stop();
        }
    }
    async *fetchBatch(peer, cids, signal) {
        const header = AbortSignal.any([AbortSignal.timeout(HEADER_TIMEOUT_MS), ...(signal != null ? [signal] : [])]);
        const stream = await this.components.connectionManager.openStream(peer, PROTOCOL, { signal: header });
        // frames arrive faster than we may store them: room for a full yamux window, never more
        const lp = lpStream(stream, { maxDataLength: MAX_BATCH_FILE_BYTES + 4096, maxBufferSize: MAX_PAUSED_BUFFER_BYTES });
        try {
            await writeMessage(lp, FileRequest, { cid: new Uint8Array(0), offset: 0n, length: 0n, wantBlocks: false, batch: cids.map(c => c.bytes) }, header);
            for (const cid of cids) {
                const read = AbortSignal.any([AbortSignal.timeout(this.idleTimeout), ...(signal != null ? [signal] : [])]);
                const res = await readMessage(lp, FileResponse, read);
                if (res.status === FileStatus.BUSY && cid === cids[0])
                    throw new RemoteRefusedError(res.status, `peer ${peer.toString()} is busy`);
                if (res.status !== FileStatus.OK) {
                    yield { cid, status: res.status, message: res.message };
                    continue;
                }
                const bytes = (await lp.read({ signal: read })).subarray();
                if (bytes.byteLength !== Number(res.size))
                    throw new InvalidMessageError(`peer announced ${res.size} bytes for ${cid.toString()} and sent ${bytes.byteLength}`);
                yield { cid, status: res.status, message: '', bytes };
            }
            await stream.close({ signal: AbortSignal.timeout(HEADER_TIMEOUT_MS) }).catch(() => { });
        }
        catch (err) {
            stream.abort(err);
            throw err;
        }
    }
    async fetch(peer, cid, opts = {}) {
        const offset = opts.offset ?? 0;
        const header = AbortSignal.any([AbortSignal.timeout(HEADER_TIMEOUT_MS), ...(opts.signal != null ? [opts.signal] : [])]);
        const stream = await this.components.connectionManager.openStream(peer, PROTOCOL, { signal: header });
        let res;
        try {
            const lp = messageStream(stream, MAX_RESPONSE_BYTES);
            await writeMessage(lp, FileRequest, {
                cid: cid.bytes,
                offset: BigInt(offset),
                length: BigInt(opts.length ?? 0),
                wantBlocks: opts.wantBlocks === true,
                ...(opts.proof != null ? { record: opts.proof.record, signature: opts.proof.signature } : {})
            }, header);
            res = await readMessage(lp, FileResponse, header);
            if (res.status !== FileStatus.OK) {
                await stream.close({ signal: header }).catch(() => { });
                throw new RemoteRefusedError(res.status, `peer ${peer.toString()} refused ${cid.toString()}: ${res.status}${res.message !== '' ? ` (${res.message})` : ''}`);
            }
            // the body follows at once; the caller may open its staging file first
            holdIncoming(lp.unwrap());
            if (opts.onReceived != null && countIncoming(stream, opts.onReceived))
                opts = { ...opts, onReceived: undefined };
        }
        catch (err) {
            stream.abort(err);
            throw err;
        }
        const size = Number(res.size);
        const length = opts.length != null && opts.length > 0 ? opts.length : size - offset;
        if (!Number.isSafeInteger(size) || size < offset + length) {
            stream.abort(new InvalidMessageError('bad size'));
            throw new InvalidMessageError(`peer announced size ${res.size} for ${length} bytes from ${offset}`);
        }
        const blockList = opts.wantBlocks === true ? res.blocks : null;
        return { size, blockList, bytes: this.receive(stream, length, opts.signal, opts.onReceived), abort: (err) => stream.abort(err) };
    }
    async *receive(stream, expected, signal, onReceived) {
        const idle = new IdleTimer(this.idleTimeout, () => stream.abort(new ProtocolTimeoutError('transfer idle')));
        const onAbort = () => { stream.abort(signal?.reason ?? new ProtocolTimeoutError('aborted')); };
        signal?.addEventListener('abort', onAbort);
        let got = 0;
        try {
            for await (const chunk of readBytes(stream, RECEIVE_HIGH_WATER_BYTES, onReceived)) {
                idle.touch();
                got += chunk.byteLength;
                if (got > expected)
                    throw new InvalidMessageError(`peer sent more than the ${expected} bytes announced`);
                yield chunk;
            }
            if (got !== expected)
                throw new TruncatedStreamError(`stream ended after ${got} of ${expected} bytes`);
            await stream.close().catch(() => { });
        }
        catch (err) {
            stream.abort(err);
            throw err;
        }
        finally {
            idle.stop();
            signal?.removeEventListener('abort', onAbort);
        }
    }
}
//# sourceMappingURL=file.js.map