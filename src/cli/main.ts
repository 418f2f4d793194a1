/**
 * The `quire` command line. Parsing with commander; every command either runs `serve`, `init`, or
 * an operation through {@link invoke}. Results go to stdout (human text, or JSON with --json);
 * errors are one line on stderr with the exit codes of BRIEF "The operator's interface".
 */
import { Command, CommanderError } from 'commander'
import { resolveHome, type HomePaths } from '../home/paths.js'
import { parseListenAddr } from '../home/config.js'
import { Site } from '../site.js'
import { EXIT_USAGE, InputError, QuireError, toQuireError } from '../errors.js'
import { invoke } from './invoke.js'
import { progressBar } from './progress-bar.js'
import { printError, printResult, table, yesNo, type Output } from './print.js'
import type { PeerView } from '../ops/peer.js'
import type { StatusResult } from '../ops/status.js'
import type { IdResult } from '../ops/id.js'
import type { DocView } from '../ops/docs.js'
import type { BatchFailure } from '../ops/put-batch.js'
import type { SyncResult } from '../ops/sync.js'
import type { LeaseView } from '../ops/locks.js'
import type { AuditReport } from '../store/audit.js'
import type { RepairRecord } from '../node/repairer.js'
import type { LogEvent } from '../ops/log.js'
import type { MigrateResult } from '../ops/migrate.js'
import { validateObjectStore, type ObjectStoreConfig } from '../store/s3/s3-config.js'
import { resolve as resolvePath } from 'node:path'

interface GlobalOpts { home?: string, json?: boolean }

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

function globals (cmd: Command): { paths: HomePaths, out: Output } {
  const g = cmd.optsWithGlobals<GlobalOpts>()
  return { paths: resolveHome(g.home), out: { json: g.json === true } }
}

function positiveSeconds (value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new InputError(`--interval must be a positive number of seconds, got "${value}"`, 'usage')
  return n
}

function peerLines (rows: PeerView[]): string {
  if (rows.length === 0) return 'no partners: add one with "quire peer add PEER_ID --addr MULTIADDR"'
  return table(
    ['PEER', 'CONNECTED', 'REPLICATE', 'DATA', 'HUB', 'UPDATES', 'NAMESPACES', 'ADDRS', 'LAST CHECKED'],
    rows.map(r => [
      r.peerId, yesNo(r.connected), yesNo(r.replicate),
      yesNo(r.datareplicate) + (r.noEffect.includes('datareplicate') ? '*' : ''),
      yesNo(r.hub) + (r.noEffect.includes('hub') ? '*' : ''),
      yesNo(r.updates), r.namespaces.length > 0 ? r.namespaces.join(',') : 'all',
      r.addrs.length > 0 ? r.addrs.join(' ') : '(accept-only)', r.lastChecked ?? 'never'
    ])
  ) + (rows.some(r => r.noEffect.length > 0) ? '\n* no effect without replicate' : '')
}

function peerLine (r: PeerView): string {
  return peerLines([r])
}

function statusLines (s: StatusResult): string {
  const head = [
    `node       ${s.peerId}`,
    `running    ${s.running ? `yes, since ${s.startedAt ?? '?'}` : 'no'}`,
    ...(s.recoveringSince != null ? [`RECOVERING since ${s.recoveringSince}: pulling everything back; no commits until every partner was pulled and every file is back`] : []),
    ...(s.addrs.length > 0 ? [`addrs      ${s.addrs.join('\n           ')}`] : []),
    `documents  ${s.counts.documents} (change log at ${s.lastSeq}); data files wanted: ${s.counts.wantedFiles}`,
    `files in   ${s.fileStore}`,
    `partners   ${s.counts.peers} (${s.counts.connected} connected)`,
    ...(s.gate != null ? [`refused    ${s.gate.deniedInbound} inbound, ${s.gate.deniedOutbound} outbound connections from unlisted peers`] : []),
    ...s.transfers.map(t => `receiving  ${t.cid} from ${t.peer}: ${t.done}/${t.size} B`),
    ...s.repairs.filter(r => r.state !== 'audited').slice(0, 10).map(r => `repair     ${r.id} from ${r.from}: ${r.state}${r.reason != null ? ` (${r.reason})` : ''}`),
    `audit      ${s.audit.last == null ? 'never run' : `${s.audit.last.finishedAt}: ${s.audit.last.checked} files, ${s.audit.last.corrupt} damaged, ${s.audit.last.unknown} unknown`}; quarantined now: ${s.audit.damagedNow}`
  ]
  if (s.partners.length === 0) return head.join('\n')
  const rejected = (p: StatusResult['partners'][number]): string => {
    const r = Object.entries(p.counters?.rejected ?? {})
    return r.length === 0 ? '0' : r.map(([k, v]) => `${k}:${v}`).join(',')
  }
  return head.join('\n') + '\n\n' + table(
    ['PEER', 'CONNECTED', 'LAST CHECKED', 'PUSHED TO', 'STORED', 'DUPS', 'REJECTED'],
    s.partners.map(p => [
      p.peerId + (p.acceptOnly ? ' (accept-only)' : ''), yesNo(p.connected), p.lastChecked ?? 'never',
      p.pushCursor == null ? '-' : `${p.pushCursor}/${s.lastSeq}`,
      String(p.counters?.stored ?? '-'), String(p.counters?.duplicates ?? '-'), rejected(p)
    ]))
}

