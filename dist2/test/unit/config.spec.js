import assert from 'node:assert/strict';
import { DEFAULT_AUDIT_INTERVAL_HOURS, DEFAULT_AUDIT_RATE_MBPS, DEFAULT_RESERVE_BYTES, DEFAULT_INTERVAL_SECONDS, DEFAULT_LISTEN, defaultConfig, parseListenAddr, validateConfig } from '../../src/home/config.js';
import { InputError, StoreError } from '../../src/errors.js';
const SRC = '/h/config.json';
function configInvalid(err) {
    assert.ok(err instanceof StoreError, `expected a StoreError, got ${err?.name}: ${err?.message}`);
    assert.equal(err.code, 'config-invalid');
    assert.ok(String(err.message).includes(SRC), 'the message names the file');
    return true;
}
describe('config validation (src/home/config.ts validateConfig)', function () {
    it('fills every missing field from the defaults', function () {
        assert.deepEqual(validateConfig({}, SRC), defaultConfig());
        assert.deepEqual(defaultConfig(), { listen: DEFAULT_LISTEN, announce: [], interval: DEFAULT_INTERVAL_SECONDS, auditInterval: DEFAULT_AUDIT_INTERVAL_HOURS, auditRate: DEFAULT_AUDIT_RATE_MBPS, reserveBytes: DEFAULT_RESERVE_BYTES });
    });
    it('keeps valid settings and normalises the multiaddrs', function () {
        const c = validateConfig({ listen: ['/ip4/127.0.0.1/tcp/4771', '/ip6/::1/tcp/4771'], announce: ['/dns4/example.org/tcp/4771'], interval: 2.5 }, SRC);
        assert.deepEqual(c, { listen: ['/ip4/127.0.0.1/tcp/4771', '/ip6/::1/tcp/4771'], announce: ['/dns4/example.org/tcp/4771'], interval: 2.5, auditInterval: DEFAULT_AUDIT_INTERVAL_HOURS, auditRate: DEFAULT_AUDIT_RATE_MBPS, reserveBytes: DEFAULT_RESERVE_BYTES });
    });
    it('ignores unknown fields', function () {
        assert.deepEqual(validateConfig({ future: true }, SRC), defaultConfig());
    });
    const bad = [
        ['null', null],
        ['an array', []],
        ['a string', 'listen'],
        ['a number', 5],
        ['listen not a list', { listen: '/ip4/127.0.0.1/tcp/1' }],
        ['listen with a non-string', { listen: [4770] }],
        ['an empty listen list', { listen: [] }],
        ['listen that does not parse', { listen: ['garbage'] }],
        ['listen without /tcp/', { listen: ['/ip4/127.0.0.1/udp/1'] }],
        ['listen naming a peer', { listen: ['/ip4/127.0.0.1/tcp/1/p2p/12D3KooWJKAsLmRfLd9Ro35z1NEay7DCFMMirKy2YHeoQKDaYuBm'] }],
        ['announce not a list', { announce: 'x' }],
        ['announce that does not parse', { announce: ['/nope'] }],
        ['interval 0', { interval: 0 }],
        ['a negative interval', { interval: -5 }],
        ['interval as a string', { interval: '300' }],
        ['interval NaN', { interval: Number.NaN }],
        ['interval Infinity', { interval: Number.POSITIVE_INFINITY }],
        ['interval null', { interval: null }]
    ];
    for (const [what, raw] of bad) {
        it(`refuses ${what}`, function () {
            // interval null falls back to the default (?? treats null as missing): accept either, but never a null interval
            if (what === 'interval null') {
                let c;
                try {
                    c = validateConfig(raw, SRC);
                }
                catch (err) {
                    configInvalid(err);
                    return;
                }
                assert.equal(c.interval, DEFAULT_INTERVAL_SECONDS);
                return;
            }
            assert.throws(() => validateConfig(raw, SRC), configInvalid);
        });
    }
    it('parseListenAddr gives an InputError naming the option', function () {
        assert.throws(() => parseListenAddr('garbage', '--listen'), (err) => err instanceof InputError && err.code === 'invalid-multiaddr' && /--listen/.test(err.message));
        assert.equal(parseListenAddr('/ip4/127.0.0.1/tcp/1', '--listen'), '/ip4/127.0.0.1/tcp/1');
    });
});
describe('config: the scheduled audit settings', () => {
    it('accept 0 (off) for auditInterval and refuse a zero or negative rate', () => {
        assert.equal(validateConfig({ auditInterval: 0 }, 'x').auditInterval, 0);
        assert.throws(() => validateConfig({ auditRate: 0 }, 'x'), (e) => e.code === 'config-invalid');
        assert.throws(() => validateConfig({ auditInterval: -1 }, 'x'), (e) => e.code === 'config-invalid');
    });
});
//# sourceMappingURL=config.spec.js.map