/** Errors of Quire's wire protocols. Internal errors never cross the wire: peers see status codes. */

export class InvalidMessageError extends Error {
  static readonly name = 'InvalidMessageError'
  constructor (message: string) {
    super(message)
    this.name = 'InvalidMessageError'
  }
}

export class ProtocolTimeoutError extends Error {
  static readonly name = 'ProtocolTimeoutError'
  constructor (message = 'timed out') {
    super(message)
    this.name = 'ProtocolTimeoutError'
  }
}

/** The remote answered with a refusal status. `status` is the wire status name. */
export class RemoteRefusedError extends Error {
  static readonly name = 'RemoteRefusedError'
  readonly status: string
  constructor (status: string, message: string) {
    super(message)
    this.name = 'RemoteRefusedError'
    this.status = status
  }
}

/** The stream ended before the protocol said it was complete. */
export class TruncatedStreamError extends Error {
  static readonly name = 'TruncatedStreamError'
  constructor (message: string) {
    super(message)
    this.name = 'TruncatedStreamError'
  }
}
