/**
 * The baseline of the transfer benchmark: the same libp2p stack as Quire (TCP, Noise, Yamux), one
 * process per side, moving N bytes over one stream with no protocol of ours. The receiver either
 * writes the bytes to a file and fsyncs it (the least any correct transfer must do) or drops them.
 *
 *   node dist/scripts/bare-stream.js serve <write|discard> <dir>     prints its multiaddr, serves until killed
 *   node dist/scripts/bare-stream.js send <multiaddr> <bytes>        prints seconds and peak RSS
 */
import { createLibp2p } from 'libp2p';
import { tcp } from '@libp2p/tcp';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { multiaddr } from '@multiformats/multiaddr';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { readBytes, sendBytes } from '../src/protocols/stream-io.js';
const PROTOCOL = '/bench/bare/1.0.0';
const CHUNK = 256 * 1024;
const [mode, a, b] = process.argv.slice(2);
const node = await createLibp2p({
    addresses: { listen: mode === 'serve' ? ['/ip4/127.0.0.1/tcp/0'] : [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
});
if (mode === 'serve') {
    const write = a === 'write';
    let n = 0;
    await node.handle(PROTOCOL, async (stream) => {
        const fh = write ? await open(join(b, `bare-${process.pid}-${n++}`), 'w') : null;
        let got = 0;
        for await (const chunk of readBytes(stream)) {
            got += chunk.byteLength;
            if (fh != null)
                await fh.write(chunk);
        }
        await fh?.sync();
        await fh?.close();
        stream.send(new TextEncoder().encode(String(got)));
        await stream.close();
    });
    console.log(node.getMultiaddrs()[0].toString());
}
else {
    const total = Number(b);
    const t0 = performance.now();
    const stream = await node.dialProtocol(multiaddr(a), PROTOCOL);
    const buf = new Uint8Array(CHUNK).fill(7);
    for (let sent = 0; sent < total; sent += CHUNK)
        await sendBytes(stream, buf.subarray(0, Math.min(CHUNK, total - sent)));
    await stream.close();
    let reply = '';
    for await (const c of readBytes(stream))
        reply += new TextDecoder().decode(c);
    const secs = (performance.now() - t0) / 1000;
    if (Number(reply) !== total)
        throw new Error(`receiver got ${reply} of ${total}`);
    console.log(JSON.stringify({ seconds: secs, rssPeakMiB: process.resourceUsage().maxRSS / 1024 }));
    await node.stop();
}
//# sourceMappingURL=bare-stream.js.map