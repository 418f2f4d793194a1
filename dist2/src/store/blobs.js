export class Blobs {
    sub;
    /** each stored file's block list (model/blocks.ts), binary */
    lists;
    /** damage findings, kept after repairs: cid NUL time → {reason, at} */
    history;
    /** damaged CIDs, kept in memory: the hot paths (serving, `local`) must not wait on disk */
    damagedSet = new Set();
    db;
    constructor(db) {
        this.db = db;
        this.sub = db.sub('blobs');
        this.lists = db.sub('blocklists', true);
        this.history = db.sub('damagelog');
    }
    static async open(db) {
        const b = new Blobs(db);
        for await (const [cid, info] of b.sub.iterator())
            if (info.damaged != null)
                b.damagedSet.add(cid);
        return b;
    }
    async noteStored(refs) {
        const at = new Date().toISOString();
        const b = this.db.level.batch();
        for (const r of refs) {
            b.put(r.cid.toString(), { size: r.size, storedAt: at }, { sublevel: this.sub });
            b.put(r.cid.toString(), r.blockList, { sublevel: this.lists });
        }
        await b.write();
        for (const r of refs)
            this.damagedSet.delete(r.cid.toString());
    }
    async blockList(cid) {
        return await this.lists.get(cid);
    }
    async get(cid) {
        return await this.sub.get(cid);
    }
    isDamaged(cid) {
        return this.damagedSet.has(cid);
    }
    async markDamaged(cid, reason, size) {
        const info = (await this.sub.get(cid)) ?? { size: size ?? 0, storedAt: new Date().toISOString() };
        const first = info.damaged == null;
        info.damaged = { reason, at: new Date().toISOString() };
        const b = this.db.level.batch();
        b.put(cid, info, { sublevel: this.sub });
        // the finding is kept in the history even after a repair clears the mark (quire log)
        if (first)
            b.put(`${cid}\x00${info.damaged.at}`, info.damaged, { sublevel: this.history });
        await b.write();
        this.damagedSet.add(cid);
    }
    /** Every damage finding for a file, oldest first. */
    async damageHistory(cid) {
        const out = [];
        for await (const v of this.history.values({ gt: `${cid}\x00`, lt: `${cid}\x01` }))
            out.push(v);
        return out;
    }
    async clearDamage(cid, size) {
        await this.sub.put(cid, { size, storedAt: new Date().toISOString() });
        this.damagedSet.delete(cid);
    }
    /** The index in CID order from `after` (exclusive): audits walk it with a checkpoint. */
    async *entries(after) {
        yield* this.sub.iterator(after != null ? { gt: after } : {});
    }
    get damagedCount() { return this.damagedSet.size; }
}
//# sourceMappingURL=blobs.js.map