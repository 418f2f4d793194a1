#!/usr/bin/env node
// Quire needs Node 22+ (libp2p 3). When started by an older system Node, re-run under the Node 22
// that `npm install` put in this package's node_modules (the `node` devDependency), if present.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  const local = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url))
  if (existsSync(local) && process.env.QUIRE_REEXEC == null) {
    const r = spawnSync(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, QUIRE_REEXEC: '1' } })
    process.exit(r.status ?? 1)
  }
  process.stderr.write(`quire: Node ${process.versions.node} is too old; Quire needs Node 22 or later (run it with npx quire, or install Node 22)\n`)
  process.exit(2)
}
// fsyncs run on libuv's thread pool; its default of 4 threads serialises a batch's many small
// files behind each other. Must be set before the pool is first used.
process.env.UV_THREADPOOL_SIZE ??= '32'
const { main } = await import('../dist/src/cli/main.js')
process.exitCode = await main(process.argv.slice(2))
