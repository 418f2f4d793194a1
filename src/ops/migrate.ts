/**
 * `quire migrate`: move a site's data files from its `files/` directory to an object store
 * (README "Files on an object store"). Run with the node stopped (the store's lock refuses it
 * otherwise). Every file in the blob index is streamed into the object store through the same
 * verified upload as any put (hashed while streaming, visible only if its CID matches); a file
 * already at its key with its size was put there, verified, by an earlier run, so a run that was
 * interrupted resumes where it stopped. config.json switches to the object store only after every
 * file is there; the old `files/` stays untouched until the operator removes it.
 */
import { FsFileStore } from '../store/files.js'
import { S3FileStore } from '../store/s3/s3-file-store.js'
import type { ObjectStoreConfig } from '../store/s3/s3-config.js'
import { parseCid } from '../model/cids.js'
import { blockListCid } from '../model/blocks.js'
import { writeConfig } from '../home/config.js'
import { StoreError, toQuireError } from '../errors.js'
import { reporter } from '../progress.js'
import type { Operation } from './context.js'

export interface MigrateResult {
  to: string
  copied: number
  copiedBytes: number
  /** already in the object store from an earlier run */
  alreadyThere: number
  /** quarantined as damaged here: not copied (`quire repair --all` fetches them from a partner afterwards) */
  damaged: string[]
  failed: Array<{ cid: string, error: string }>
  seconds: number
  /** config.json now names the object store */
  switched: boolean
}

export const migrate: Operation<{ target: ObjectStoreConfig }, MigrateResult> = {
  offline: true,
  nodeStopped: true,
  async run (ctx, args) {
    const { site } = ctx
    if (!(site.files instanceof FsFileStore)) throw new StoreError(`the files are already on an object store (${site.files.where})`, 'already-migrated')
    const dest = await S3FileStore.open(args.target)
    await dest.create()
    const epoch = (await site.db.readMeta()).epoch
    const marker = await dest.readMarker()
    if (marker != null && marker !== epoch) throw new StoreError(`${dest.where} already belongs to another Quire home (store epoch ${marker}): choose another bucket or prefix`, 'store-mismatch')
    // claimed first: no second home can start migrating into the same prefix
    await dest.writeMarker(epoch)

    const result: MigrateResult = { to: dest.where, copied: 0, copiedBytes: 0, alreadyThere: 0, damaged: [], failed: [], seconds: 0, switched: false }
    let total = 0
    for await (const [, info] of site.blobs.entries()) total += info.size
    const progress = reporter(ctx.onProgress, `copying data files to ${dest.where}`, total, 'bytes')
    const started = performance.now()
    for await (const [cidText, info] of site.blobs.entries()) {
      if (info.damaged != null) { result.damaged.push(cidText); progress.add(info.size); continue }
      const cid = parseCid(cidText)
      try {
        const there = await dest.stat(cid)
        if (there?.size === info.size) {
          result.alreadyThere++
        } else {
          const blocks = await site.blobs.blockList(cidText)
          await dest.put(site.files.read(cid), { expect: { cid, size: info.size, ...(blocks != null ? { blocks: blockListCid(blocks) } : {}) } })
          result.copied++
          result.copiedBytes += info.size
        }
      } catch (err) {
        const q = toQuireError(err)
        // the object store itself failing stops the run: the next file would fail the same way
        if (q.code.startsWith('object-store')) throw q
        result.failed.push({ cid: cidText, error: q.message })
      }
      progress.add(info.size)
    }
    progress.end()
    result.seconds = (performance.now() - started) / 1000
    if (result.failed.length === 0) {
      await writeConfig(site.paths.config, { ...site.config, objectStore: args.target })
      result.switched = true
    }
    return result
  }
}
