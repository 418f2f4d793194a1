/**
 * The local API: HTTP on 127.0.0.1 only, every request with `Authorization: Bearer <token>`.
 *
 * It exists because LevelDB admits one process: while `serve` holds the store, every other CLI
 * command runs its operation inside the node through here. Routes (README "Local API"):
 *   POST /v1/op/<name>   JSON body = the operation's arguments; 200 {result} or {error, code};
 *                        with `Accept: application/x-ndjson`: {progress} lines, then {result} or {error}
 *   GET  /v1/health      {ok, pid}
 *   GET  /metrics        Prometheus text format (node/metrics.ts)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import { OPERATIONS } from '../ops/index.js'
import type { OpContext } from '../ops/context.js'
import { QuireError, toQuireError } from '../errors.js'

export const NDJSON = 'application/x-ndjson'

/** Operation arguments are small JSON (paths, flags); file contents never travel through here. */
export const MAX_BODY_BYTES = 1 << 20

export interface ApiServer {
  url: string
  token: string
  close: () => Promise<void>
}

const HTTP_STATUS_BY_EXIT: Record<number, number> = { 1: 409, 2: 400, 3: 502, 4: 504 }

export async function startApi (ctx: OpContext, metrics?: Registry, host = '127.0.0.1'): Promise<ApiServer> {
  const token = randomBytes(32).toString('hex')
  const expected = Buffer.from(`Bearer ${token}`)
  let port = 0
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(err => { send(res, 500, { error: String(err?.message ?? err), code: 'internal' }) })
  })

  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isLoopback(req.socket.remoteAddress)) return send(res, 403, { error: 'the local API answers loopback clients only', code: 'forbidden' })
    // a browser page on another origin can reach 127.0.0.1 too; its Host header gives it away
    const hostHeader = req.headers.host ?? ''
    if (hostHeader !== `127.0.0.1:${port}` && hostHeader !== `localhost:${port}`) return send(res, 403, { error: 'bad Host header', code: 'forbidden' })
    const auth = Buffer.from(req.headers.authorization ?? '')
    if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) return send(res, 401, { error: 'missing or wrong API token (see node.json)', code: 'unauthorized' })
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (req.method === 'GET' && url.pathname === '/v1/health') return send(res, 200, { ok: true, pid: process.pid })
    if (req.method === 'GET' && url.pathname === '/metrics' && metrics != null) {
      const text = await metrics.metrics()
      res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) })
      res.end(text)
      return
    }
    const m = /^\/v1\/op\/([a-z.]+)$/.exec(url.pathname)
    if (req.method !== 'POST' || m == null || !Object.hasOwn(OPERATIONS, m[1]) || OPERATIONS[m[1]].nodeStopped === true) return send(res, 404, { error: `no such API route ${req.method} ${url.pathname}`, code: 'no-route' })
    let args: unknown
    try {
      args = JSON.parse((await readBody(req)) || '{}')
    } catch (err: any) {
      return send(res, 400, { error: `request body: ${err.message}`, code: 'invalid-input' })
    }
    if (args == null || typeof args !== 'object' || Array.isArray(args)) return send(res, 400, { error: 'request body must be a JSON object', code: 'invalid-input' })
    // a client that accepts NDJSON gets progress events as lines, then the result (or error) line
    if ((req.headers.accept ?? '').includes(NDJSON)) {
      res.writeHead(200, { 'content-type': NDJSON })
      const line = (o: unknown): void => { res.write(JSON.stringify(o) + '\n') }
      try {
        line({ result: await OPERATIONS[m[1]].run({ ...ctx, onProgress: p => line({ progress: p }) }, args) })
      } catch (err) {
        const q = toQuireError(err)
        line({ error: q.message, code: q.code, exitCode: q.exitCode })
      }
      res.end()
      return
    }
    try {
      send(res, 200, { result: await OPERATIONS[m[1]].run(ctx, args) })
    } catch (err) {
      const q = toQuireError(err)
      send(res, HTTP_STATUS_BY_EXIT[q.exitCode] ?? 500, { error: q.message, code: q.code, exitCode: q.exitCode })
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => { server.off('error', reject); resolve() })
  })
  port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}

function isLoopback (addr?: string): boolean {
  return addr != null && (addr.startsWith('127.') || addr === '::1' || addr.startsWith('::ffff:127.'))
}

function send (res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

async function readBody (req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new QuireError(`request body over ${MAX_BODY_BYTES} bytes`, 'invalid-input', 2)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}
