export class ReplicationStats {
    byPeer = new Map();
    of(peerId) {
        let c = this.byPeer.get(peerId);
        if (c == null) {
            c = { stored: 0, duplicates: 0, failed: 0, rejected: {}, pushed: 0, filesReceived: 0, bytesReceived: 0, filesRejected: 0, filesServed: 0, bytesServed: 0 };
            this.byPeer.set(peerId, c);
        }
        return c;
    }
    reject(peerId, reason) {
        const r = this.of(peerId).rejected;
        r[reason] = (r[reason] ?? 0) + 1;
    }
    snapshot(peerId) {
        return structuredClone(this.of(peerId));
    }
}
//# sourceMappingURL=stats.js.map