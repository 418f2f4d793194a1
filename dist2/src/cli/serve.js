import { readNodeFile, removeNodeFile, writeNodeFile } from '../home/node-file.js';
import { callOperation } from '../api/client.js';
import { startApi } from '../api/server.js';
import { nodeMetrics } from '../node/metrics.js';
import { QuireNode } from '../node/quire-node.js';
import { Site } from '../site.js';
import { QuireError, UnreachableError } from '../errors.js';
import { runningNode } from './invoke.js';
/** SIGINT/SIGTERM must end the process within 5 s (operators' service managers wait about that). */
export const STOP_DEADLINE_MS = 4_500;
export async function serve(paths, opts) {
    await refuseIfRunning(paths);
    let site;
    try {
        site = await Site.open(paths, { recover: opts.recover });
    }
    catch (err) {
        if (err?.code === 'store-busy') {
            const info = await readNodeFile(paths.nodeJson);
            throw new UnreachableError(`already running${info != null ? ` (pid ${info.pid})` : ' (another process holds the store)'}`, 'already-running');
        }
        throw err;
    }
    let node;
    try {
        node = await QuireNode.start(site, { interval: opts.interval });
    }
    catch (err) {
        await site.close();
        throw listenError(err, site.config.listen);
    }
    const api = await startApi({ site, node }, nodeMetrics(node));
    await writeNodeFile(paths.nodeJson, { peerId: site.peerId, addrs: node.addrs(), api: api.url, pid: process.pid, token: api.token });
    opts.onReady?.({ peerId: site.peerId, addrs: node.addrs(), api: api.url });
    let fatal;
    await new Promise(resolve => {
        let stopping = false;
        node.onFatal = (err) => { fatal = err; stop(); };
        const stop = () => {
            if (stopping)
                return;
            stopping = true;
            const deadline = setTimeout(() => {
                node.log.error('clean stop took over %d ms; exiting anyway', STOP_DEADLINE_MS);
                removeNodeFile(paths.nodeJson).finally(() => process.exit(1));
            }, STOP_DEADLINE_MS);
            deadline.unref();
            (async () => {
                await api.close();
                await node.stop();
                await site.close();
                await removeNodeFile(paths.nodeJson);
            })().catch(err => { node.log.error('stop failed: %e', err); }).finally(() => { clearTimeout(deadline); resolve(); });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
    });
    if (fatal != null)
        throw fatal;
}
async function refuseIfRunning(paths) {
    const info = await runningNode(paths);
    if (info == null)
        return;
    try {
        await callOperation(info, 'id', {}, AbortSignal.timeout(2_000));
    }
    catch (err) {
        if (err?.code === 'node-not-running')
            return; // stale: a reused pid, nobody serves the API
    }
    throw new UnreachableError(`already running (pid ${info.pid})`, 'already-running');
}
function listenError(err, listen) {
    const text = `${err?.message ?? err}`;
    if (/EADDRINUSE/.test(text) || /EADDRINUSE/.test(`${err?.cause?.message ?? ''}`))
        return new QuireError(`cannot listen on ${listen.join(', ')}: address already in use (another program or node has the port; change "listen" in config.json)`, 'listen-failed', 3);
    if (/EADDRNOTAVAIL/.test(text))
        return new QuireError(`cannot listen on ${listen.join(', ')}: no such local address`, 'listen-failed', 3);
    return err;
}
//# sourceMappingURL=serve.js.map