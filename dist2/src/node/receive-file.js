import { FileMismatchError } from '../store/files.js';
import { QuireError } from '../errors.js';
export class DiskFullError extends QuireError {
    static name = 'DiskFullError';
    constructor(cid) { super(`the disk filled up while receiving ${cid}; its staged part was removed`, 'disk-full', 1); }
}
export async function receiveFile(site, client, peer, expect, opts = {}) {
    const list = await site.files.stagedBlockList(expect);
    let writer = list != null ? await site.files.receive(expect, list) : null;
    let download;
    try {
        if (writer != null && writer.offset === expect.size)
            return await writer.finish();
        download = await client.fetch(peer, expect.cid, { offset: writer?.offset ?? 0, wantBlocks: writer == null, proof: opts.proof, signal: opts.signal, onReceived: opts.onBytes });
    }
    catch (err) {
        await writer?.close(true);
        throw err;
    }
    try {
        if (download.size !== expect.size)
            throw new FileMismatchError(`the partner's copy is ${download.size} bytes, the record says ${expect.size}`);
        writer ??= await site.files.receive(expect, download.blockList ?? new Uint8Array(0));
        if (writer.offset > 0)
            opts.onResume?.(writer.offset);
        for await (const chunk of download.bytes)
            await writer.write(chunk);
        return await writer.finish();
    }
    catch (err) {
        download.abort(err);
        const full = err?.code === 'ENOSPC';
        await writer?.close(!full);
        if (full)
            throw new DiskFullError(expect.cid.toString());
        throw err;
    }
}
//# sourceMappingURL=receive-file.js.map