/** Paths reach the node through the API: make them absolute against the caller's directory. */
const abs = (p: string | undefined): string | undefined => p == null ? undefined : resolvePath(p)

let exitCode = 0

/** Run an operation and print its result; `exit` may turn a result into exit 1 ("found a problem"). */
function opAction (name: string | ((cmd: Command) => string), toArgs: (cmd: Command, ...positional: any[]) => object, human: (r: any) => string, exit?: (r: any) => number) {
  return async (...params: any[]): Promise<void> => {
    const cmd = params[params.length - 1] as Command
    const positional = params.slice(0, -2)
    const { paths, out } = globals(cmd)
    const bar = progressBar(out.json)
    let result
    try {
      result = await invoke(paths, typeof name === 'string' ? name : name(cmd), toArgs(cmd, ...positional), bar?.onProgress)
    } finally {
      bar?.done()
    }
    printResult(out, result, human)
    exitCode = exit?.(result) ?? 0
  }
}

function docLine (d: DocView): string {
  const data = d.data == null ? 'no data' : `data ${d.data.cid} ${d.data.size} B ${d.data.local ? 'local' : 'NOT local'}`
  return `${d.id}  rev ${d.rev}${d.deleted ? ' (deleted)' : ''}  home ${d.home}  ${data}`
}

interface ObjectStoreFlags { objectStore?: string, bucket?: string, prefix?: string, region?: string, credentialsFile?: string }

/** The options that name an object store: `init` and `migrate` take the same ones. */
function objectStoreOptions (c: Command): Command {
  return c.option('--bucket <name>', 'the object store bucket (created if missing)')
    .option('--prefix <prefix>', 'key prefix inside the bucket, ending in "/" (default: none)')
    .option('--region <region>', 'the S3 region to sign for (default us-east-1)')
    .option('--credentials-file <file>', 'a 0600 JSON file {accessKeyId, secretAccessKey} (default: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)')
}

function objectStoreTarget (o: ObjectStoreFlags): ObjectStoreConfig {
  if (o.bucket == null) throw new InputError('--object-store needs --bucket', 'usage')
  return validateObjectStore({
    endpoint: o.objectStore,
    bucket: o.bucket,
    prefix: o.prefix ?? '',
    ...(o.region != null ? { region: o.region } : {}),
    ...(o.credentialsFile != null ? { credentialsFile: resolvePath(o.credentialsFile) } : {})
  }, 'command line')
}

