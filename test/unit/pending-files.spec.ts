/**
 * store/pending-files.ts on a real home (LevelDB and file store in a temp dir): a file stored
 * ahead of its record stays only if a record names it; a failed caller's file goes at once, an
 * unknown outcome's at the next sweep; two callers storing the same bytes never remove each
 * other's file.
 */
import assert from 'node:assert/strict'
import { tempSitePerTest } from '../fixtures/temp-site.js'
import { insertDocuments } from '../../src/store/commit.js'
import { OutcomeUnknownError } from '../../src/errors.js'
import type { BlobRef } from '../../src/store/file-store.js'
import type { CID } from 'multiformats/cid'
import { seededBytes } from '../fixtures/seed.js'

describe('pending files (stored ahead of their record)', function () {
  const t = tempSitePerTest('quire-pending-')

  const bytes = (n: number): Uint8Array => seededBytes(n, 'pending', 4096)
  const stored = async (cid: CID): Promise<boolean> => (await t.site.files.stat(cid)) != null
  const notesLeft = async (): Promise<string[]> => {
    const keys: string[] = []
    for await (const k of t.site.db.sub('pendingfiles').keys()) keys.push(k)
    return keys
  }

  it('a committed file stays; a failed caller\'s file goes at once, with its index entry', async function () {
    const kept = await t.site.pending.track(async note => {
      const ref = await t.site.files.putBytes(bytes(1), { beforeVisible: note })
      await insertDocuments(t.site, [{ id: 'p.kept', metadata: Buffer.from('{}'), data: ref }])
      return ref
    })
    let lost: BlobRef | undefined
    await assert.rejects(t.site.pending.track(async note => {
      lost = await t.site.files.putBytes(bytes(2), { beforeVisible: note })
      throw new Error('the commit failed')
    }), /the commit failed/)
    assert.equal(await stored(kept.cid), true, 'the file a record names')
    assert.equal(await stored(lost!.cid), false, 'the failed caller\'s file')
    assert.equal(await t.site.blobs.get(lost!.cid.toString()), undefined, 'no index entry for it')
    assert.deepEqual(await notesLeft(), [], 'no note left')
  })

  it('a failed put of bytes already in the store (named by nothing) leaves that file: it was not the put\'s', async function () {
    const there = await t.site.files.putBytes(bytes(5))
    await assert.rejects(t.site.pending.track(async note => {
      await t.site.files.putBytes(bytes(5), { beforeVisible: note })
      throw new Error('the commit failed')
    }), /the commit failed/)
    assert.equal(await stored(there.cid), true)
    assert.deepEqual(await notesLeft(), [])
  })

  it('while the store is rebuilt from partners (serve --recover) nothing is removed: the records naming files are still on their way', async function () {
    t.site.recoveringSince = new Date().toISOString()
    let ref: BlobRef | undefined
    await assert.rejects(t.site.pending.track(async note => {
      ref = await t.site.files.putBytes(bytes(6), { beforeVisible: note })
      throw new Error('refused while recovering')
    }), /refused while recovering/)
    assert.equal(await stored(ref!.cid), true)
    assert.deepEqual(await t.site.pending.sweep(), [], 'not even by the sweep')
    t.site.recoveringSince = null
    assert.deepEqual(await t.site.pending.sweep(), [ref!.cid.toString()], 'once recovered, the sweep removes it')
  })

  it('the same bytes from two callers: the one that fails does not take the other\'s file', async function () {
    let release!: () => void
    const held = new Promise<void>(resolve => { release = resolve })
    let firstStored!: () => void
    const stored1 = new Promise<void>(resolve => { firstStored = resolve })
    const first = t.site.pending.track(async note => {
      const ref = await t.site.files.putBytes(bytes(3), { beforeVisible: note })
      firstStored()
      await held // still at work when the second one fails
      await insertDocuments(t.site, [{ id: 'p.first', metadata: Buffer.from('{}'), data: ref }])
      return ref
    })
    await stored1
    await assert.rejects(t.site.pending.track(async note => {
      await t.site.files.putBytes(bytes(3), { beforeVisible: note })
      throw new Error('second fails')
    }), /second fails/)
    release()
    const ref = await first
    assert.equal(await stored(ref.cid), true)
    assert.equal((await t.site.docs.get('p.first'))?.data?.cid, ref.cid.toString())
  })

  it('an unknown outcome keeps the file until the next start\'s sweep, which removes it if still unnamed', async function () {
    let ref: BlobRef | undefined
    await assert.rejects(t.site.pending.track(async note => {
      ref = await t.site.files.putBytes(bytes(4), { beforeVisible: note })
      throw new OutcomeUnknownError('the home did not answer')
    }), OutcomeUnknownError)
    assert.equal(await stored(ref!.cid), true, 'kept: a record may still come')
    assert.deepEqual(await notesLeft(), [ref!.cid.toString()], 'its note stays')
    await t.reopen()
    assert.deepEqual(await t.site.pending.sweep(), [ref!.cid.toString()], 'the next start removes it')
    assert.equal(await stored(ref!.cid), false)
  })
})
