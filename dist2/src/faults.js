const rules = parse(process.env.QUIRE_FAULTS);
const hits = new Map();
export const faultsEnabled = rules.length > 0;
function parse(spec) {
    if (spec == null || spec.trim() === '')
        return [];
    return spec.split(',').map(s => s.trim()).filter(Boolean).map(item => {
        const m = /^(crash|fail)@([a-z.]+)(?::(.+))?$/.exec(item);
        if (m == null)
            throw new Error(`QUIRE_FAULTS: cannot parse "${item}" (expected crash@point[:n] or fail@point:key)`);
        return { kind: m[1], point: m[2], arg: m[3] };
    });
}
export class InjectedFault extends Error {
    static name = 'InjectedFault';
    constructor(point, key) {
        super(`injected fault at ${point} for ${key}`);
        this.name = 'InjectedFault';
    }
}
/** A named crash point: dies here if QUIRE_FAULTS says so. */
export function crashPoint(point) {
    if (!faultsEnabled)
        return;
    const n = (hits.get(point) ?? 0) + 1;
    hits.set(point, n);
    for (const r of rules) {
        if (r.kind === 'crash' && r.point === point && n === Number(r.arg ?? 1)) {
            process.stderr.write(`quire: QUIRE_FAULTS crash at ${point} (hit ${n})\n`);
            process.kill(process.pid, 'SIGKILL');
        }
    }
}
/** A named failure point: throws {@link InjectedFault} for `key` if QUIRE_FAULTS says so. */
export function failPoint(point, key) {
    if (!faultsEnabled)
        return;
    if (rules.some(r => r.kind === 'fail' && r.point === point && r.arg === key))
        throw new InjectedFault(point, key);
}
//# sourceMappingURL=faults.js.map