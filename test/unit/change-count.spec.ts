/**
 * store/documents.ts changesAfterCount on a real store (LevelDB in a temp dir): exact while the
 * backlog is within the counted range, the change-log distance (an upper bound, read at once)
 * past it, so `status` and /metrics stay cheap for a partner far behind.
 */
import assert from 'node:assert/strict'
import { tempSitePerTest } from '../fixtures/temp-site.js'
import { changeDocument, insertDocuments } from '../../src/store/commit.js'

describe('changes after a position (push lag)', function () {
  const t = tempSitePerTest('quire-lag-')

  it('counts documents (not changes) while within the limit; past it, the change-log distance', async function () {
    const meta = (s: string): Uint8Array => Buffer.from(`{"v":"${s}"}`)
    const ids = Array.from({ length: 10 }, (_, i) => `lag.d${i}`)
    await insertDocuments(t.site, ids.map(id => ({ id, metadata: meta('1'), data: null })))
    // three more changes to d0: the log keeps one entry per document, at its latest change
    for (const v of ['2', '3', '4']) await changeDocument(t.site, { id: ids[0], metadata: meta(v) })
    const docs = t.site.docs
    assert.equal(docs.lastSeq, 13)
    assert.equal(await docs.changesAfterCount(0), 10, 'ten documents changed, counted exactly')
    assert.equal(await docs.changesAfterCount(10), 1, 'after seq 10 only d0 changed (three times)')
    assert.equal(await docs.changesAfterCount(13), 0)
    assert.equal(await docs.changesAfterCount(0, 11), 10, 'below the limit: exact')
    assert.equal(await docs.changesAfterCount(0, 5), 13, 'at the limit: lastSeq - since, an upper bound')
    assert.equal(await docs.changesAfterCount(4, 5), 9, 'from seq 4: d4…d9 and d0 is 7 documents; reported 13 - 4')
  })
})
