/**
 * Typed errors with stable names and machine codes.
 *
 * Every error an operator can meet carries a `code` (printed by `--json` as `{error, code}`) and
 * the process exit code from BRIEF "The operator's interface": 1 the command ran and found a
 * problem, 2 usage or input error, 3 a node or partner could not be reached or refused, 4 outcome
 * unknown. Tests match on `name`/`code`, never on message text.
 */
export const EXIT_OK = 0;
export const EXIT_PROBLEM = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNREACHABLE = 3;
export const EXIT_UNKNOWN = 4;
export class QuireError extends Error {
    static name = 'QuireError';
    code;
    exitCode;
    constructor(message, code = 'internal', exitCode = EXIT_PROBLEM) {
        super(message);
        this.name = new.target.name;
        this.code = code;
        this.exitCode = exitCode;
    }
}
/** Bad command-line or API input: exit 2. */
export class InputError extends QuireError {
    static name = 'InputError';
    constructor(message, code = 'invalid-input') { super(message, code, EXIT_USAGE); }
}
/** Something asked for does not exist here (a document, a peer row): exit 1. */
export class NotFoundError extends QuireError {
    static name = 'NotFoundError';
    constructor(message, code = 'not-found') { super(message, code, EXIT_PROBLEM); }
}
/** The home, store or file store is not in a state this command can use: exit 1. */
export class StoreError extends QuireError {
    static name = 'StoreError';
    constructor(message, code = 'store') { super(message, code, EXIT_PROBLEM); }
}
/** A node or partner could not be reached, or refused: exit 3. */
export class UnreachableError extends QuireError {
    static name = 'UnreachableError';
    constructor(message, code = 'unreachable') { super(message, code, EXIT_UNREACHABLE); }
}
/** A commit may or may not have happened: exit 4. */
export class OutcomeUnknownError extends QuireError {
    static name = 'OutcomeUnknownError';
    constructor(message) { super(message, 'outcome-unknown', EXIT_UNKNOWN); }
}
/** Wraps anything thrown into a QuireError without losing a typed one. */
export function toQuireError(err) {
    if (err instanceof QuireError)
        return err;
    const e = err;
    if (typeof e?.exitCode === 'number' && typeof e?.code === 'string') {
        return Object.assign(new QuireError(String(e.message), e.code, e.exitCode), { name: e.name ?? 'QuireError' });
    }
    return new QuireError(String(e?.message ?? err), 'internal', EXIT_PROBLEM);
}
//# sourceMappingURL=errors.js.map