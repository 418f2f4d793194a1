import { link, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
/**
 * Write a small file atomically: stage in the same directory, fsync, rename, fsync the directory.
 *
 * A reader sees either the old file or the whole new one, never a torn write. If fsync fails the
 * staged file is removed and the error is thrown: the data may not be on disk, so we must not
 * rename it into place and pretend it is (the same rule as Syncthing's `finalClose`).
 * With `exclusive`, an existing target makes the call fail instead of replacing it.
 */
export async function writeFileAtomic(path, data, opts = {}) {
    const staged = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    const fh = await open(staged, 'wx', opts.mode ?? 0o644);
    try {
        await fh.writeFile(data);
        await fh.sync();
        await fh.close();
        if (opts.exclusive === true) {
            // link() refuses an existing target, unlike rename(): no window where a second writer wins
            await link(staged, path);
            await unlink(staged);
        }
        else {
            await rename(staged, path);
        }
    }
    catch (err) {
        await fh.close().catch(() => { });
        await unlink(staged).catch(() => { });
        throw err;
    }
    await fsyncDir(dirname(path));
}
/** Make a rename or create in `dir` durable. */
export async function fsyncDir(dir) {
    const fh = await open(dir, 'r');
    try {
        await fh.sync();
    }
    finally {
        await fh.close();
    }
}
//# sourceMappingURL=atomic-write.js.map