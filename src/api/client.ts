import type { NodeFile } from '../home/node-file.js'
import { OutcomeUnknownError, QuireError, UnreachableError } from '../errors.js'
import { NDJSON } from './server.js'
import type { OnProgress } from '../progress.js'

/** Thrown when node.json points at an API nobody answers: the node died without cleaning up. */
export class StaleNodeFileError extends UnreachableError {
  static readonly name: string = 'StaleNodeFileError'
  constructor (api: string) { super(`no node answers at ${api}`, 'node-not-running') }
}

/** Call one operation on a running node. Errors come back as the node's typed error. */
export async function callOperation (node: NodeFile, name: string, args: unknown, signal?: AbortSignal, onProgress?: OnProgress): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(`${node.api}/v1/op/${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${node.token}`, 'content-type': 'application/json', ...(onProgress != null ? { accept: NDJSON } : {}) },
      body: JSON.stringify(args ?? {}),
      ...(signal != null ? { signal } : {})
    })
  } catch (err: any) {
    // refused: the request never reached a node. Anything else (a reset, a closed socket): it may
    // have, and the node may have acted on it before it went away
    if (err?.cause?.code === 'ECONNREFUSED') throw new StaleNodeFileError(node.api)
    throw lostReply(node, name, err)
  }
  let body: any
  if (res.ok && (res.headers.get('content-type') ?? '').includes(NDJSON) && res.body != null) {
    const reply = await readNdjson(res.body, onProgress).catch(err => { throw lostReply(node, name, err) })
    // a stream that ends without its outcome line is a node that died mid-operation, not a success
    if (reply == null) throw lostReply(node, name, new Error('the reply ended before its outcome'))
    body = reply
    if (body.error == null) return body.result
  } else if (res.ok) {
    body = await res.json().catch(err => { throw lostReply(node, name, err) })
    return body.result
  } else {
    body = await res.json().catch(() => ({}))
  }
  throw new QuireError(String(body.error ?? `HTTP ${res.status}`), String(body.code ?? 'internal'), typeof body.exitCode === 'number' ? body.exitCode : (res.status === 401 ? 3 : 1))
}

/** The node went away between our request and its answer: whether it acted is unknown (exit 4). */
function lostReply (node: NodeFile, name: string, err: any): OutcomeUnknownError {
  return new OutcomeUnknownError(`outcome unknown: the node at ${node.api} stopped answering during "${name}" (${err?.cause?.message ?? err?.message ?? String(err)}); check (e.g. quire get) before retrying`)
}

/** Progress lines go to `onProgress`; the last line is the outcome (null if none came). */
async function readNdjson (stream: ReadableStream<Uint8Array>, onProgress?: OnProgress): Promise<any> {
  const decoder = new TextDecoder()
  let buffered = ''
  let last: any = null
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true })
    let nl
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl)
      buffered = buffered.slice(nl + 1)
      if (line.trim() === '') continue
      const msg = JSON.parse(line)
      if (msg.progress != null) onProgress?.(msg.progress)
      else last = msg
    }
  }
  return last
}
