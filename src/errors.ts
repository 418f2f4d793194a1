/**
 * Typed errors with stable names and machine codes.
 *
 * Every error an operator can meet carries a `code` (printed by `--json` as `{error, code}`) and
 * the process exit code from BRIEF "The operator's interface": 1 the command ran and found a
 * problem, 2 usage or input error, 3 a node or partner could not be reached or refused, 4 outcome
 * unknown. Tests match on `name`/`code`, never on message text.
 */

export const EXIT_OK = 0
export const EXIT_PROBLEM = 1
export const EXIT_USAGE = 2
export const EXIT_UNREACHABLE = 3
export const EXIT_UNKNOWN = 4

export class QuireError extends Error {
  static readonly name: string = 'QuireError'
  readonly code: string
  readonly exitCode: number

  constructor (message: string, code = 'internal', exitCode = EXIT_PROBLEM) {
    super(message)
    this.name = new.target.name
    this.code = code
    this.exitCode = exitCode
  }
}

/** Bad command-line or API input: exit 2. */
export class InputError extends QuireError {
  static readonly name: string = 'InputError'
  constructor (message: string, code = 'invalid-input') { super(message, code, EXIT_USAGE) }
}

/** Something asked for does not exist here (a document, a peer row): exit 1. */
export class NotFoundError extends QuireError {
  static readonly name: string = 'NotFoundError'
  constructor (message: string, code = 'not-found') { super(message, code, EXIT_PROBLEM) }
}

/** The home, store or file store is not in a state this command can use: exit 1. */
export class StoreError extends QuireError {
  static readonly name: string = 'StoreError'
  constructor (message: string, code = 'store') { super(message, code, EXIT_PROBLEM) }
}

/** A node or partner could not be reached, or refused: exit 3. */
export class UnreachableError extends QuireError {
  static readonly name: string = 'UnreachableError'
  constructor (message: string, code = 'unreachable') { super(message, code, EXIT_UNREACHABLE) }
}

/** A commit may or may not have happened: exit 4. */
export class OutcomeUnknownError extends QuireError {
  static readonly name: string = 'OutcomeUnknownError'
  constructor (message: string) { super(message, 'outcome-unknown', EXIT_UNKNOWN) }
}

/** Wraps anything thrown into a QuireError without losing a typed one. */
export function toQuireError (err: unknown): QuireError {
  if (err instanceof QuireError) return err
  const e = err as { name?: string, message?: string, code?: string, exitCode?: number }
  if (typeof e?.exitCode === 'number' && typeof e?.code === 'string') {
    return Object.assign(new QuireError(String(e.message), e.code, e.exitCode), { name: e.name ?? 'QuireError' })
  }
  return new QuireError(String(e?.message ?? err), 'internal', EXIT_PROBLEM)
}
