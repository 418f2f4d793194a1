/**
 * N6 clock-skew (reliability-battery.md, N tier; Jepsen clock nemesis): three nodes under
 * libfaketime (Debian package faketime): A (the home) at −1 h, B at +1 h, C on true time. Wall
 * clocks are read from a per-node timestamp file (re-read every second) so the test can jump
 * them; the monotonic clock is left alone (FAKETIME_DONT_FAKE_MONOTONIC), as on a real host whose
 * NTP steps the wall clock. Then A's clock jumps +10 min, and later −10 min (back past its start).
 * Pass: B's updates of A's documents through A's lock succeed across each jump (leases are on
 * the monotonic clock), revisions run 1..k with no gap whatever the clocks say, documents put at
 * every node after each jump reach the others (cursors are counters), I3 and I8 hold.
 * Without libfaketime the case is listed as not run, with the reason.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cleanupAll, makeHome } from '../fixtures/cli.js'
import { addPeer, op, serveNode, type ClusterNode } from '../fixtures/cluster.js'
import { loopbackRange } from '../fixtures/loopback.js'
import { itExtended, notRun } from './harness/tier.js'
import { tmpFile, initNodes } from './harness/nightly.js'
import { assertInvariants, checkCluster, waitConverged } from './harness/invariants.js'

const ip = loopbackRange(160, 169, { subnet: 5 })
const LIB = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'].find(p => existsSync(p))

describe('reliability N6: clock skew', function () {
  afterEach(async () => { await cleanupAll() })

  if (LIB == null) {
    notRun('N6 clock-skew', 'libfaketime is not installed (Debian package faketime: apt-get install faketime)')
    return
  }

  itExtended('N6 clock-skew: nodes at −1 h / +1 h / true time, the home jumping ±10 min: locks and replication unaffected', async function () {
    const dir = (await makeHome('clocks')).dir
    const clock = async (name: string, offset: string): Promise<string> => { const f = join(dir, `${name}.ft`); await writeFile(f, `${offset}\n`); return f }
    const nodes = await initNodes(['A', 'B', 'C'], ip)
    const [A, B, C] = nodes
    for (const a of nodes) for (const b of nodes) if (a !== b) await addPeer(a, b, ['--replicate', '--datareplicate', '--hub'])
    const env = async (name: string, offset: string): Promise<NodeJS.ProcessEnv> => ({
      LD_PRELOAD: LIB, FAKETIME_TIMESTAMP_FILE: await clock(name, offset), FAKETIME_CACHE_DURATION: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1'
    })
    await serveNode(A, ['--interval', '2'], await env('A', '-1h'))
    await serveNode(B, ['--interval', '2'], await env('B', '+1h'))
    await serveNode(C, ['--interval', '2'])
    const skew = await Promise.all(nodes.map(async n => Date.parse((await op(n, 'status')).startedAt) - Date.now()))
    console.log(`      N6: startedAt minus now (ms): ${skew.map(s => Math.round(s / 60_000) + ' min').join(', ')}`)
    assert.ok(skew[0] < -50 * 60_000 && skew[1] > 50 * 60_000, `faketime did not skew the nodes: ${skew.join(', ')}`)

    const ids = new Set<string>()
    let rev = 1
    const round = async (tag: string): Promise<void> => {
      for (const n of nodes) {
        const id = `clk.${n.name}-${tag}`
        await op(n, 'put', { id, meta: await tmpFile(`${id}.m`, `{"tag":"${tag}"}`) })
        ids.add(id)
      }
      // B changes A's document through A's lock
      const r = await update(B, 'clk.shared', tag)
      assert.equal(r.rev, ++rev, `update at ${tag}: rev ${r.rev}, expected ${rev}`)
      ids.add('clk.shared')
      const took = await waitConverged(nodes, () => ids, 30_000)
      console.log(`      N6 ${tag}: converged in ${took} ms; clk.shared at rev ${rev}`)
    }
    await op(A, 'put', { id: 'clk.shared', meta: await tmpFile('shared.m', '{}') })
    await round('start')
    await clock('A', '-50m')
    await new Promise(resolve => setTimeout(resolve, 2_500))
    await round('jump-forward')
    await clock('A', '-70m')
    await new Promise(resolve => setTimeout(resolve, 2_500))
    await round('jump-back')
    for (const n of nodes) {
      const log = await op(n, 'log', { id: 'clk.shared' })
      const revs = (log.events as any[]).filter(e => e.kind === 'revision').map(e => e.rev)
      assert.deepEqual(revs, Array.from({ length: rev }, (_, i) => i + 1), `${n.name}'s revisions of clk.shared`)
    }
    assertInvariants(await checkCluster(nodes))
  })
})

async function update (n: ClusterNode, id: string, tag: string): Promise<any> {
  return await op(n, 'update', { id, meta: await tmpFile(`${id}-${tag}.m`, `{"tag":"${tag}"}`) })
}
