/**
 * Transfer benchmark (issue "Verified file streaming at scale"): a data file moved from one node
 * to another through the real path — push, request, stream, per-block verification, whole-file
 * CID check, fsync, rename, visible as `local` — with two `quire serve` processes; and in the same
 * run, interleaved, the same number of bytes over a bare libp2p stream (same transport stack, one
 * process per side) whose receiver writes and fsyncs them, and one that discards them.
 * Prints rates, ratios, and each process's peak RSS (VmHWM).
 *
 *   npm run build && npx node dist/scripts/bench-transfer.js [MiB] [rounds]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callOperation } from '../src/api/client.js';
import { median } from './bench-helpers.js';
import { readNodeFile } from '../src/home/node-file.js';
const MIB = Number(process.argv[2] ?? 1024);
const ROUNDS = Number(process.argv[3] ?? 2);
const BYTES = MIB * 1024 * 1024;
const bin = fileURLToPath(new URL('../../bin/quire.js', import.meta.url));
const bare = fileURLToPath(new URL('./bare-stream.js', import.meta.url));
function run(args, env = {}) {
    return new Promise((resolve, reject) => {
        const p = spawn(process.execPath, args, { env: { ...process.env, ...env } });
        let out = '';
        let err = '';
        p.stdout.on('data', d => { out += d; });
        p.stderr.on('data', d => { err += d; });
        p.on('exit', code => code === 0 ? resolve(out.trim()) : reject(new Error(`${args.join(' ')}: exit ${code}: ${err}`)));
    });
}
function startLong(args, ready) {
    return new Promise((resolve, reject) => {
        const proc = spawn(process.execPath, args);
        let out = '';
        proc.stdout.on('data', d => {
            out += d;
            const line = out.split('\n').find(ready);
            if (line != null)
                resolve({ proc, line });
        });
        proc.on('exit', code => reject(new Error(`${args.join(' ')} exited ${code}`)));
    });
}
async function peakRssMiB(pid) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+)/.exec(status)[1]) / 1024;
}
async function api(home) {
    const node = await readNodeFile(join(home, 'node.json'));
    if (node == null)
        throw new Error(`no running node at ${home}`);
    return node;
}
async function waitLocal(home, id, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    const node = await api(home);
    while (Date.now() < deadline) {
        // not-found until the record arrives
        const doc = await callOperation(node, 'get', { id }).catch((err) => { if (err.code === 'not-found')
            return null; throw err; });
        if (doc?.data?.local === true)
            return;
        await new Promise(resolve => setTimeout(resolve, 20));
    }
    throw new Error(`${id} did not arrive`);
}
const dir = await mkdtemp(join(tmpdir(), 'quire-bench-transfer-'));
try {
    // the test file, written once
    const file = join(dir, 'payload.bin');
    await new Promise((resolve, reject) => {
        const ws = createWriteStream(file);
        const chunk = randomBytes(1024 * 1024);
        let i = 0;
        const write = () => {
            while (i < MIB) {
                i++;
                if (!ws.write(chunk)) {
                    ws.once('drain', write);
                    return;
                }
            }
            ws.end(resolve);
        };
        ws.on('error', reject);
        write();
    });
    await writeFile(join(dir, 'meta.xml'), '<bench/>');
    const quire = [];
    const bareWrite = [];
    const bareDiscard = [];
    let rss = { sender: 0, receiver: 0, bareSender: 0, bareReceiver: 0 };
    for (let round = 0; round < ROUNDS; round++) {
        // --- Quire: two serve processes, a put at A, until `local` at B
        const a = join(dir, `a${round}`);
        const b = join(dir, `b${round}`);
        await run([bin, 'init', '--home', a, '--listen', '/ip4/127.0.0.1/tcp/0', '--json']);
        await run([bin, 'init', '--home', b, '--listen', '/ip4/127.0.0.1/tcp/0', '--json']);
        const sa = await startLong([bin, 'serve', '--home', a, '--json'], l => l.includes('"api"'));
        const sb = await startLong([bin, 'serve', '--home', b, '--json'], l => l.includes('"api"'));
        const idA = JSON.parse(await run([bin, 'id', '--home', a, '--json']));
        const idB = JSON.parse(await run([bin, 'id', '--home', b, '--json']));
        // B does not list A yet, so its gate refuses A: nothing moves before the clock starts
        await run([bin, 'peer', 'add', idB.addrs[0], '--home', a, '--replicate', '--datareplicate']);
        await run([bin, 'put', 'bench.big', '--meta', join(dir, 'meta.xml'), '--data', file, '--home', a]);
        // the put left the file's pages dirty at A; their write-back is the put's cost, not the
        // transfer's (the bare runs start from a clean cache too)
        execFileSync('sync');
        const t0 = performance.now();
        // B lists A and dials it: connection, identify, push and pull, fetch
        await callOperation(await api(b), 'peer.add', { target: idA.addrs[0] });
        await waitLocal(b, 'bench.big', 600_000);
        quire.push(BYTES / ((performance.now() - t0) / 1000) / 1e6);
        rss.sender = Math.max(rss.sender, await peakRssMiB(sa.proc.pid));
        rss.receiver = Math.max(rss.receiver, await peakRssMiB(sb.proc.pid));
        sa.proc.kill('SIGTERM');
        sb.proc.kill('SIGTERM');
        await new Promise(resolve => setTimeout(resolve, 1000));
        await rm(a, { recursive: true, force: true });
        await rm(b, { recursive: true, force: true });
        // --- bare libp2p streams, writing+fsync and discarding
        for (const [mode, into] of [['write', bareWrite], ['discard', bareDiscard]]) {
            execFileSync('sync');
            const srv = await startLong([bare, 'serve', mode, dir], l => l.startsWith('/ip4/'));
            const r = JSON.parse(await run([bare, 'send', srv.line, String(BYTES)]));
            into.push(BYTES / r.seconds / 1e6);
            if (mode === 'write') {
                rss.bareSender = Math.max(rss.bareSender, r.rssPeakMiB);
                rss.bareReceiver = Math.max(rss.bareReceiver, await peakRssMiB(srv.proc.pid));
            }
            srv.proc.kill('SIGTERM');
        }
        for (const f of (await import('node:fs')).readdirSync(dir).filter(n => n.startsWith('bare-')))
            await rm(join(dir, f), { force: true });
    }
    console.log(`transfer of ${MIB} MiB on loopback, ${ROUNDS} rounds interleaved (median MB/s)`);
    console.log(`  quire (push/pull, verify per block and whole, fsync, rename): ${median(quire).toFixed(0)} MB/s  [${quire.map(x => x.toFixed(0)).join(', ')}]`);
    console.log(`  bare libp2p stream, receiver writes + fsyncs:                  ${median(bareWrite).toFixed(0)} MB/s  [${bareWrite.map(x => x.toFixed(0)).join(', ')}]`);
    console.log(`  bare libp2p stream, receiver discards:                         ${median(bareDiscard).toFixed(0)} MB/s  [${bareDiscard.map(x => x.toFixed(0)).join(', ')}]`);
    console.log(`  ratio quire / bare-writing: ${(median(quire) / median(bareWrite)).toFixed(2)}; quire / bare-discarding: ${(median(quire) / median(bareDiscard)).toFixed(2)}`);
    console.log(`  peak RSS: quire sender ${rss.sender.toFixed(0)} MiB, receiver ${rss.receiver.toFixed(0)} MiB; bare sender ${rss.bareSender.toFixed(0)} MiB, receiver ${rss.bareReceiver.toFixed(0)} MiB`);
    console.log('  (the quire time starts when B adds A to its peer table: it includes dialling, identify and one push/pull exchange)');
}
finally {
    await rm(dir, { recursive: true, force: true });
}
//# sourceMappingURL=bench-transfer.js.map