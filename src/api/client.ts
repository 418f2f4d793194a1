import type { NodeFile } from '../home/node-file.js'
import { QuireError, UnreachableError } from '../errors.js'

/** Thrown when node.json points at an API nobody answers: the node died without cleaning up. */
export class StaleNodeFileError extends UnreachableError {
  static readonly name: string = 'StaleNodeFileError'
  constructor (api: string) { super(`no node answers at ${api}`, 'node-not-running') }
}

/** Call one operation on a running node. Errors come back as the node's typed error. */
export async function callOperation (node: NodeFile, name: string, args: unknown, signal?: AbortSignal): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(`${node.api}/v1/op/${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${node.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(args ?? {}),
      ...(signal != null ? { signal } : {})
    })
  } catch (err: any) {
    if (err?.cause?.code === 'ECONNREFUSED') throw new StaleNodeFileError(node.api)
    throw new UnreachableError(`local API ${node.api}: ${err?.cause?.message ?? err.message}`, 'api-unreachable')
  }
  const body: any = await res.json().catch(() => ({}))
  if (res.ok) return body.result
  throw new QuireError(String(body.error ?? `HTTP ${res.status}`), String(body.code ?? 'internal'), typeof body.exitCode === 'number' ? body.exitCode : (res.status === 401 ? 3 : 1))
}
