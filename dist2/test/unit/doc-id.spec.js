import assert from 'node:assert/strict';
import { docIdProblem, MAX_ID_LENGTH, namespaceOf, NO_NAMESPACE, parseDocId, parseNamespace, parseNamespaceList } from '../../src/model/doc-id.js';
import { InputError } from '../../src/errors.js';
describe('document ids (src/model/doc-id.ts)', function () {
    const valid = [
        'a', 'Z', '0', 'abc', 'mdi.fd_M_96m_lev18', 'a-b_c.d', 'a.b.c', '9lives', 'A_', 'a-',
        'x'.repeat(MAX_ID_LENGTH)
    ];
    for (const id of valid) {
        it(`accepts ${JSON.stringify(id.length > 40 ? `${id.slice(0, 10)}…(${id.length})` : id)}`, function () {
            assert.equal(docIdProblem(id), null);
            assert.equal(parseDocId(id), id);
        });
    }
    const invalid = [
        ['the empty string', ''],
        ['".."', '..'],
        ['"."', '.'],
        ['a path "a/b"', 'a/b'],
        ['a Windows path "a\\\\b"', 'a\\b'],
        ['an id with NUL', 'a\0b'],
        ['a hidden-file name ".hidden"', '.hidden'],
        ['"a..b"', 'a..b'],
        ['a trailing dot "a."', 'a.'],
        ['256 characters', 'x'.repeat(MAX_ID_LENGTH + 1)],
        ['300 characters', 'y'.repeat(300)],
        ['an option look-alike "-x"', '-x'],
        ['a leading underscore "_x"', '_x'],
        ['whitespace "a b"', 'a b'],
        ['a trailing newline', 'abc\n'],
        ['a percent escape "a%2Fb"', 'a%2Fb'],
        ['a Cyrillic look-alike "аbc"', '\u0430bc'],
        ['a fullwidth look-alike "ａbc"', '\uff41bc'],
        ['a zero-width space', 'a\u200bb'],
        ['an accented letter "é"', '\u00e9'],
        ['a colon "a:b"', 'a:b'],
        ['a number', 42],
        ['null', null],
        ['undefined', undefined]
    ];
    for (const [what, id] of invalid) {
        it(`rejects ${what}`, function () {
            const problem = docIdProblem(id);
            assert.equal(typeof problem, 'string', `no problem found with ${JSON.stringify(id)}`);
            assert.throws(() => parseDocId(id), (err) => {
                assert.ok(err instanceof InputError);
                assert.equal(err.code, 'invalid-id');
                assert.equal(err.exitCode, 2);
                assert.ok(!String(err.message).includes('\n') || typeof id === 'string', 'one line');
                return true;
            });
        });
    }
    it('namespaceOf gives the part before the first dot, or "-" for an id without one', function () {
        assert.equal(namespaceOf('mdi.fd_M_96m_lev18'), 'mdi');
        assert.equal(namespaceOf('a.b.c'), 'a');
        assert.equal(namespaceOf('plain'), NO_NAMESPACE);
        assert.equal(NO_NAMESPACE, '-');
    });
    it('the namespace of an id with a dot is a valid namespace and never "-"', function () {
        for (const id of valid.filter(i => i.includes('.'))) {
            assert.notEqual(namespaceOf(id), NO_NAMESPACE, id);
            assert.equal(parseNamespace(namespaceOf(id)), namespaceOf(id));
        }
        assert.equal(namespaceOf('a-'), NO_NAMESPACE, 'a dash-ending id without a dot has no namespace');
    });
    it('parseNamespace accepts names and "-" and rejects dots, empty and odd characters', function () {
        for (const ns of ['mdi', 'a_b', 'A-1', '-', '0'])
            assert.equal(parseNamespace(ns), ns);
        for (const ns of ['', 'a.b', '.a', '_a', '-a', 'a b', 'a/b', 'n'.repeat(256)]) {
            assert.throws(() => parseNamespace(ns), (err) => err instanceof InputError && err.code === 'invalid-namespace', JSON.stringify(ns));
        }
    });
    it('parseNamespaceList trims, drops empties and de-duplicates; "" means all', function () {
        assert.deepEqual(parseNamespaceList('a,b'), ['a', 'b']);
        assert.deepEqual(parseNamespaceList(' a , b ,a,,'), ['a', 'b']);
        assert.deepEqual(parseNamespaceList(''), []);
        assert.deepEqual(parseNamespaceList('-,mdi'), ['-', 'mdi']);
        assert.throws(() => parseNamespaceList('a,b.c'), (err) => err.code === 'invalid-namespace');
    });
});
//# sourceMappingURL=doc-id.spec.js.map