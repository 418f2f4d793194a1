/**
 * `quire demo`: the Metacat seed's three-site example (BRIEF "Worked example") on loopback.
 * Three real nodes (libp2p over TCP on 127.0.0.1, LevelDB and file stores in a temp directory)
 * in this process, the seed's flags in their peer tables, a document with a data file inserted at
 * each site; then a table of what reached where next to what the rules say, and exit 0 only if
 * every outcome matches.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveHome } from '../home/paths.js';
import { Site } from '../site.js';
import { QuireNode } from '../node/quire-node.js';
import { insertDocuments } from '../store/commit.js';
import { newPeerRow } from '../model/peer-row.js';
import { closure } from '../model/closure.js';
import { table } from './print.js';
const SITES = ['gamma', 'alpha', 'lamda'];
/** The seed's replication table: sender → partner → [replicate, datareplicate, hub]. */
export const SEED_FLAGS = {
    gamma: { alpha: [false, false, false], lamda: [true, true, false] },
    alpha: { gamma: [false, true, false], lamda: [true, false, false] },
    lamda: { gamma: [false, false, false], alpha: [true, true, true] }
};
/** Longest the demo waits for replication to settle. */
export const DEMO_TIMEOUT_MS = 30_000;
function row(partner, flags) {
    return { ...newPeerRow(partner), replicate: flags[0], datareplicate: flags[1], hub: flags[2] };
}
export async function runDemo(log) {
    const dir = await mkdtemp(join(tmpdir(), 'quire-demo-'));
    const nodes = new Map();
    try {
        for (const name of SITES) {
            const site = await Site.init(resolveHome(join(dir, name)), { listen: ['/ip4/127.0.0.1/tcp/0'] });
            nodes.set(name, await QuireNode.start(site, { interval: 2 }));
        }
        const node = (n) => nodes.get(n);
        log(`three nodes on loopback in ${dir}:`);
        for (const n of SITES)
            log(`  ${n.padEnd(6)} ${node(n).site.peerId}`);
        // every site lists the other two (only listed peers may connect); the flags say what it sends
        for (const sender of SITES) {
            for (const [partner, flags] of Object.entries(SEED_FLAGS[sender])) {
                const r = row(node(partner).site.peerId, flags);
                r.addrs = node(partner).addrs().map(a => a.replace(/\/p2p\/.*/, ''));
                await node(sender).site.peers.add(r);
            }
        }
        log('\npeer tables (replicate datareplicate hub), as in the Metacat seed:');
        log(table(['sender', ...SITES.map(s => `row for ${s}`)], SITES.map(s => [s, ...SITES.map(p => {
                const f = SEED_FLAGS[s][p];
                return f == null ? '-' : f.map(b => (b ? '1' : '0')).join(' ');
            })])));
        const docs = [];
        for (const home of SITES) {
            const site = node(home).site;
            const data = await site.files.putBytes(randomBytes(64 * 1024));
            const id = `${home}.doc1`;
            await insertDocuments(site, [{ id, metadata: new TextEncoder().encode(`<doc site="${home}"/>`), data }]);
            docs.push({ id, home });
        }
        log(`\ninserted ${docs.map(d => d.id).join(', ')} (each with a 64 KiB data file); waiting for replication…`);
        const model = { tables: Object.fromEntries(SITES.map(s => [s, Object.entries(SEED_FLAGS[s]).map(([p, f]) => ({ ...row(p, f), namespaces: [] }))])) };
        const expected = new Map(docs.map(d => [d.id, closure(model, { id: d.id, home: d.home, hasData: true })]));
        const observe = async () => {
            const out = new Map();
            for (const d of docs) {
                const at = {};
                for (const n of SITES) {
                    const e = await node(n).site.docs.get(d.id);
                    at[n] = e == null ? 'none' : (await node(n).site.docs.dataLocal(e)) ? 'data' : 'meta';
                }
                out.set(d.id, at);
            }
            return out;
        };
        const matches = (obs) => docs.every(d => SITES.every(n => obs.get(d.id)[n] === expected.get(d.id)[n]));
        const deadline = Date.now() + DEMO_TIMEOUT_MS;
        let observed = await observe();
        while (!matches(observed) && Date.now() < deadline) {
            await new Promise(resolve => setTimeout(resolve, 200));
            observed = await observe();
        }
        // one more delta-T pass everywhere: anything that should not arrive would arrive now
        await Promise.all(SITES.map(async (n) => await node(n).puller.passAll()));
        observed = await observe();
        const rows = docs.map(d => ({
            id: d.id,
            home: d.home,
            at: Object.fromEntries(SITES.map(n => [n, { expected: expected.get(d.id)[n], got: observed.get(d.id)[n] }]))
        }));
        return { ok: matches(observed), rows };
    }
    finally {
        await Promise.all([...nodes.values()].map(async (n) => { await n.stop(); await n.site.close(); }));
        await rm(dir, { recursive: true, force: true });
    }
}
export function demoTable(r) {
    const cell = (c) => c.got === c.expected ? `${c.got} ✓` : `${c.got} ✗ (seed: ${c.expected})`;
    return table(['document', 'home', ...SITES], r.rows.map(x => [x.id, x.home, ...SITES.map(s => cell(x.at[s]))])) +
        '\n\ndata = metadata and data file; meta = metadata only; none = nothing; ✓ = what the seed says should happen.\n' +
        'gamma sends to lamda with data; lamda, a hub for alpha, forwards gamma\'s documents to alpha with data;\n' +
        'alpha sends lamda metadata only; lamda sends its own to alpha with data; nobody replicates to gamma.\n' +
        (r.ok ? 'every outcome matches the seed.' : 'SOME OUTCOMES DO NOT MATCH THE SEED.');
}
//# sourceMappingURL=demo.js.map