/**
 * The operator's experience on real `quire` processes: `quire demo`, `status` lag, `/metrics`,
 * `quire log`, and progress bars (README "quire demo", "Status and metrics", "Local API",
 * "Command reference").
 *
 * Each case builds its own nodes in temp homes and everything it spawns is killed in afterEach.
 * Expected outcomes come from the BRIEF/README (the worked example's table, the documented
 * semantics of status, metrics and log), never from the program's own idea of what is expected.
 *
 * Known product bug these tests expose (the case fails until fixed):
 * - `quire log` loses a data file's damage event once the file is repaired: the log reads damage
 *   only from the blob index entry's current `damaged` field (src/ops/log.ts:43-44), and a
 *   repair rewrites that entry without it (Blobs.noteStored, src/store/blobs.ts:40-49, reached
 *   through the file store's onStored hook in src/site.ts:62 when the repaired file is renamed in;
 *   likewise Blobs.clearDamage, src/store/blobs.ts:70, from auditFile in src/store/audit.ts:81).
 *   The history then shows a repair of a file that was never damaged.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binPath, cleanupAll, exists, initNode, quire, quireOk, repoRoot, sleep, startServe, waitExit, waitFor } from '../fixtures/cli.js';
import { cidOf, dataPath, flipBit, hashesTo } from '../fixtures/damage.js';
import { loopbackRange } from '../fixtures/loopback.js';
/** This file's loopback addresses: 127.0.0.200 … 127.0.0.239 (other files use other ranges). */
const ip = loopbackRange(200, 239, { spread: true });
const KiB = 1024;
const MiB = 1024 * KiB;
const CONVERGE_MS = 30_000;
let tmp;
let fileSeq = 0;
async function writeTmp(bytes, name = `f${++fileSeq}`) {
    const path = join(tmp, name);
    await writeFile(path, bytes);
    return path;
}
async function node(name) {
    return await initNode(name, ip());
}
function explain(r) {
    return `exit ${r.code} (signal ${r.signal}) after ${r.ms} ms; stdout ${r.stdout.trim().slice(0, 2000)}; stderr ${r.stderr.trim().slice(0, 2000)}`;
}
/** Wait until `n` (serving) shows every one of `peers` connected. */
async function waitConnected(n, peers, timeoutMs = 20_000) {
    await waitFor(async () => {
        const rows = await n.served.op('peer.ls');
        return peers.every(p => rows.some(r => r.peerId === p && r.connected === true));
    }, timeoutMs, `${n.name} to be connected to ${peers.join(', ')}`, 100);
}
/** `quire put --batch` of `count` documents with distinct random data files at `n` (CLI; through its API if it serves). */
async function putBatch(n, prefix, count, size) {
    const lines = [];
    const docs = [];
    for (let i = 0; i < count; i++) {
        const id = `${prefix}.doc-${String(i).padStart(3, '0')}`;
        const data = randomBytes(size(i));
        const meta = Buffer.from(`{"title": "${id}", "nonce": "${randomBytes(6).toString('hex')}"}`);
        lines.push(JSON.stringify({ id, meta: await writeTmp(meta), data: await writeTmp(data) }));
        docs.push({ id, cid: await cidOf(data), size: data.byteLength });
    }
    const batch = await writeTmp(lines.join('\n') + '\n');
    const r = await quireOk(['put', '--batch', batch, '--home', n.home], { timeoutMs: 60_000 });
    assert.equal(r.stored, count, `put --batch at ${n.name}: ${JSON.stringify(r.failed)}`);
    return docs;
}
/** Wait (bounded) until every one of `docs` is at `n` with its data file local. */
async function waitLocal(n, docs, timeoutMs = CONVERGE_MS) {
    let missing = [];
    try {
        await waitFor(async () => {
            const held = new Map((await n.served.op('ls', { limit: 100_000 })).map(d => [d.id, d]));
            missing = docs.filter(d => held.get(d.id)?.data?.local !== true).map(d => d.id);
            return missing.length === 0;
        }, timeoutMs, `${n.name} to hold ${docs.length} document(s) with their data files`, 150);
    }
    catch (err) {
        throw new Error(`${err.message}; still missing ${missing.length}: ${missing.slice(0, 5).join(', ')}`);
    }
}
function partnerOf(status, peerId) {
    const p = status.partners.find(x => x.peerId === peerId);
    assert.ok(p != null, `status of ${status.peerId} has no partner ${peerId}: ${JSON.stringify(status.partners)}`);
    return p;
}
/** The line of a human `status` table that starts with `peerId`. */
function statusRow(text, peerId) {
    const row = text.split('\n').find(l => l.startsWith(peerId));
    assert.ok(row != null, `human status has no row for ${peerId}:\n${text}`);
    return row;
}
// -------------------------------------------------------------------------------------------------
// Prometheus text exposition format (version 0.0.4), parsed strictly
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_NAME = '[a-zA-Z_][a-zA-Z0-9_]*';
const LABEL_VALUE = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const LABEL = `${LABEL_NAME}=${LABEL_VALUE}`;
const VALUE = '(?:[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?|[-+]?Inf|NaN)';
const SAMPLE_RE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL}(?:,${LABEL})*,?)?)\\})? (${VALUE})(?: (-?\\d+))?$`);
const LABEL_RE = new RegExp(`(${LABEL_NAME})=(${LABEL_VALUE})`, 'g');
const HELP_RE = new RegExp(`^# HELP (${NAME}) (?:[^\\\\\\n]|\\\\[\\\\n])*$`);
const TYPE_RE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
function parseValue(v) {
    if (/^[-+]?Inf$/.test(v))
        return v.startsWith('-') ? -Infinity : Infinity;
    return v === 'NaN' ? NaN : Number(v);
}
/** Parse the exposition text; throws on the first line that does not follow the format. */
function parseExposition(text) {
    assert.ok(text.endsWith('\n'), 'the exposition ends with a line feed');
    const out = { samples: [], help: new Map(), type: new Map() };
    const seenSamplesOf = new Set();
    const familyOf = (name) => {
        if (out.type.has(name))
            return name;
        const m = /^(.*)_(bucket|sum|count)$/.exec(name);
        if (m != null && ['histogram', 'summary'].includes(out.type.get(m[1]) ?? ''))
            return m[1];
        return name;
    };
    const lines = text.slice(0, -1).split('\n');
    lines.forEach((line, i) => {
        const where = `line ${i + 1}: ${JSON.stringify(line)}`;
        if (line.trim() === '')
            return;
        if (line.startsWith('#')) {
            if (line.startsWith('# HELP ')) {
                const m = HELP_RE.exec(line);
                assert.ok(m != null, `malformed HELP, ${where}`);
                assert.ok(!out.help.has(m[1]), `second HELP for ${m[1]}, ${where}`);
                out.help.set(m[1], line.slice(`# HELP ${m[1]} `.length));
            }
            else if (line.startsWith('# TYPE ')) {
                const m = TYPE_RE.exec(line);
                assert.ok(m != null, `malformed TYPE, ${where}`);
                assert.ok(!out.type.has(m[1]), `second TYPE for ${m[1]}, ${where}`);
                assert.ok(!seenSamplesOf.has(m[1]), `TYPE for ${m[1]} after its samples, ${where}`);
                out.type.set(m[1], m[2]);
            }
            return; // other comments are allowed
        }
        const m = SAMPLE_RE.exec(line);
        assert.ok(m != null, `not a sample line of the exposition format, ${where}`);
        const labels = {};
        for (const l of (m[2] ?? '').matchAll(LABEL_RE)) {
            assert.ok(!Object.hasOwn(labels, l[1]), `label ${l[1]} twice, ${where}`);
            labels[l[1]] = JSON.parse(l[2]);
        }
        const value = parseValue(m[3]);
        assert.ok(!Number.isNaN(value) || m[3] === 'NaN', `bad value, ${where}`);
        seenSamplesOf.add(familyOf(m[1]));
        out.samples.push({ name: m[1], labels, value });
    });
    return out;
}
/** The one sample named `name` whose labels include `labels` (undefined if none; fails on several). */
function sampleOf(e, name, labels = {}) {
    const hits = e.samples.filter(s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    assert.ok(hits.length <= 1, `${hits.length} samples of ${name}${JSON.stringify(labels)}`);
    return hits[0]?.value;
}
async function scrape(n, token) {
    const res = await fetch(`${n.served.nodeJson.api}/metrics`, {
        headers: token != null ? { authorization: `Bearer ${token}` } : {},
        signal: AbortSignal.timeout(10_000)
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}
async function metricsOf(n) {
    const r = await scrape(n, n.served.nodeJson.token);
    assert.equal(r.status, 200, `GET /metrics at ${n.name}: ${r.text.slice(0, 300)}`);
    return parseExposition(r.text);
}
// -------------------------------------------------------------------------------------------------
// a terminal for the CLI: util-linux `script` runs the command on a pseudo-terminal
const running = [];
function scriptAvailable() {
    const r = spawnSync('script', ['--version'], { encoding: 'utf8', timeout: 5_000 });
    return r.status === 0 && /util-linux/.test(r.stdout + r.stderr);
}
const shq = (s) => `'${s.replace(/'/g, '\'\\\'\'')}'`;
/**
 * Run `quire ...args` on a pseudo-terminal (stdout and stderr are the terminal; `script` copies
 * what the terminal shows to its own stdout). Bounded: killed (its process group) at the timeout.
 */
async function quireOnTty(args, timeoutMs = 60_000) {
    const started = Date.now();
    const cmd = [process.execPath, binPath, ...args].map(shq).join(' ');
    const env = { ...process.env, QUIRE_HOME: join(tmpdir(), 'quire-test-no-such-home'), TERM: process.env.TERM ?? 'xterm' };
    delete env.DEBUG;
    const proc = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
    running.push(proc);
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
    proc.stderr.setEncoding('utf8').on('data', (d) => { out += d; });
    const exit = await waitExit(proc, timeoutMs);
    if (exit == null) {
        try {
            process.kill(-proc.pid, 'SIGKILL');
        }
        catch { }
        throw new Error(`script -qec quire ${args.join(' ')} did not finish within ${timeoutMs} ms; output: ${out}`);
    }
    // let the pipes drain
    await new Promise(resolve => { if (proc.stdout.readableEnded)
        resolve(null);
    else
        proc.stdout.once('end', resolve); });
    return { code: exit.code, out, ms: Date.now() - started };
}
// -------------------------------------------------------------------------------------------------
describe('the operator\'s experience (real quire processes)', function () {
    this.timeout(120_000);
    before(async function () {
        tmp = await mkdtemp(join(tmpdir(), 'quire-operator-'));
        // the fixture must run the CLI of this checkout
        assert.ok(binPath.startsWith(repoRoot) && await exists(binPath), `CLI at ${binPath}`);
    });
    afterEach(async function () {
        for (const p of running.splice(0)) {
            if (p.exitCode == null && p.signalCode == null) {
                try {
                    process.kill(-p.pid, 'SIGKILL');
                }
                catch { }
            }
            await waitExit(p, 5_000);
        }
        await cleanupAll();
    });
    after(async function () {
        await rm(tmp, { recursive: true, force: true });
    });
    it('quire demo exits 0 within 60 s with the worked example\'s outcomes, prints the table, and leaves no temp directory', async function () {
        // the BRIEF's worked example: what reaches where (data = metadata and data file)
        const BRIEF = {
            'gamma.doc1': { home: 'gamma', at: { gamma: 'data', lamda: 'data', alpha: 'data' } },
            'alpha.doc1': { home: 'alpha', at: { alpha: 'data', lamda: 'meta', gamma: 'none' } },
            'lamda.doc1': { home: 'lamda', at: { lamda: 'data', alpha: 'data', gamma: 'none' } }
        };
        const SITES = ['gamma', 'alpha', 'lamda'];
        // each run gets its own os.tmpdir(), so no other process's demo can blur the check
        const [tmpJson, tmpHuman] = await Promise.all([mkdtemp(join(tmp, 'tmpdir-json-')), mkdtemp(join(tmp, 'tmpdir-human-'))]);
        const [j, h] = await Promise.all([
            quire(['demo', '--json'], { timeoutMs: 90_000, env: { TMPDIR: tmpJson } }),
            quire(['demo'], { timeoutMs: 90_000, env: { TMPDIR: tmpHuman } })
        ]);
        // --json: a DemoResult, every outcome as the BRIEF says
        assert.equal(j.code, 0, explain(j));
        assert.ok(j.ms < 60_000, `demo --json took ${j.ms} ms`);
        const result = j.json;
        assert.ok(result != null && Array.isArray(result.rows), `demo --json printed no DemoResult: ${j.stdout.slice(0, 500)}`);
        assert.deepEqual(result.rows.map((r) => r.id).sort(), Object.keys(BRIEF).sort(), 'one row per inserted document');
        for (const row of result.rows) {
            const want = BRIEF[row.id];
            assert.equal(row.home, want.home, `${row.id}: home`);
            assert.deepEqual(Object.keys(row.at).sort(), [...SITES].sort(), `${row.id}: a cell per site`);
            for (const site of SITES) {
                assert.equal(row.at[site].got, want.at[site], `${row.id} at ${site}: got ${row.at[site].got}, the BRIEF says ${want.at[site]}`);
                assert.equal(row.at[site].expected, want.at[site], `${row.id} at ${site}: the demo expects ${row.at[site].expected}, the BRIEF says ${want.at[site]}`);
            }
        }
        assert.equal(result.ok, true, 'ok');
        // human: the table with the same outcomes, and the verdict
        assert.equal(h.code, 0, explain(h));
        assert.ok(h.ms < 60_000, `demo took ${h.ms} ms`);
        assert.match(h.stdout, /^document\s+home\s+gamma\s+alpha\s+lamda\s*$/m, `table header:\n${h.stdout}`);
        for (const [id, want] of Object.entries(BRIEF)) {
            const row = new RegExp(`^${id.replace('.', '\\.')}\\s+${want.home}\\s+${SITES.map(s => `${want.at[s]} ✓`).join('\\s+')}\\s*$`, 'm');
            assert.match(h.stdout, row, `table row for ${id}:\n${h.stdout}`);
        }
        assert.doesNotMatch(h.stdout, /✗/, 'no mismatch marked');
        assert.match(h.stdout, /every outcome matches the seed/);
        // temp directories: the one the demo says it used is inside its tmpdir and gone; none is left
        const used = /three nodes on loopback in (\S+?):?$/m.exec(h.stdout)?.[1];
        assert.ok(used != null, `the demo names its directory:\n${h.stdout}`);
        assert.ok(used.startsWith(join(tmpHuman, 'quire-demo-')), `the demo worked in ${used}, not in os.tmpdir() (${tmpHuman})`);
        assert.equal(await exists(used), false, `${used} is left behind`);
        for (const dir of [tmpJson, tmpHuman]) {
            const left = (await readdir(dir)).filter(n => n.startsWith('quire-demo-'));
            assert.deepEqual(left, [], `left in ${dir}`);
        }
    });
    it('status: a partner that was offline shows push lag, which goes to zero as it catches up; then it is up to date', async function () {
        const [A, B] = await Promise.all([node('st-a'), node('st-b')]);
        await Promise.all([
            quireOk(['peer', 'add', B.addr, '--replicate', '--datareplicate', '--home', A.home]),
            quireOk(['peer', 'add', A.addr, '--home', B.home])
        ]);
        [A.served, B.served] = await Promise.all([startServe(A.home), startServe(B.home)]);
        await Promise.all([waitConnected(A, [B.peerId]), waitConnected(B, [A.peerId])]);
        const first = await putBatch(A, 'st0', 1, () => 16 * KiB);
        await waitLocal(B, first);
        await waitFor(async () => partnerOf(await A.served.op('status'), B.peerId).pushLag === 0, 15_000, 'A\'s push to B to catch up before B stops');
        const stopped = await B.served.stop();
        assert.equal(stopped.code, 0, `B stopped cleanly: ${JSON.stringify(stopped)}`);
        await waitFor(async () => partnerOf(await A.served.op('status'), B.peerId).connected === false, 15_000, 'A to see B gone');
        const N = 20;
        const docs = await putBatch(A, 'st', N, i => 4 * KiB + i);
        const lagging = await quireOk(['status', '--home', A.home]);
        const pb = partnerOf(lagging, B.peerId);
        assert.equal(pb.connected, false);
        assert.ok(typeof pb.pushLag === 'number' && pb.pushLag >= N, `pushLag for B after ${N} puts while it was down: ${JSON.stringify(pb)}`);
        assert.ok(typeof pb.pushCursor === 'number' && pb.pushCursor <= lagging.lastSeq - N, `pushCursor ${pb.pushCursor}, lastSeq ${lagging.lastSeq}`);
        const laggingText = (await quire(['status', '--home', A.home])).stdout;
        const rowDown = statusRow(laggingText, B.peerId);
        assert.match(rowDown, /^\S+\s+no\s/, `B's row says not connected: ${rowDown}`);
        assert.ok(rowDown.includes(` ${pb.pushCursor}/${lagging.lastSeq} `), `B's row shows the push position ${pb.pushCursor}/${lagging.lastSeq}: ${rowDown}`);
        // the metric says the same
        const lagMetric = sampleOf(await metricsOf(A), 'quire_partner_push_lag', { peer: B.peerId });
        assert.equal(lagMetric, pb.pushLag, 'quire_partner_push_lag agrees with status');
        const restartedAt = Date.now();
        B.served = await startServe(B.home);
        let lastA, lastB;
        try {
            await waitFor(async () => {
                lastA = partnerOf(await A.served.op('status'), B.peerId);
                const sb = await B.served.op('status');
                lastB = { ...partnerOf(sb, A.peerId), startedAt: sb.startedAt };
                return lastA.pushLag === 0 && lastB.upToDate === true && lastB.lastChecked != null && Date.parse(lastB.lastChecked) > restartedAt;
            }, CONVERGE_MS, 'A\'s push lag for B to reach 0 and B to have an up-to-date pass with A after its restart', 200);
        }
        catch (err) {
            throw new Error(`${err.message}; A's row for B ${JSON.stringify(lastA)}; B's row for A ${JSON.stringify(lastB)}`);
        }
        await waitLocal(B, docs);
        // the operator's view, through the CLI
        const [sa, sb] = await Promise.all([quireOk(['status', '--home', A.home]), quireOk(['status', '--home', B.home])]);
        const pa = partnerOf(sa, B.peerId);
        assert.equal(pa.pushLag, 0);
        assert.equal(pa.pushCursor, sa.lastSeq, 'the push cursor reached the end of A\'s change log');
        assert.equal(pa.connected, true);
        const ba = partnerOf(sb, A.peerId);
        assert.equal(ba.upToDate, true);
        assert.ok(Date.parse(ba.lastChecked) >= Date.parse(sb.startedAt), `B's last check of A (${ba.lastChecked}) is after B started (${sb.startedAt})`);
        assert.ok(ba.counters.stored >= N, `B stored at least the ${N} documents from A since it started: ${JSON.stringify(ba.counters)}`);
        const [ta, tb] = await Promise.all([quire(['status', '--home', A.home]), quire(['status', '--home', B.home])]);
        const rowUp = statusRow(ta.stdout, B.peerId);
        assert.match(rowUp, /^\S+\s+yes\s/, `B's row at A says connected: ${rowUp}`);
        assert.ok(rowUp.includes(` ${sa.lastSeq}/${sa.lastSeq} `), `B's row at A shows the push caught up (${sa.lastSeq}/${sa.lastSeq}): ${rowUp}`);
        const rowA = statusRow(tb.stdout, A.peerId);
        assert.ok(rowA.includes(ba.lastChecked), `A's row at B shows the last check ${ba.lastChecked}: ${rowA}`);
    });
    it('/metrics: token required, strict Prometheus text, and the counters move by the documents replicated', async function () {
        const [A, B] = await Promise.all([node('mx-a'), node('mx-b')]);
        await Promise.all([
            quireOk(['peer', 'add', B.addr, '--replicate', '--datareplicate', '--home', A.home]),
            quireOk(['peer', 'add', A.addr, '--home', B.home])
        ]);
        [A.served, B.served] = await Promise.all([startServe(A.home), startServe(B.home)]);
        await Promise.all([waitConnected(A, [B.peerId]), waitConnected(B, [A.peerId])]);
        // the token rule
        const none = await scrape(B, null);
        assert.equal(none.status, 401, 'no token');
        assert.doesNotMatch(none.text, /quire_/, 'no metrics without the token');
        const wrong = await scrape(B, randomBytes(32).toString('hex'));
        assert.equal(wrong.status, 401, 'a wrong token');
        const ok = await scrape(B, B.served.nodeJson.token);
        assert.equal(ok.status, 200);
        assert.match(ok.type, /^text\/plain;\s*version=0\.0\.4/, 'the Prometheus text content type');
        // strict format; every quire_ family has HELP and TYPE; the README's metrics are there
        const before = parseExposition(ok.text);
        const quireFamilies = new Set();
        for (const s of before.samples.filter(x => x.name.startsWith('quire_'))) {
            const fam = before.type.has(s.name) ? s.name : s.name.replace(/_(bucket|sum|count)$/, '');
            assert.ok(before.type.has(fam), `TYPE line for ${s.name}`);
            assert.ok(before.help.has(fam), `HELP line for ${s.name}`);
            quireFamilies.add(fam);
        }
        for (const name of ['quire_documents', 'quire_partner_connected', 'quire_partner_push_lag', 'quire_partner_last_checked_timestamp_seconds',
            'quire_revisions_received_total', 'quire_rejections_total', 'quire_files_received_total', 'quire_bytes_received_total',
            'quire_transfers_in_progress', 'quire_data_files_damaged', 'quire_audit_last_corrupt', 'quire_lock_leases', 'quire_lock_waits_total']) {
            assert.ok(before.help.has(name) && before.type.has(name), `${name} has HELP and TYPE lines`);
        }
        assert.equal(before.type.get('quire_revisions_received_total'), 'counter');
        assert.equal(before.type.get('quire_documents'), 'gauge');
        assert.ok([...before.type.keys()].some(n => n.startsWith('quire_process_')), 'process metrics');
        assert.equal(sampleOf(before, 'quire_partner_connected', { peer: A.peerId }), 1, 'quire_partner_connected for A');
        const stored0 = sampleOf(before, 'quire_revisions_received_total', { peer: A.peerId, outcome: 'stored' }) ?? 0;
        const docs0 = sampleOf(before, 'quire_documents');
        const files0 = sampleOf(before, 'quire_files_received_total', { peer: A.peerId }) ?? 0;
        const bytes0 = sampleOf(before, 'quire_bytes_received_total', { peer: A.peerId }) ?? 0;
        assert.ok(docs0 != null, 'quire_documents has a sample');
        const N = 12;
        const docs = await putBatch(A, 'mx', N, i => 8 * KiB + 7 * i);
        await waitLocal(B, docs);
        const bytesPut = docs.reduce((a, d) => a + d.size, 0);
        let after;
        const delta = () => ({
            stored: (sampleOf(after, 'quire_revisions_received_total', { peer: A.peerId, outcome: 'stored' }) ?? 0) - stored0,
            docs: (sampleOf(after, 'quire_documents') ?? 0) - docs0,
            files: (sampleOf(after, 'quire_files_received_total', { peer: A.peerId }) ?? 0) - files0,
            bytes: (sampleOf(after, 'quire_bytes_received_total', { peer: A.peerId }) ?? 0) - bytes0
        });
        // the documents are visible; the counters are bumped at the same moment (allow a short settle)
        try {
            await waitFor(async () => {
                after = await metricsOf(B);
                const d = delta();
                return d.stored >= N && d.docs >= N && d.files >= N && d.bytes >= bytesPut;
            }, 5_000, 'the counters at B to count the replicated documents', 100);
        }
        catch (err) {
            throw new Error(`${err.message}; deltas ${JSON.stringify(after != null ? delta() : null)}`);
        }
        await sleep(500);
        after = await metricsOf(B);
        assert.deepEqual(delta(), { stored: N, docs: N, files: N, bytes: bytesPut }, `after ${N} documents of ${bytesPut} B from A`);
        assert.equal(sampleOf(after, 'quire_partner_connected', { peer: A.peerId }), 1);
        // the same numbers as status
        const st = await quireOk(['status', '--home', B.home]);
        const pa = partnerOf(st, A.peerId);
        assert.equal(sampleOf(after, 'quire_revisions_received_total', { peer: A.peerId, outcome: 'stored' }), pa.counters.stored, 'metrics and status agree on stored');
        assert.equal(sampleOf(after, 'quire_documents'), st.counts.documents, 'metrics and status agree on documents');
        // at A, the push to B caught up
        await waitFor(async () => sampleOf(await metricsOf(A), 'quire_partner_push_lag', { peer: B.peerId }) === 0, 10_000, 'quire_partner_push_lag for B at A to reach 0');
    });
    it('quire log: an insert, an update through the home\'s lock, damage and a repair of one document', async function () {
        const [H, R] = await Promise.all([node('log-h'), node('log-r')]);
        await Promise.all([
            quireOk(['peer', 'add', R.addr, '--replicate', '--datareplicate', '--home', H.home]),
            quireOk(['peer', 'add', H.addr, '--home', R.home])
        ]);
        const rRow = (await quireOk(['peer', 'ls', '--home', R.home])).find(r => r.peerId === H.peerId);
        assert.ok(rRow != null && rRow.addrs.length > 0, `R lists H with an address: ${JSON.stringify(rRow)}`);
        const hRow = (await quireOk(['peer', 'ls', '--home', H.home])).find(r => r.peerId === R.peerId);
        assert.ok(hRow?.replicate === true && hRow?.datareplicate === true && hRow?.updates === true, `H sends R metadata and data and grants it locks: ${JSON.stringify(hRow)}`);
        [H.served, R.served] = await Promise.all([startServe(H.home), startServe(R.home)]);
        await Promise.all([waitConnected(H, [R.peerId]), waitConnected(R, [H.peerId])]);
        const id = 'oplog.doc1';
        const data = randomBytes(300 * KiB + 17);
        const cid = await cidOf(data);
        const put = await quireOk(['put', id, '--meta', await writeTmp('<eml><title>rev 1</title></eml>'), '--data', await writeTmp(data), '--home', H.home]);
        assert.deepEqual(put, { id, rev: 1, home: H.peerId });
        await waitLocal(R, [{ id }]);
        // R changes it through H's lock: new metadata, the data file kept
        const up = await quire(['update', id, '--meta', await writeTmp(`<eml><title>rev 2 from R ${randomBytes(4).toString('hex')}</title></eml>`), '--home', R.home, '--json'], { timeoutMs: 30_000 });
        assert.equal(up.code, 0, explain(up));
        assert.deepEqual(up.json, { id, rev: 2 });
        const atR = await quireOk(['get', id, '--home', R.home]);
        assert.equal(atR.rev, 2);
        assert.equal(atR.data?.cid, cid, 'the update kept the data file');
        assert.equal(atR.data?.local, true);
        // bit rot in R's copy; R's audit finds it
        await flipBit(dataPath(R.home, cid));
        const audit = await quire(['audit', '--json', '--home', R.home], { timeoutMs: 60_000 });
        assert.equal(audit.code, 1, `audit at R exits 1 on damage: ${explain(audit)}`);
        assert.deepEqual((audit.json?.corrupt).filter(c => c.cid === cid).map(c => ({ id: c.id, reason: c.reason })), [{ id, reason: 'hash-mismatch' }], `audit report: ${audit.stdout}`);
        const damagedLog = await quireOk(['log', id, '--home', R.home]);
        const damage = damagedLog.events.filter(e => e.kind === 'damage');
        assert.equal(damage.length, 1, `log at R after the audit shows the damage: ${JSON.stringify(damagedLog.events)}`);
        assert.equal(damage[0].cid, cid);
        assert.equal(damage[0].reason, 'hash-mismatch');
        // repair from the home
        const rep = await quire(['repair', id, '--from', H.peerId, '--json', '--home', R.home], { timeoutMs: 60_000 });
        assert.equal(rep.code, 0, explain(rep));
        assert.equal(rep.json?.state, 'audited', `repair result: ${rep.stdout}`);
        assert.ok(await hashesTo(dataPath(R.home, cid), cid), 'R\'s copy hashes to its CID again');
        // R's log: rev 1 from H, rev 2 committed by H, the damage, the repair, in that order
        const log = await quireOk(['log', id, '--home', R.home]);
        assert.equal(log.id, id);
        const ev = log.events;
        const rev1 = ev.find(e => e.kind === 'revision' && e.rev === 1);
        const rev2 = ev.find(e => e.kind === 'revision' && e.rev === 2);
        assert.ok(rev1 != null && rev2 != null, `log at R has rev 1 and rev 2: ${JSON.stringify(ev)}`);
        assert.equal(rev1.committedBy, H.peerId, 'rev 1 committed by H');
        assert.equal(rev1.from, H.peerId, 'rev 1 received from H');
        assert.equal(rev1.verified, true);
        assert.equal(rev1.data?.cid, cid);
        assert.equal(rev2.committedBy, H.peerId, 'rev 2 committed (signed) by the home, not by R');
        assert.equal(rev2.verified, true);
        assert.ok(Date.parse(rev1.committedAt) <= Date.parse(rev2.committedAt), 'rev 1 committed before rev 2');
        const repair = ev.filter(e => e.kind === 'repair');
        assert.equal(repair.length, 1, `log at R has the repair: ${JSON.stringify(ev)}`);
        assert.deepEqual({ cid: repair[0].cid, from: repair[0].from, state: repair[0].state }, { cid, from: H.peerId, state: 'audited' });
        // H's log: rev 2 committed here for R through the lock
        const hlog = await quireOk(['log', id, '--home', H.home]);
        const h1 = hlog.events.find(e => e.kind === 'revision' && e.rev === 1);
        const h2 = hlog.events.find(e => e.kind === 'revision' && e.rev === 2);
        assert.ok(h1 != null && h2 != null, `log at H: ${JSON.stringify(hlog.events)}`);
        assert.equal(h1.from, null, 'rev 1 committed at H');
        assert.equal(h1.requestedBy, undefined, 'rev 1 was H\'s own');
        assert.equal(h2.from, null, 'rev 2 committed at H');
        assert.equal(h2.requestedBy, R.peerId, 'rev 2 committed for R through the lock');
        assert.equal(h2.committedBy, H.peerId);
        const htext = (await quire(['log', id, '--home', H.home])).stdout;
        assert.match(htext, new RegExp(`rev 2 committed by ${H.peerId} at \\S+, committed here for ${R.peerId} \\(lock\\)`), `human log at H:\n${htext}`);
        // last (a known bug makes it fail, see the header): R's log keeps the damage the repair fixed
        const damageAfter = ev.filter(e => e.kind === 'damage');
        assert.equal(damageAfter.length, 1, `log at R after the repair still shows the damage the repair fixed: ${JSON.stringify(ev)}`);
        assert.equal(damageAfter[0].cid, cid);
        const order = ev.map(e => e.kind === 'revision' ? `rev${e.rev}` : e.kind);
        assert.deepEqual(order, ['rev1', 'rev2', 'damage', 'repair'], 'oldest first');
    });
    describe('progress bars', function () {
        const SIZE = 20 * MiB;
        let dataFile;
        let metaFile;
        const CONTROL = /\r|\x1b\[/; // eslint-disable-line no-control-regex
        before(async function () {
            dataFile = await writeTmp(randomBytes(SIZE), 'big.data');
            metaFile = await writeTmp('<eml><title>big</title></eml>', 'big.meta');
        });
        it('are off when stdout and stderr are pipes, and with --json (put of a 20 MiB file, offline and through a running node)', async function () {
            const S = await node('pb-pipe');
            const plain = await quire(['put', 'pb.plain', '--meta', metaFile, '--data', dataFile, '--home', S.home], { timeoutMs: 60_000 });
            assert.equal(plain.code, 0, explain(plain));
            assert.doesNotMatch(plain.stderr, CONTROL, `offline put in a pipe: no progress bar on stderr: ${JSON.stringify(plain.stderr.slice(0, 300))}`);
            assert.doesNotMatch(plain.stdout, /\x1b\[/, 'no escape sequences on stdout'); // eslint-disable-line no-control-regex
            assert.match(plain.stdout, new RegExp(`^pb\\.plain rev 1 home ${S.peerId}\\n$`));
            const json = await quire(['put', 'pb.json', '--meta', metaFile, '--data', dataFile, '--home', S.home, '--json'], { timeoutMs: 60_000 });
            assert.equal(json.code, 0, explain(json));
            assert.doesNotMatch(json.stderr, CONTROL, 'offline put --json: nothing drawn');
            assert.deepEqual(json.json, { id: 'pb.json', rev: 1, home: S.peerId });
            // through a running node (the API streams progress to a CLI that draws it)
            S.served = await startServe(S.home);
            const viaApi = await quire(['put', 'pb.api', '--meta', metaFile, '--data', dataFile, '--home', S.home], { timeoutMs: 60_000 });
            assert.equal(viaApi.code, 0, explain(viaApi));
            assert.doesNotMatch(viaApi.stderr, CONTROL, `put through the node in a pipe: no progress bar: ${JSON.stringify(viaApi.stderr.slice(0, 300))}`);
            const got = await S.served.op('get', { id: 'pb.api' });
            assert.equal(got.data?.size, SIZE);
            assert.equal(got.data?.local, true);
        });
        it('show on a terminal, and not with --json there (script -qc emulates the terminal)', async function () {
            if (!scriptAvailable()) {
                console.log('      SKIPPED: util-linux `script` is not on this machine; the terminal half of the progress-bar test did not run');
                this.skip();
            }
            const S = await node('pb-tty');
            const tty = await quireOnTty(['put', 'pb.tty', '--meta', metaFile, '--data', dataFile, '--home', S.home]);
            assert.equal(tty.code, 0, `put on a terminal: exit ${tty.code}: ${JSON.stringify(tty.out.slice(0, 500))}`);
            assert.match(tty.out, /\x1b\[/, `put of ${SIZE} B on a terminal draws a progress bar: ${JSON.stringify(tty.out.slice(0, 500))}`); // eslint-disable-line no-control-regex
            assert.match(tty.out, /\d+%/, 'the bar shows a percentage');
            assert.match(tty.out, new RegExp(`pb\\.tty rev 1 home ${S.peerId}`), 'and then the result');
            const ttyJson = await quireOnTty(['put', 'pb.ttyjson', '--meta', metaFile, '--data', dataFile, '--home', S.home, '--json']);
            assert.equal(ttyJson.code, 0, `put --json on a terminal: exit ${ttyJson.code}: ${JSON.stringify(ttyJson.out.slice(0, 500))}`);
            assert.doesNotMatch(ttyJson.out, /\x1b\[/, `--json on a terminal draws nothing: ${JSON.stringify(ttyJson.out.slice(0, 500))}`); // eslint-disable-line no-control-regex
            assert.deepEqual(JSON.parse(ttyJson.out.replace(/\r/g, '')), { id: 'pb.ttyjson', rev: 1, home: S.peerId });
            // through a running node: the progress the API streams is drawn too
            S.served = await startServe(S.home);
            const ttyApi = await quireOnTty(['put', 'pb.ttyapi', '--meta', metaFile, '--data', dataFile, '--home', S.home]);
            assert.equal(ttyApi.code, 0, `put through the node on a terminal: exit ${ttyApi.code}: ${JSON.stringify(ttyApi.out.slice(0, 500))}`);
            assert.match(ttyApi.out, /\x1b\[/, `put through the node on a terminal draws a progress bar: ${JSON.stringify(ttyApi.out.slice(0, 500))}`); // eslint-disable-line no-control-regex
            assert.match(ttyApi.out, /\d+%/);
        });
    });
});
//# sourceMappingURL=operator.spec.js.map