/**
 * The workload of C8 power-loss-sim (nightly-power-loss.spec.ts), run in a child process with
 * fs-shim.ts preloaded: `node --import SHIM power-loss-workload.js PLAN HOME ACKS [FIRST]`, FIRST
 * the step to start at (an operator's retry of what a crash left unacknowledged).
 * Each step is one CLI command run as `quire` runs it when no node serves the home: through
 * src/cli/invoke.ts, which opens the home, runs the operation and closes the home. After a step
 * returns, one line goes to ACKS, written and fsynced outside the home (the shim lets it through):
 * what the operator was told.
 */
import { fsyncSync, openSync, readFileSync, writeSync } from 'node:fs'
import { invoke } from '../../../src/cli/invoke.js'
import { resolveHome } from '../../../src/home/paths.js'

/** One CLI command of the plan, and the documents (id, rev, data CID) it must leave. */
export interface Step {
  op: 'put' | 'update' | 'put.batch'
  args: Record<string, string>
  docs: Array<{ id: string, rev: number, cid: string | null }>
}

/** An ACKS line: step `step` returned `result`. */
export interface Ack { step: number, result: any }

const [planFile, home, acksFile, first] = process.argv.slice(2)
const steps: Step[] = JSON.parse(readFileSync(planFile, 'utf8'))
const acks = openSync(acksFile, 'a')
for (let step = Number(first ?? 0); step < steps.length; step++) {
  const result = await invoke(resolveHome(home), steps[step].op, steps[step].args)
  writeSync(acks, JSON.stringify({ step, result } satisfies Ack) + '\n')
  fsyncSync(acks)
}
