import { Level } from 'level';
import { randomBytes } from 'node:crypto';
import { StoreError } from '../errors.js';
/**
 * The node's LevelDB: one database, one sublevel per concern. The schema version is recorded at
 * `init`; a node refuses to open a store written by a newer Quire, so downgrades cannot corrupt it.
 */
export const SCHEMA_VERSION = 1;
export class Db {
    level;
    path;
    constructor(level, path) {
        this.level = level;
        this.path = path;
    }
    subs = new Map();
    /** A typed sublevel, JSON unless `binary`; one instance per name. */
    sub(name, binary = false) {
        let s = this.subs.get(name);
        if (s == null) {
            s = this.level.sublevel(name, { valueEncoding: binary ? 'view' : 'json' });
            this.subs.set(name, s);
        }
        return s;
    }
    get meta() { return this.sub('meta'); }
    async readMeta() {
        const meta = this.meta;
        const [schema, epoch, createdAt] = await meta.getMany(['schema', 'epoch', 'createdAt']);
        return { schema: schema, epoch: epoch, createdAt: createdAt };
    }
    /** Create a new, empty store. Fails if one exists at `path`. */
    static async create(path) {
        const level = new Level(path, { valueEncoding: 'json', createIfMissing: true, errorIfExists: true });
        await openLevel(level, path);
        const db = new Db(level, path);
        await db.meta.batch([
            { type: 'put', key: 'schema', value: SCHEMA_VERSION },
            { type: 'put', key: 'epoch', value: randomBytes(8).toString('hex') },
            { type: 'put', key: 'createdAt', value: new Date().toISOString() }
        ]);
        return db;
    }
    /**
     * Open an existing store. A missing store is an error, never a reason to start empty: an empty
     * store announced to partners would read as "everything was deleted".
     */
    static async open(path) {
        const level = new Level(path, { valueEncoding: 'json', createIfMissing: false });
        await openLevel(level, path);
        const db = new Db(level, path);
        let meta;
        try {
            meta = await db.readMeta();
        }
        catch (err) {
            await level.close();
            throw new StoreError(`store ${path} cannot be read (${err.message}); it may be damaged`, 'store-corrupt');
        }
        if (typeof meta.schema !== 'number' || typeof meta.epoch !== 'string') {
            await level.close();
            throw new StoreError(`store ${path} has no schema record: it is not a Quire store or it is damaged`, 'store-corrupt');
        }
        if (meta.schema > SCHEMA_VERSION) {
            await level.close();
            throw new StoreError(`store ${path} has schema version ${meta.schema}, newer than this Quire understands (${SCHEMA_VERSION}); upgrade Quire`, 'store-newer');
        }
        return db;
    }
    /** A new epoch, and the recovering flag on until {@link endRecovery}. */
    async beginRecovery() {
        const epoch = randomBytes(8).toString('hex');
        await this.meta.batch([
            { type: 'put', key: 'epoch', value: epoch },
            { type: 'put', key: 'recovering', value: new Date().toISOString() }
        ], { sync: true });
        return epoch;
    }
    /** When recovery began, or null if the store is not recovering. */
    async recoveringSince() {
        return (await this.meta.get('recovering')) ?? null;
    }
    async endRecovery() {
        await this.meta.del('recovering', { sync: true });
    }
    async close() {
        await this.level.close();
    }
}
async function openLevel(level, path) {
    try {
        await level.open();
    }
    catch (err) {
        const cause = err.cause ?? err;
        const text = `${cause.code ?? ''} ${cause.message ?? ''}`;
        if (/LOCK|lock/.test(text))
            throw new StoreError(`store ${path} is in use by another Quire process`, 'store-busy');
        if (/does not exist|NotFound|No such file/i.test(text))
            throw new StoreError(`no store at ${path}: run "quire init" first, or restore the store`, 'store-missing');
        if (/exists/i.test(text))
            throw new StoreError(`a store already exists at ${path}`, 'store-exists');
        throw new StoreError(`store ${path} cannot be opened: ${cause.message ?? err.message}`, 'store-corrupt');
    }
}
//# sourceMappingURL=db.js.map