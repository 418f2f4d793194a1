/**
 * Process faults on a cluster node (reliability-battery.md §1 item 1): kill -9, SIGSTOP/SIGCONT,
 * restart. The node's `serve` runs through fixtures/cli.ts, so cleanupAll still reaps it.
 */
import { serveNode } from '../../fixtures/cluster.js';
function served(node) {
    if (node.served == null)
        throw new Error(`${node.name} is not serving`);
    return node.served;
}
export async function kill9(node) {
    await served(node).kill9();
    node.served = undefined;
}
/** SIGSTOP: the process keeps its sockets but answers nothing (a hung site, a long GC, a VM pause). */
export function pause(node) {
    served(node).proc.kill('SIGSTOP');
}
export function cont(node) {
    served(node).proc.kill('SIGCONT');
}
/** Start serve again with the same arguments and environment as given here. */
export async function restart(node, args = [], env) {
    if (node.served != null)
        await kill9(node);
    return await serveNode(node, args, env);
}
//# sourceMappingURL=processes.js.map