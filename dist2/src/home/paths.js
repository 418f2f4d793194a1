import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
/** `--home`, else `$QUIRE_HOME`, else `~/.quire`. */
export function resolveHome(flag) {
    const root = resolve(flag ?? process.env.QUIRE_HOME ?? join(homedir(), '.quire'));
    return {
        root,
        config: join(root, 'config.json'),
        key: join(root, 'identity.key'),
        nodeJson: join(root, 'node.json'),
        db: join(root, 'db'),
        peers: join(root, 'peers.json'),
        files: join(root, 'files')
    };
}
//# sourceMappingURL=paths.js.map