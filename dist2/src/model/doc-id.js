import { InputError } from '../errors.js';
/**
 * Document ids and namespaces (README "Documents").
 *
 * An id is 1–255 characters of `A–Z a–z 0–9 . _ -`, starting with a letter or digit, without `..`
 * and not ending in `.`. The namespace is the part before the first `.` (`mdi.fd_M_96m_lev18` is in
 * `mdi`). An id without a `.` has no namespace; a `--namespaces` list matches such ids only when
 * it contains `-` ({@link NO_NAMESPACE}), a token no real namespace can be because ids start with
 * a letter or digit. The set excludes `/`, `\`, NUL, `%` and whitespace, so an id can never name a
 * path, and leading `.`/`-` so it can never be a hidden file or look like a CLI option.
 */
export const MAX_ID_LENGTH = 255;
export const NO_NAMESPACE = '-';
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const NAMESPACE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
/** Why `id` is not a valid document id, or null if it is. */
export function docIdProblem(id) {
    if (typeof id !== 'string')
        return 'must be a string';
    if (id.length === 0)
        return 'is empty';
    if (id.length > MAX_ID_LENGTH)
        return `is longer than ${MAX_ID_LENGTH} characters`;
    if (id.includes('\0'))
        return 'contains NUL';
    if (id.includes('/') || id.includes('\\'))
        return 'contains a path separator';
    if (id.startsWith('.'))
        return 'starts with "."';
    if (id.includes('..'))
        return 'contains ".."';
    if (id.endsWith('.'))
        return 'ends with "."';
    if (!ID_PATTERN.test(id))
        return 'may contain only A-Z a-z 0-9 . _ - and must start with a letter or digit';
    return null;
}
export function parseDocId(id) {
    const problem = docIdProblem(id);
    if (problem != null)
        throw new InputError(`invalid document id ${JSON.stringify(id)}: ${problem}`, 'invalid-id');
    return id;
}
/** The namespace of a valid id, or {@link NO_NAMESPACE}. */
export function namespaceOf(id) {
    const dot = id.indexOf('.');
    return dot < 0 ? NO_NAMESPACE : id.slice(0, dot);
}
export function parseNamespace(ns) {
    if (ns === NO_NAMESPACE)
        return ns;
    if (ns.length === 0 || ns.length > MAX_ID_LENGTH || !NAMESPACE_PATTERN.test(ns)) {
        throw new InputError(`invalid namespace ${JSON.stringify(ns)}: use A-Z a-z 0-9 _ - (no "."), or "-" for ids without a namespace`, 'invalid-namespace');
    }
    return ns;
}
/** `a,b,c` → validated, de-duplicated list; an empty string gives an empty list (= all). */
export function parseNamespaceList(text) {
    const items = text.split(',').map(s => s.trim()).filter(s => s.length > 0);
    return [...new Set(items.map(parseNamespace))];
}
//# sourceMappingURL=doc-id.js.map