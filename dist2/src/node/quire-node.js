import { defaultLogger } from '@libp2p/logger';
import { StoreError } from '../errors.js';
import { createHost } from './create-libp2p.js';
import { allowlistGater } from './gater.js';
import { PartnerLinks } from './partners.js';
import { inventory } from '../protocols/inventory/index.js';
import { fileTransfer } from '../protocols/file/index.js';
import { ReplicationStats } from './stats.js';
import { Receiver } from './receiver.js';
import { Pusher } from './pusher.js';
import { Fetcher } from './fetcher.js';
import { fileServer } from './file-server.js';
import { Puller } from './puller.js';
import { answerPull } from './pull-responder.js';
import { lockService } from '../protocols/lock/index.js';
import { LockServer } from './lock-server.js';
import { Repairer } from './repairer.js';
import { Auditor } from './auditor.js';
/** How often the node checks that its store is still there, and whether a recovery is done. */
export const HEALTH_CHECK_INTERVAL_MS = 2_000;
export class QuireNode {
    site;
    host;
    gate;
    links;
    interval;
    log;
    startedAt = new Date();
    stats = new ReplicationStats();
    /** inbound Quire protocol streams per remote peer since start (the closed-network tests read it) */
    inboundCalls;
    receiver;
    pusher;
    fetcher;
    puller;
    lockServer;
    repairer;
    auditor;
    constructor(site, host, gate, links, interval, log, inboundCalls) {
        this.inboundCalls = inboundCalls;
        this.site = site;
        this.host = host;
        this.gate = gate;
        this.links = links;
        this.interval = interval;
        this.log = log;
    }
    get services() {
        return this.host.services;
    }
    static async start(site, opts = {}) {
        const gate = { deniedInbound: 0, deniedOutbound: 0 };
        const logger = opts.logger ?? defaultLogger();
        const gater = allowlistGater({
            isListed: (id) => site.peers.has(id),
            dialAddrs: (id) => site.peers.get(id)?.addrs ?? []
        }, gate);
        // the services exist before the node that handles their requests: late-bound handlers
        const inventoryHandler = {};
        const fileHandler = {};
        const lockHandler = {};
        const inboundCalls = new Map();
        const onInbound = (from) => { inboundCalls.set(from, (inboundCalls.get(from) ?? 0) + 1); };
        const host = await createHost({
            privateKey: site.key,
            listen: site.config.listen,
            announce: site.config.announce,
            gater,
            logger,
            services: {
                inventory: inventory({ handler: inventoryHandler, onInbound }),
                file: fileTransfer({ handler: fileHandler, onInbound }),
                lock: lockService({ handler: lockHandler, onInbound })
            }
        });
        const log = logger.forComponent('quire:node');
        const links = new PartnerLinks(host, site.peers, logger.forComponent('quire:partners'));
        const node = new QuireNode(site, host, gate, links, opts.interval ?? site.config.interval, log, inboundCalls);
        node.fetcher = new Fetcher(site, node.services.file, links, node.stats, logger.forComponent('quire:fetch'));
        node.receiver = new Receiver(site, node.stats, { wantData: async (files) => { await node.fetcher.want(files); } }, logger.forComponent('quire:receive'));
        node.pusher = new Pusher(site, node.services.inventory, links, node.stats, logger.forComponent('quire:push'));
        node.puller = new Puller(site, node.services.inventory, links, node.receiver, node.interval, logger.forComponent('quire:pull'));
        inventoryHandler.current = {
            onPush: async (from, entries) => await node.receiver.receive(from, entries),
            onPull: async (from, pull) => await answerPull(site, from, pull)
        };
        node.lockServer = new LockServer(site);
        node.repairer = new Repairer(site, node.services.file, id => links.isConnected(id), logger.forComponent('quire:repair'));
        node.auditor = new Auditor(site, site.config.auditInterval, site.config.auditRate, logger.forComponent('quire:audit'));
        lockHandler.current = node.lockServer;
        fileHandler.current = fileServer(site, node.stats, cid => { log.error('ALARM: stored file %s is damaged', cid); });
        // not on 'peer:connect': until identify completes the partner does not count as connected
        links.onReady = peerId => {
            node.pusher.kick(peerId);
            node.fetcher.kick();
        };
        const recovering = site.recoveringSince != null;
        node.receiver.recovering = recovering;
        node.puller.recovering = recovering;
        try {
            // staged transfers of files still wanted are kept: they resume from their verified prefix
            await site.files.cleanStaging(new Set([...(await site.docs.wants()).map(([cid]) => cid), ...(await node.repairer.unfinished())]));
            await links.start();
            // while recovering we send nothing: no deletion, nothing half-restored, leaves this node
            if (!recovering)
                node.pusher.start();
            node.fetcher.start();
            node.puller.start();
            void node.repairer.resume();
            node.auditor.start();
            node.watchdog = setInterval(() => { node.checkHealth().catch(err => log.error('health check: %e', err)); }, HEALTH_CHECK_INTERVAL_MS);
        }
        catch (err) {
            await host.stop();
            throw err;
        }
        log('node %p listening on %s', host.peerId, host.getMultiaddrs().map(String).join(', '));
        return node;
    }
    /** Dialable addresses with `/p2p/<peerId>`. */
    addrs() {
        return this.host.getMultiaddrs().map(ma => ma.toString());
    }
    /** Called when the node cannot go on (its store vanished); `serve` exits on it. */
    onFatal = () => { };
    watchdog;
    fatal = false;
    /**
     * Every few seconds: is the store still there (a renamed, emptied or unmounted store must stop
     * the node before anything reads its absence as deletions)? Has a recovery finished?
     */
    async checkHealth() {
        if (this.fatal)
            return;
        if (!(await this.site.storePresent())) {
            this.fatal = true;
            this.puller.stop();
            this.pusher.stop();
            this.fetcher.stop();
            this.log.error('the file store %s vanished: stopping', this.site.paths.files);
            this.onFatal(new StoreError(`the file store ${this.site.paths.files} vanished while serving; the node stopped (restore it and start again)`, 'store-missing'));
            return;
        }
        const since = this.site.recoveringSince;
        if (since == null)
            return;
        const rows = this.site.peers.list();
        const states = await Promise.all(rows.map(async (r) => await this.site.cursors.pull(r.peerId)));
        const allPulled = states.every(s => s.lastChecked != null && s.lastChecked > since);
        if (!allPulled || (await this.site.docs.wants()).length > 0)
            return;
        await this.site.db.endRecovery();
        this.site.recoveringSince = null;
        this.receiver.recovering = false;
        this.puller.recovering = false;
        this.pusher.start();
        this.log('recovery complete: every partner was pulled from the start and every data file is back');
    }
    async stop() {
        clearInterval(this.watchdog);
        await this.auditor.stop();
        this.puller.stop();
        this.pusher.stop();
        this.fetcher.stop();
        this.links.stop();
        await this.host.stop();
    }
}
//# sourceMappingURL=quire-node.js.map