import { networkInterfaces } from 'node:os';
/**
 * `quire id`: what a partner needs to list this node. With a node running, the addresses it
 * actually listens on (or announces); without one, the configured ones, with `0.0.0.0` expanded to
 * this machine's interface addresses because a wildcard is not something a partner can dial.
 */
export const id = {
    offline: true,
    async run(ctx) {
        const { site, node } = ctx;
        if (node != null)
            return { peerId: site.peerId, addrs: node.addrs() };
        const base = site.config.announce.length > 0 ? site.config.announce : site.config.listen.flatMap(expandWildcard);
        return { peerId: site.peerId, addrs: base.map(a => `${a}/p2p/${site.peerId}`) };
    }
};
function expandWildcard(addr) {
    if (!addr.startsWith('/ip4/0.0.0.0/'))
        return [addr];
    const rest = addr.slice('/ip4/0.0.0.0'.length);
    const ips = Object.values(networkInterfaces()).flat()
        .filter(i => i != null && i.family === 'IPv4')
        .map(i => i.address);
    return ips.map(ip => `/ip4/${ip}${rest}`);
}
//# sourceMappingURL=id.js.map