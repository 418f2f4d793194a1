import { readFile, unlink } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write.js';
export async function readNodeFile(path) {
    try {
        const parsed = JSON.parse(await readFile(path, 'utf8'));
        if (typeof parsed?.api !== 'string' || typeof parsed?.token !== 'string' || typeof parsed?.pid !== 'number')
            return null;
        return parsed;
    }
    catch {
        return null;
    }
}
export async function writeNodeFile(path, info) {
    await unlink(path).catch(() => { });
    await writeFileAtomic(path, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
}
export async function removeNodeFile(path) {
    await unlink(path).catch(() => { });
}
export function processAlive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    }
    catch (err) {
        return err.code === 'EPERM';
    }
}
//# sourceMappingURL=node-file.js.map