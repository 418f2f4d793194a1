/** Errors of Quire's wire protocols. Internal errors never cross the wire: peers see status codes. */
export class InvalidMessageError extends Error {
    static name = 'InvalidMessageError';
    constructor(message) {
        super(message);
        this.name = 'InvalidMessageError';
    }
}
export class ProtocolTimeoutError extends Error {
    static name = 'ProtocolTimeoutError';
    constructor(message = 'timed out') {
        super(message);
        this.name = 'ProtocolTimeoutError';
    }
}
/** The remote answered with a refusal status. `status` is the wire status name. */
export class RemoteRefusedError extends Error {
    static name = 'RemoteRefusedError';
    status;
    constructor(status, message) {
        super(message);
        this.name = 'RemoteRefusedError';
        this.status = status;
    }
}
/** The stream ended before the protocol said it was complete. */
export class TruncatedStreamError extends Error {
    static name = 'TruncatedStreamError';
    constructor(message) {
        super(message);
        this.name = 'TruncatedStreamError';
    }
}
//# sourceMappingURL=errors.js.map