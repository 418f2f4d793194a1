import { QuireError, UnreachableError } from '../errors.js';
import { NDJSON } from './server.js';
/** Thrown when node.json points at an API nobody answers: the node died without cleaning up. */
export class StaleNodeFileError extends UnreachableError {
    static name = 'StaleNodeFileError';
    constructor(api) { super(`no node answers at ${api}`, 'node-not-running'); }
}
/** Call one operation on a running node. Errors come back as the node's typed error. */
export async function callOperation(node, name, args, signal, onProgress) {
    let res;
    try {
        res = await fetch(`${node.api}/v1/op/${name}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${node.token}`, 'content-type': 'application/json', ...(onProgress != null ? { accept: NDJSON } : {}) },
            body: JSON.stringify(args ?? {}),
            ...(signal != null ? { signal } : {})
        });
    }
    catch (err) {
        if (err?.cause?.code === 'ECONNREFUSED')
            throw new StaleNodeFileError(node.api);
        throw new UnreachableError(`local API ${node.api}: ${err?.cause?.message ?? err.message}`, 'api-unreachable');
    }
    let body;
    if (res.ok && (res.headers.get('content-type') ?? '').includes(NDJSON) && res.body != null) {
        body = await readNdjson(res.body, onProgress);
        if (body.error == null)
            return body.result;
    }
    else {
        body = await res.json().catch(() => ({}));
        if (res.ok)
            return body.result;
    }
    throw new QuireError(String(body.error ?? `HTTP ${res.status}`), String(body.code ?? 'internal'), typeof body.exitCode === 'number' ? body.exitCode : (res.status === 401 ? 3 : 1));
}
/** Progress lines go to `onProgress`; the last line is the outcome. */
async function readNdjson(stream, onProgress) {
    const decoder = new TextDecoder();
    let buffered = '';
    let last = {};
    for await (const chunk of stream) {
        buffered += decoder.decode(chunk, { stream: true });
        let nl;
        while ((nl = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            if (line.trim() === '')
                continue;
            const msg = JSON.parse(line);
            if (msg.progress != null)
                onProgress?.(msg.progress);
            else
                last = msg;
        }
    }
    return last;
}
//# sourceMappingURL=client.js.map