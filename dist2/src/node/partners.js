import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { DIAL_TIMEOUT_MS } from './create-libp2p.js';
/** How often the dialler looks for partners that are not connected. */
export const LINK_CHECK_INTERVAL_MS = 2_000;
/** First and largest wait between failed dials of one partner. */
export const REDIAL_MIN_MS = 1_000;
export const REDIAL_MAX_MS = 60_000;
export class PartnerLinks {
    host;
    peers;
    log;
    backoff = new Map();
    dialing = new Set();
    /** partners whose connection completed identify (see DEV DOCS) */
    identified = new Set();
    timer;
    /** called when a partner's connection is up and identified: push and fetch can use it now */
    onReady = () => { };
    onIdentify = (evt) => {
        const id = evt.detail.peerId.toString();
        if (!this.peers.has(id))
            return;
        const fresh = !this.identified.has(id);
        this.identified.add(id);
        this.backoff.delete(id);
        if (fresh)
            this.onReady(id);
    };
    onDisconnect = (evt) => {
        this.identified.delete(evt.detail.toString());
    };
    onChange = (peerId, row) => {
        this.apply(peerId, row).catch(err => { this.log.error('applying peer table change for %s failed: %e', peerId, err); });
    };
    constructor(host, peers, log) {
        this.host = host;
        this.peers = peers;
        this.log = log;
    }
    async start() {
        this.host.addEventListener('peer:identify', this.onIdentify);
        this.host.addEventListener('peer:disconnect', this.onDisconnect);
        this.peers.on('change', this.onChange);
        for (const row of this.peers.list())
            await this.seed(row);
        this.timer = setInterval(() => { this.check(); }, LINK_CHECK_INTERVAL_MS);
        this.check();
    }
    stop() {
        this.host.removeEventListener('peer:identify', this.onIdentify);
        this.host.removeEventListener('peer:disconnect', this.onDisconnect);
        this.peers.off('change', this.onChange);
        clearInterval(this.timer);
    }
    isConnected(peerId) {
        return this.identified.has(peerId) && this.host.getConnections(peerIdFromString(peerId)).length > 0;
    }
    async apply(peerId, row) {
        const id = peerIdFromString(peerId);
        if (row == null) {
            this.backoff.delete(peerId);
            this.identified.delete(peerId);
            await this.host.hangUp(id);
            await this.host.peerStore.delete(id).catch(() => { });
            this.log('partner %p removed: hung up', id);
            return;
        }
        // a closed network needs no stale addresses: replace, don't merge
        this.backoff.delete(peerId);
        await this.seed(row);
        if (row.addrs.length > 0)
            this.dial(peerId);
    }
    async seed(row) {
        const id = peerIdFromString(row.peerId);
        await this.host.peerStore.patch(id, { multiaddrs: row.addrs.map(a => multiaddr(a)) });
    }
    check() {
        const now = Date.now();
        for (const row of this.peers.list()) {
            if (row.addrs.length === 0 || this.isConnected(row.peerId))
                continue;
            const b = this.backoff.get(row.peerId);
            if (b == null || b.nextAt <= now)
                this.dial(row.peerId);
        }
    }
    dial(peerId) {
        if (this.dialing.has(peerId))
            return;
        this.dialing.add(peerId);
        const id = peerIdFromString(peerId);
        // counted as a failure until identify says otherwise (onIdentify clears the backoff)
        const prev = this.backoff.get(peerId);
        const delay = Math.min(REDIAL_MAX_MS, prev == null ? REDIAL_MIN_MS : prev.delay * 2);
        this.backoff.set(peerId, { nextAt: Date.now() + delay, delay });
        const run = async () => {
            const row = this.peers.get(peerId);
            if (row == null || row.addrs.length === 0)
                return;
            // peer-store addresses expire after an hour: re-seed them from the table before each dial
            await this.seed(row);
            await this.host.dial(id, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) });
        };
        run().catch(err => {
            this.log('dial of partner %p failed, next try in %d ms: %s', id, delay, err.message);
        }).finally(() => this.dialing.delete(peerId));
    }
}
//# sourceMappingURL=partners.js.map