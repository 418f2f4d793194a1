import { Request, Response, Status } from '../../../protocols/inventory.js';
import { MAX_ENTRIES, MAX_FRAME_BYTES, MAX_INBOUND_STREAMS, MAX_NAMESPACES, MAX_OUTBOUND_STREAMS, PROTOCOL, REQUEST_TIMEOUT_MS } from './constants.js';
import { messageStream, readMessage, writeMessage } from '../stream-io.js';
import { InvalidMessageError, RemoteRefusedError } from '../errors.js';
const REQUEST_LIMITS = { push: { entries: MAX_ENTRIES }, pull: { namespaces: MAX_NAMESPACES } };
const RESPONSE_LIMITS = { verdicts: MAX_ENTRIES, batch: { entries: MAX_ENTRIES } };
export class InventoryService {
    [Symbol.toStringTag] = 'quire:inventory';
    components;
    init;
    log;
    timeout;
    constructor(components, init) {
        this.components = components;
        this.init = init;
        this.log = components.logger.forComponent('quire:inventory');
        this.timeout = init.timeout ?? REQUEST_TIMEOUT_MS;
        this.handle = this.handle.bind(this);
    }
    async start() {
        await this.components.registrar.handle(PROTOCOL, this.handle, { maxInboundStreams: MAX_INBOUND_STREAMS, maxOutboundStreams: MAX_OUTBOUND_STREAMS });
    }
    async stop() {
        await this.components.registrar.unhandle(PROTOCOL);
    }
    async handle(stream, connection) {
        const lp = messageStream(stream, MAX_FRAME_BYTES);
        const signal = AbortSignal.timeout(this.timeout);
        const from = connection.remotePeer.toString();
        this.init.onInbound?.(from);
        try {
            const req = await readMessage(lp, Request, signal, REQUEST_LIMITS);
            const handler = this.init.handler.current;
            let res;
            if (handler == null) {
                res = { status: Status.ERROR, message: 'not ready', verdicts: [] };
            }
            else if ((req.push == null) === (req.pull == null)) {
                res = { status: Status.BAD_REQUEST, message: 'a request carries exactly one of push, pull', verdicts: [] };
            }
            else if (req.push != null) {
                const verdicts = await handler.onPush(from, req.push.entries);
                res = { status: Status.OK, message: '', verdicts };
            }
            else {
                res = { status: Status.OK, message: '', verdicts: [], batch: await handler.onPull(from, req.pull) };
            }
            await writeMessage(lp, Response, res, signal);
            await stream.close({ signal });
        }
        catch (err) {
            this.log('inventory stream from %p failed: %s', connection.remotePeer, err.message);
            if (err instanceof InvalidMessageError) {
                // tell a confused (not hostile) peer why, then reset
                await writeMessage(lp, Response, { status: Status.BAD_REQUEST, message: err.message, verdicts: [] }, AbortSignal.timeout(1000)).catch(() => { });
            }
            stream.abort(err);
        }
    }
    async request(peer, req, signal) {
        const deadline = AbortSignal.any([AbortSignal.timeout(this.timeout), ...(signal != null ? [signal] : [])]);
        const stream = await this.components.connectionManager.openStream(peer, PROTOCOL, { signal: deadline });
        try {
            const lp = messageStream(stream, MAX_FRAME_BYTES);
            await writeMessage(lp, Request, req, deadline);
            const res = await readMessage(lp, Response, deadline, RESPONSE_LIMITS);
            await stream.close({ signal: deadline });
            if (res.status !== Status.OK)
                throw new RemoteRefusedError(res.status, `peer refused: ${res.status} ${res.message}`);
            return res;
        }
        catch (err) {
            stream.abort(err);
            throw err;
        }
    }
    async push(peer, entries, signal) {
        const res = await this.request(peer, { push: { entries } }, signal);
        if (res.verdicts.length !== entries.length)
            throw new InvalidMessageError(`peer sent ${res.verdicts.length} verdicts for ${entries.length} entries`);
        return res.verdicts;
    }
    async pull(peer, pull, signal) {
        const res = await this.request(peer, { pull }, signal);
        if (res.batch == null)
            throw new InvalidMessageError('peer answered a pull without a batch');
        return res.batch;
    }
}
//# sourceMappingURL=inventory.js.map