import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { newPeerRow, widened } from '../model/peer-row.js';
import { writeFileAtomic } from '../home/atomic-write.js';
import { InputError, NotFoundError, StoreError } from '../errors.js';
/**
 * The persistent peer table. It is the source of truth for who may connect and what is sent to
 * whom; the running node subscribes to `change` so that table edits apply at once (the gater,
 * the dialler), and keeps an in-memory copy so that the gater never waits on disk.
 * Every change is also mirrored to HOME/peers.json, so that a node whose LevelDB is lost still
 * knows its partners when it recovers (`serve --recover`) — and an operator can read the table.
 */
export class PeerTable extends EventEmitter {
    rows = new Map();
    sub;
    mirror;
    constructor(sub, mirror) {
        super();
        this.sub = sub;
        this.mirror = mirror;
    }
    static async load(sub, mirror) {
        const table = new PeerTable(sub, mirror);
        // rows written by older versions lack newer fields: fill them with their defaults
        for await (const [key, row] of sub.iterator())
            table.rows.set(key, { ...newPeerRow(key), ...row });
        return table;
    }
    /** Rebuild the table from peers.json (a store being recovered has lost its LevelDB copy). */
    async restoreFromMirror() {
        let rows;
        try {
            rows = JSON.parse(await readFile(this.mirror, 'utf8'));
            if (!Array.isArray(rows))
                throw new Error('not a list');
        }
        catch (err) {
            throw new StoreError(`cannot restore the peer table from ${this.mirror}: ${err.code ?? err.message}`, 'peers-missing');
        }
        for (const row of rows) {
            const full = { ...newPeerRow(row.peerId), ...row };
            await this.sub.put(full.peerId, full);
            this.rows.set(full.peerId, full);
        }
        return rows.length;
    }
    list() {
        return [...this.rows.values()].sort((a, b) => a.peerId.localeCompare(b.peerId));
    }
    get(peerId) {
        return this.rows.get(peerId);
    }
    has(peerId) {
        return this.rows.has(peerId);
    }
    require(peerId) {
        const row = this.rows.get(peerId);
        if (row == null)
            throw new NotFoundError(`peer ${peerId} is not in the peer table`, 'peer-not-found');
        return row;
    }
    async add(row) {
        if (this.rows.has(row.peerId))
            throw new InputError(`peer ${row.peerId} is already in the peer table; use "quire peer set"`, 'peer-exists');
        // a partner removed and listed again must not keep its old cursors: a generation no earlier row had
        const added = { ...row, policy: Date.now() };
        await this.write(added);
        return added;
    }
    async update(peerId, change) {
        const before = this.require(peerId);
        const row = change(structuredClone(before));
        if (widened(before, row))
            row.policy = before.policy + 1;
        await this.write(row);
        return row;
    }
    async remove(peerId) {
        this.require(peerId);
        await this.sub.del(peerId);
        this.rows.delete(peerId);
        await this.writeMirror();
        this.emit('change', peerId, null);
    }
    async write(row) {
        await this.sub.put(row.peerId, row);
        this.rows.set(row.peerId, row);
        await this.writeMirror();
        this.emit('change', row.peerId, row);
    }
    async writeMirror() {
        await writeFileAtomic(this.mirror, JSON.stringify(this.list(), null, 2) + '\n', { mode: 0o600 });
    }
}
//# sourceMappingURL=peers.js.map