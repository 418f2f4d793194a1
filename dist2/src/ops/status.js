export const status = {
    offline: true,
    async run(ctx) {
        const { site, node } = ctx;
        const docs = site.docs;
        const partners = await Promise.all(site.peers.list().map(async (row) => {
            const pull = await site.cursors.pull(row.peerId);
            const pushCursor = row.replicate ? await docs.pushCursor(row.peerId, row.policy) : null;
            return {
                peerId: row.peerId,
                connected: node?.links.isConnected(row.peerId) ?? false,
                lastChecked: pull.lastChecked,
                upToDate: pull.upToDate,
                acceptOnly: row.addrs.length === 0,
                pushCursor,
                pushLag: pushCursor == null ? null : await docs.changesAfterCount(pushCursor),
                counters: node?.stats.snapshot(row.peerId) ?? null
            };
        }));
        return {
            peerId: site.peerId,
            running: node != null,
            startedAt: node?.startedAt.toISOString() ?? null,
            recoveringSince: site.recoveringSince,
            addrs: node?.addrs() ?? [],
            partners,
            counts: {
                peers: partners.length,
                connected: partners.filter(p => p.connected).length,
                documents: docs.size,
                wantedFiles: (await docs.wants()).length
            },
            lastSeq: docs.lastSeq,
            transfers: node?.fetcher.transfers() ?? [],
            repairs: await recentRepairs(site),
            audit: { last: (await site.db.meta.get('lastAudit')) ?? null, damagedNow: site.blobs.damagedCount },
            gate: node != null ? { ...node.gate } : null
        };
    }
};
async function recentRepairs(site) {
    const all = [];
    for await (const r of site.db.sub('repairs').values())
        all.push(r);
    return all.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, 100);
}
//# sourceMappingURL=status.js.map