export function buildProgram (): Command {
  const program = new Command('quire')
    .description('Peer-to-peer replication node for closed networks of trusted sites')
    .option('--home <dir>', 'home directory (default: $QUIRE_HOME, else ~/.quire)')
    .option('--json', 'machine-readable output; errors as {error, code} on stderr')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: () => {} })

  objectStoreOptions(program.command('init')
    .description('create a home: a new identity, an empty store and file store, config.json')
    .option('--listen <multiaddr>', 'address to listen on (repeatable; default /ip4/0.0.0.0/tcp/4770)', collect)
    .option('--announce <multiaddr>', 'address partners should dial (repeatable)', collect)
    .option('--object-store <url>', 'keep data files on this S3 endpoint (with --bucket) instead of files/'))
    .action(async (opts: { listen?: string[], announce?: string[] } & ObjectStoreFlags, cmd: Command) => {
      const { paths, out } = globals(cmd)
      const settings = {
        ...(opts.listen != null ? { listen: opts.listen.map(a => parseListenAddr(a, '--listen')) } : {}),
        ...(opts.announce != null ? { announce: opts.announce.map(a => parseListenAddr(a, '--announce')) } : {}),
        ...(opts.objectStore != null ? { objectStore: objectStoreTarget(opts) } : {})
      }
      const site = await Site.init(paths, settings)
      const result = { home: paths.root, peerId: site.peerId, listen: site.config.listen, announce: site.config.announce }
      await site.close()
      printResult(out, result, r => `initialised ${r.home}\npeer ID ${r.peerId}\nlisten  ${r.listen.join(' ')}\nstart the node with: quire serve${r.home !== resolveHome().root ? ` --home ${r.home}` : ''}`)
    })

  program.command('serve')
    .description('run the node until SIGINT/SIGTERM')
    .option('--interval <seconds>', 'delta-T interval (default: config.json "interval", 300)', positiveSeconds)
    .option('--recover', 'rebuild a lost or emptied store from partners: new epoch, pull only, no commits until done')
    .action(async (opts: { interval?: number, recover?: boolean }, cmd: Command) => {
      const { paths, out } = globals(cmd)
      const { serve } = await import('./serve.js') // libp2p loads only for the commands that run a node
      await serve(paths, {
        interval: opts.interval,
        recover: opts.recover === true,
        onReady: info => printResult(out, info, r => `quire node ${r.peerId} ready\n${r.addrs.map((a: string) => `  ${a}`).join('\n')}\nlocal API ${r.api}`)
      })
    })

  program.command('id')
    .description('print this node\'s peer ID and the addresses partners should dial')
    .action(opAction('id', () => ({}), (r: IdResult) => [r.peerId, ...r.addrs].join('\n')))

  const peer = program.command('peer').description('the peer table: who this node trusts and what it sends them')
  const flagOptions = (c: Command, negatable: boolean): Command => {
    c.option('--replicate', 'send metadata documents to this partner')
      .option('--datareplicate', 'also send data files (needs --replicate)')
      .option('--hub', 'also forward documents homed elsewhere (needs --replicate)')
      .option('--no-updates', 'do not grant this partner locks on documents homed here')
      .option('--namespaces <list>', 'comma-separated namespaces to accept from this partner ("" = all; "-" = ids without one)')
    if (negatable) {
      c.option('--no-replicate').option('--no-datareplicate').option('--no-hub').option('--updates')
    }
    return c
  }
  const flagArgs = (o: any): object => ({ replicate: o.replicate, datareplicate: o.datareplicate, hub: o.hub, updates: o.updates, namespaces: o.namespaces })

  flagOptions(peer.command('add')
    .description('list a partner; TARGET is a peer ID or a full /…/p2p/<peer ID> address')
    .argument('<target>')
    .option('--addr <multiaddr>', 'address to dial it at (repeatable; none = accept-only)', collect), false)
    .action(opAction('peer.add', (cmd, target) => ({ target, addrs: cmd.opts().addr, ...flagArgs(cmd.opts()), updates: cmd.opts().updates !== false }), peerLine))

  flagOptions(peer.command('set')
    .description('change a partner\'s row')
    .argument('<peer-id>')
    .option('--addr <multiaddr>', 'replace its addresses (repeatable)', collect)
    .option('--accept-only', 'remove all its addresses: never dial it, only accept it'), true)
    .action(opAction('peer.set', (cmd, peerId) => {
      const o = cmd.opts()
      return { peerId, ...flagArgs(o), addrs: o.addr, clearAddrs: o.acceptOnly === true }
    }, peerLine))

  peer.command('rm')
    .description('remove a partner: its connections close at once')
    .argument('<peer-id>')
    .action(opAction('peer.rm', (_cmd, peerId) => ({ peerId }), r => `removed ${r.removed}`))

  peer.command('ls')
    .description('list the peer table')
    .action(opAction('peer.ls', () => ({}), peerLines))

  program.command('put')
    .description('insert a document homed here; or many with --batch FILE (JSON lines {"id","meta","data"?})')
    .argument('[doc-id]')
    .option('--meta <file>', 'metadata file')
    .option('--data <file>', 'data file')
    .option('--batch <file>', 'insert every line of FILE')
    .action(opAction(
      cmd => cmd.opts().batch != null ? 'put.batch' : 'put',
      (cmd, id) => {
        const o = cmd.opts()
        if (o.batch != null) {
          if (id != null || o.meta != null || o.data != null) throw new InputError('--batch takes no DOC_ID, --meta or --data', 'usage')
          return { file: abs(o.batch) }
        }
        if (id == null || o.meta == null) throw new InputError('put needs DOC_ID and --meta FILE (or --batch FILE)', 'usage')
        return { id, meta: abs(o.meta), data: abs(o.data) }
      },
      (r: any) => r.total != null
        ? [`stored ${r.stored} of ${r.total} documents`, ...r.failed.map((f: BatchFailure) => `line ${f.line}${f.id != null ? ` (${f.id})` : ''}: ${f.error}`)].join('\n')
        : `${r.id} rev ${r.rev} home ${r.home}`,
      (r: any) => r.failed?.length > 0 ? 1 : 0))

  const waitOption = (c: Command): Command => c.option('--wait <seconds>', 'keep retrying this long while another holder has the lock (default 10)', (v: string) => Number(v))
  waitOption(program.command('update')
    .description('a new revision of a document (through its home\'s lock if it is homed elsewhere)')
    .argument('<doc-id>')
    .option('--meta <file>', 'new metadata file')
    .option('--data <file>', 'new data file'))
    .action(opAction('update', (cmd, id) => ({ id, meta: abs(cmd.opts().meta), data: abs(cmd.opts().data), wait: cmd.opts().wait }), r => `${r.id} rev ${r.rev}`))

  waitOption(program.command('rm')
    .description('delete a document: a signed tombstone revision (its data file is kept)')
    .argument('<doc-id>'))
    .action(opAction('rm', (cmd, id) => ({ id, wait: cmd.opts().wait }), r => `${r.id} rev ${r.rev} deleted`))

  const lock = program.command('lock').description('leases this node grants as the home of documents')
  lock.command('ls')
    .description('live leases')
    .action(opAction('lock.ls', () => ({}), (r: LeaseView[]) => r.length === 0 ? 'no live leases' : table(['DOCUMENT', 'HOLDER', 'AT REV', 'GRANTED', 'EXPIRES IN'], r.map(l => [l.id, l.holder, String(l.baseRev), l.grantedAt, `${(l.remainingMs / 1000).toFixed(1)} s`]))))
  lock.command('break')
    .description('drop the lease on a document; its holder\'s commit will be refused')
    .argument('<doc-id>')
    .action(opAction('lock.break', (_cmd, id) => ({ id }), r => `broke the lease of ${r.holder} on ${r.id}`))

  program.command('get')
    .description('show a document; write its metadata and data file out')
    .argument('<doc-id>')
    .option('--meta-out <file>', 'write the metadata here')
    .option('--data-out <file>', 'write the data file here (verified against its content ID)')
    .action(opAction('get', (cmd, id) => ({ id, metaOut: abs(cmd.opts().metaOut), dataOut: abs(cmd.opts().dataOut) }), docLine))

  program.command('ls')
    .description('list documents in id order, a page at a time')
    .option('--namespace <ns>', 'only this namespace ("-" = ids without one)')
    .option('--limit <n>', 'at most N (default 1000)', (v: string) => Number(v))
    .option('--after <id>', 'start after this id (the last id of the previous page)')
    .action(opAction('ls', cmd => ({ namespace: cmd.opts().namespace, limit: cmd.opts().limit, after: cmd.opts().after }), (r: DocView[]) => r.length === 0 ? 'no documents' : r.map(docLine).join('\n')))

  program.command('sync')
    .description('a delta-T pass now; --full compares whole inventories both ways')
    .option('--peer <peer-id>', 'only this partner')
    .option('--full', 'pull the partner\'s whole inventory and offer it ours (force replicate)')
    .action(opAction('sync', cmd => ({ peer: cmd.opts().peer, full: cmd.opts().full === true }), (r: SyncResult) => r.partners.length === 0
      ? 'no connected partners'
      : r.partners.map(p => `${p.peerId}: ${p.ok ? 'ok' : `FAILED (${p.error ?? '?'})`}, ${p.received} received, ${p.stored} stored, ${p.duplicates} duplicates, ${Object.values(p.rejected).reduce((a, b) => a + b, 0)} rejected${Object.keys(p.rejected).length > 0 ? ` (${Object.entries(p.rejected).map(([k, v]) => `${k}:${v}`).join(', ')})` : ''}`).join('\n'),
    (r: SyncResult) => r.partners.some(p => !p.ok) ? 3 : 0))

  program.command('audit')
    .description('re-hash every data file and verify every record; exit 1 on damage')
    .option('--rate <MBps>', 'throttle reading to this many MB/s', (v: string) => Number(v))
    .action(opAction('audit', cmd => ({ rate: cmd.opts().rate }), (r: AuditReport) => [
      `checked ${r.checked} data files (${r.bytes} bytes) and ${r.records} records`,
      ...r.corrupt.map(c => `DAMAGED ${c.kind} ${c.id ?? '(no document)'} ${c.cid ?? ''} ${c.reason}`),
      ...r.unknown.map(u => `unknown file ${u} (no record names it; left in place)`),
      ...r.adopted.map(a => `adopted ${a} (whole, named by a record, was missing from the index)`),
      r.corrupt.length === 0 ? 'no damage found' : `${r.corrupt.length} damaged: repair with "quire repair DOC_ID --from PEER_ID" or "quire repair --all --from PEER_ID"`
    ].join('\n'), (r: AuditReport) => r.corrupt.length > 0 ? 1 : 0))

  program.command('repair')
    .description('replace a damaged or missing data file with a verified copy from a partner')
    .argument('[doc-id]')
    .option('--all', 'every data file this node should hold and does not hold whole')
    .requiredOption('--from <peer-id>', 'the partner to copy from')
    .action(opAction('repair', (cmd, id) => ({ id, all: cmd.opts().all === true, from: cmd.opts().from }), (r: any) => r.state != null
      ? `${r.id} ${r.cid}: ${r.state} from ${r.from}`
      : `repaired ${r.repaired.length}, failed ${r.failed.length}, already good ${r.alreadyGood}${r.failed.map((f: RepairRecord) => `\n  FAILED ${f.id}: ${f.reason ?? ''}`).join('')}`,
    (r: any) => (r.failed?.length ?? 0) > 0 ? 1 : 0))

  program.command('log')
    .description('a document\'s history on this node: revisions, where they came from, repairs')
    .argument('<doc-id>')
    .action(opAction('log', (_cmd, id) => ({ id }), (r: { id: string, events: LogEvent[] }) => r.events.map(e => {
      switch (e.kind) {
        case 'revision': return `${e.at}  rev ${e.rev}${e.deleted ? ' (deleted)' : ''} committed by ${e.committedBy} at ${e.committedAt}, ${e.from == null ? (e.requestedBy != null ? `committed here for ${e.requestedBy} (lock)` : 'committed here') : `received from ${e.from}`}${e.data != null ? `, data ${e.data.cid} ${e.data.size} B` : ''}${e.verified ? '' : ' SIGNATURE INVALID'}`
        case 'repair': return `${e.at}  repair of ${e.cid} from ${e.from}: ${e.state}${e.reason != null ? ` (${e.reason})` : ''}`
        case 'damage': return `${e.at}  data file ${e.cid} found damaged: ${e.reason}`
      }
      return ''
    }).join('\n')))

  program.command('demo')
    .description('the Metacat seed\'s three-site network on loopback: what reaches where, and why')
    .action(async (_opts: unknown, cmd: Command) => {
      const { out } = globals(cmd)
      const { demoTable, runDemo } = await import('./demo.js')
      const result = await runDemo(line => { if (!out.json) process.stdout.write(line + '\n') })
      printResult(out, result, r => '\n' + demoTable(r))
      exitCode = result.ok ? 0 : 1
    })

  objectStoreOptions(program.command('migrate')
    .description("copy this home's data files into an S3 object store, verified and resumable, then use it (node stopped)")
    .requiredOption('--object-store <url>', 'the S3 endpoint, e.g. http://127.0.0.1:7480'))
    .action(opAction('migrate', cmd => ({ target: objectStoreTarget(cmd.opts()) }), (r: MigrateResult) => [
      `copied ${r.copied} data files (${r.copiedBytes} bytes) to ${r.to} in ${r.seconds.toFixed(1)} s; ${r.alreadyThere} were already there`,
      ...r.damaged.map(c => `NOT COPIED ${c}: quarantined as damaged here; after the switch run "quire repair --all --from PEER_ID"`),
      ...r.failed.map(f => `FAILED ${f.cid}: ${f.error}`),
      r.switched
        ? 'config.json now keeps data files on the object store; files/ is no longer used: remove it once "quire audit" is clean'
        : 'config.json unchanged (still files/): fix the failures and run the same command again; it resumes'
    ].join('\n'), (r: MigrateResult) => r.switched && r.damaged.length === 0 ? 0 : 1))

  program.command('status')
    .description('partners, connections, last checks and counts')
    .action(opAction('status', () => ({}), statusLines))

  return program
}

export async function main (argv: string[]): Promise<number> {
  const program = buildProgram()
  const out: Output = { json: argv.includes('--json') }
  try {
    await program.parseAsync(argv, { from: 'user' })
    return exitCode
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0
      printError(out, new QuireError(err.message.replace(/^error: /, ''), 'usage', EXIT_USAGE))
      return EXIT_USAGE
    }
    const q = toQuireError(err)
    if (q.code === 'internal' && process.env.DEBUG != null) console.error(err)
    printError(out, q)
    return q.exitCode
  }
}
