import { mkdir, readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { systemClock, TrunklineError, type Clock, type Logger } from '../core/index.js';
import { buildApp, type ApiPorts, type RouteModule } from '../api/index.js';
import { createRepos, MemoryRateCounter, ProvisioningWatch, openStore, pingStore, RedisRateCounter, type RateCounter, type Repos, type StoreConnection } from '../store/index.js';
import type { Config } from './config.js';
import { startSipServer, type SipServer } from './sip-server.js';
import { ensureSelfSignedCert } from './tls-cert.js';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerMediaMetrics } from './media-metrics.js';
import type { Kysely } from 'kysely';
import { CallsRepo, SAVE_WINDOW_MS, type CallsDatabase } from '../store/index.js';
import { CachedDirectory, relayMedia, StoreDirectory, type EdgeDirectory } from '../edge/index.js';
import { loadNativeRelay, MediaRelay, type MediaEngineName } from '../media/index.js';
import { SourceAddresses } from '../sip/index.js';
import { edgePorts, startEdge, type EdgePart } from './edge.js';
import { SAMPLE_MS as QUEUE_PROBE_MS, watchOverload } from './overload.js';
import { addressing } from './addressing.js';
import { startCluster } from './cluster.js';
import { CallFeed, redisFeedBus } from './call-feed.js';
import { HepExporter } from './hep-export.js';
import { DEMO_ACCOUNT_SID } from './demo.js';

/** A running trunkline: the addresses it listens on and one call that stops everything. */
export interface Trunkline {
  readonly http: { readonly host: string; readonly port: number };
  readonly sip: { readonly host: string; readonly port: number } | null;
  readonly tls: { readonly port: number } | null;
  /** The SIP listeners and transaction layer; the edge plugs its B2BUA in with sipServer.setHandler(). */
  readonly sipServer: SipServer;
  readonly store: StoreConnection;
  readonly repos: Repos;
  /** Stops the parts in reverse order of starting; safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly clock?: Clock;
  /** Where the one-line JSON events (demo account, listening) go; stdout by default. */
  readonly print?: (line: string) => void;
}

/** A started part: how to stop it. Parts are stopped in reverse order. */
interface Part {
  readonly name: string;
  stop(): Promise<void>;
}


/**
 * The composition root: store → migrations → demo account → shared counters → HTTP API.
 * Each part is started by one call below and pushed on `parts`; later parts (the SIP edge,
 * the media relay) are added the same way, before the `listening` line, which is printed
 * only once every part is up.
 */
export async function startTrunkline(config: Config, logger: Logger, options: StartOptions = {}): Promise<Trunkline> {
  const clock = options.clock ?? systemClock;
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const parts: Part[] = [];
  const stopAll = async (): Promise<void> => {
    for (const part of parts.splice(0).reverse()) {
      try {
        await part.stop();
      } catch (err) {
        logger.warn({ part: part.name, err: (err as Error).message }, 'part did not stop cleanly');
      }
    }
  };
  try {
    const store = await startStore(config, logger);
    parts.push({ name: 'store', stop: () => store.close() });
    // Issue 13: on SQLite every provisioning write is this process's (the API's repos), so the edge's
    // lookups are kept and dropped at each such write; on PostgreSQL other nodes write, and nothing is kept.
    const watch = store.dialect === 'sqlite' ? new ProvisioningWatch() : undefined;
    const repos = createRepos(watch ? store.db.withPlugin(watch) : store.db, clock);
    await ensureDemoAccount(repos, print);

    const rateCounter = await startRateCounter(config, clock);
    parts.push({ name: 'rate-counter', stop: () => rateCounter.close() });

    const extraRoutes: RouteModule[] = [];
    // The edge's API ports (calls, test-calls, /metrics) exist before HTTP; the edge itself starts after SIP.
    const metrics = new Registry();
    // The process's own series (CPU, heap, GC time by kind, event-loop delay percentiles): what
    // an operator reads first when setup times grow, and what bench/edge-cps reports per step.
    collectDefaultMetrics({ register: metrics });
    // The edge writes through the feed, which tells the API's call event stream (the console's live calls).
    const callFeed = new CallFeed(logger.child({ part: 'call-feed' }));
    // On SQLite every reader of the records but the operator's CLI is this process, and reads drain
    // the pending saves first: saves wait SAVE_WINDOW_MS to share a write. On PostgreSQL other nodes
    // read them (their API, a survivor closing a lost node's calls): written after one turn, as they come.
    // Issue 13: on an SQLite file the batches are written by a thread of their own (store.recordWriter), off the SIP stack's event loop.
    const storedCalls = new CallsRepo(store.db as unknown as Kysely<CallsDatabase>, {
      windowMs: store.dialect === 'sqlite' ? SAVE_WINDOW_MS : 0,
      writer: store.recordWriter,
      onWriterLost: (err) => logger.warn({ code: err.code, err: err.message, ...err.details }, 'call-record writer thread lost'),
    });
    // Call records are written in batches: the last ones land, and the writer thread ends, before the store closes (parts stop in reverse).
    parts.push({ name: 'call-records', stop: () => storedCalls.close() });
    const callsRepo = callFeed.observe(storedCalls);
    // Issue 15: with --redis, this node's call slots, nonce key and heartbeat are the cluster's.
    const cluster = await startCluster(config, { logger, clock, calls: storedCalls });
    parts.push({ name: 'cluster', stop: () => cluster.stop() });
    // A cluster's console sees every node's calls live, and a stream token from one node opens the stream on any.
    let streamTokenKey: Buffer | undefined;
    if (cluster.redis) {
      const stopSharing = await callFeed.shareThrough(redisFeedBus(cluster.redis.redis, `${cluster.redis.prefix}call-events`), config.nodeId);
      parts.push({ name: 'call-feed', stop: stopSharing });
      streamTokenKey = await cluster.redis.sharedSecret('stream-token');
    }
    // Filled once the edge is up; the API's test-calls port reads it at request time.
    const edgeRef: { current?: EdgePart } = {};
    // Per-call pcaps (POST …/calls/{sid}/recording, trunk setting record_calls): under the data directory,
    // or in --recordings-dir, which the nodes of a cluster share so any node's API serves any call's pcap.
    const recordingsDir = config.recordingsDir;
    await mkdir(recordingsDir, { recursive: true });
    const ports = { ...edgePorts(callsRepo, metrics, config.sipDomain, () => edgeRef.current, recordingsDir), callFeed, ...(streamTokenKey ? { streamTokenKey } : {}) };
    const http = await startHttp(config, { repos, store, rateCounter, clock, logger, extraRoutes, ports });
    parts.push({ name: 'http', stop: () => http.app.close() });

    // Issue 11: never a wildcard to a peer; per peer, the local address packets to it leave from.
    const sources = new SourceAddresses({ now: () => clock.now() });
    await sources.warm();
    const addresses = addressing(config, sources);
    const sipServer = await startSip(config, clock, logger, sources);
    parts.push({ name: 'sip', stop: () => sipServer.stop() });

    // SPEC §3: every call's RTP through the relay, on the configured range, ended after the RTP timeout.
    const relay = new MediaRelay({
      host: config.sip.host, advertisedAddress: addresses.mediaDefault, portRange: config.rtpPorts, rtpTimeoutMs: config.rtpTimeoutSeconds * 1000, clock,
      engine: mediaEngineFor(config, logger),
    });
    logger.info({ engine: relay.engine, rtpPorts: `${config.rtpPorts.lo}-${config.rtpPorts.hi}` }, 'media relay up');
    parts.push({ name: 'media-relay', stop: () => relay.close() });
    registerMediaMetrics(metrics, () => relay.counters());
    // The probe runs whether or not overload refuses calls: the trace and HEP note each received message's wait with it.
    const queueProbe = sipServer.probeQueues(QUEUE_PROBE_MS);
    const hep = config.hep ? await HepExporter.open(config.hep, config.nodeId, logger) : undefined;
    if (hep) {
      // Every message on the wire, from the transports; the edge's trace only names their calls.
      hep.localFor = (remote) => sources.for(remote);
      // A received datagram is stamped with when it arrived, as the call's trace has it (onTheWireAt): read time less its wait in the queue.
      sipServer.setTap((e) => hep.message(e.direction === 'in' && e.protocol === 'udp' ? { ...e, at: e.at - queueProbe.waitNowMs(e.local) } : e));
      parts.push({ name: 'hep', stop: () => {
        sipServer.setTap(undefined);
        return hep.close();
      } });
    }
    const overload = config.overloadDelayMs === null ? undefined : watchOverload(sipServer, config.overloadDelayMs, logger, metrics);
    if (overload) parts.push({ name: 'overload', stop: async () => overload.stop() });
    const started = await startEdge({
      sipServer, sipHost: config.sip.host, sipDomain: config.sipDomain, carriers: config.carriers, pstnSim: config.pstnSim,
      directory: edgeDirectory(new StoreDirectory(repos.read, config.sipDomain), watch, clock), calls: callsRepo, clock, logger, registry: metrics,
      addresses, media: relayMedia(relay, { recordingsDir, clock, addressFor: addresses.mediaFor }), thresholds: config.diagnosis, liveRefreshMs: config.liveRefreshMs,
      digestSecret: cluster.digestSecret, nodeId: config.nodeId,
      ...(cluster.redis ? { nonceCounts: { advance: (nonce: string, nc: number, ttlMs: number) => cluster.redis!.advanceNonceCount(nonce, nc, ttlMs) } } : {}), ...(cluster.slots ? { slots: cluster.slots } : {}), ...(hep ? { observer: hep } : {}),
      registrations: repos.registrations, digestAlgorithms: config.digestAlgorithms, ...(overload ? { load: overload.gauge } : {}),
      queueWait: (socket) => queueProbe.waitNowMs(socket),
      diagnoseOffThread: config.diagnoseIn === 'thread',
    });
    edgeRef.current = started;
    parts.push({ name: 'edge', stop: () => started.stop() });

    print(JSON.stringify({ event: 'listening', http: http.port, sip: sipServer.ports.sip, tls: sipServer.ports.tls }));
    logger.info({ http: http.port, store: store.dialect }, 'trunkline is up');
    return {
      http: { host: config.http.host, port: http.port },
      sip: { host: config.sip.host, port: sipServer.ports.sip },
      tls: sipServer.ports.tls === null ? null : { port: sipServer.ports.tls },
      sipServer,
      store,
      repos,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err instanceof TrunklineError ? err : new TrunklineError('APP_START_FAILED', `start failed: ${(err as Error).message}`, { cause: err });
  }
}

/** --media-engine native runs the addon when it loads; when it does not, the JS engine, saying why. */
function mediaEngineFor(config: Config, logger: Logger): MediaEngineName {
  if (config.mediaEngine === 'js') return 'js';
  const loaded = loadNativeRelay();
  if (loaded.ok) return 'native';
  logger.warn({ code: 'MEDIA_NATIVE_UNAVAILABLE', reason: loaded.reason }, 'native media engine unavailable, relaying RTP with the JS engine');
  return 'js';
}

async function startStore(config: Config, logger: Logger): Promise<StoreConnection> {
  const store = await openStore(config.store, { recordWriter: config.recordWriter });
  try {
    const applied = await store.migrate();
    if (applied.length > 0) logger.info({ migrations: applied }, 'store migrated');
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

/** On an empty store, a demo account so the README's curl flow works at once; printed once. */
async function ensureDemoAccount(repos: Repos, print: (line: string) => void): Promise<void> {
  if ((await repos.accounts.count()) > 0) return;
  try {
    const created = await repos.accounts.create(DEMO_ACCOUNT_SID);
    print(JSON.stringify({ event: 'demo_account', ...created, note: 'shown once; the token is stored hashed' }));
  } catch (err) {
    // Another node of the same PostgreSQL store made it first.
    if (!(err instanceof TrunklineError && err.code === 'STORE_DUPLICATE')) throw err;
  }
}

/** SIP over UDP+TCP, and TLS with the configured or a generated self-signed certificate (SPEC §7). */
async function startSip(config: Config, clock: Clock, logger: Logger, sources: SourceAddresses): Promise<SipServer> {
  let tls: { port: number; key: Buffer; cert: Buffer } | null = null;
  if (config.tls?.mode === 'files') {
    tls = { port: config.tls.port, key: await readFile(config.tls.key), cert: await readFile(config.tls.cert) };
  } else if (config.tls?.mode === 'self-signed') {
    const made = await ensureSelfSignedCert(config.dataDir, [config.sipDomain, `*.${config.sipDomain}`, 'localhost']) // trunk domains are {account}.{sip_domain};
    tls = { port: config.tls.port, key: made.key, cert: made.cert };
  }
  // Long SIP timers (32 s, 5 s; nearly all cancelled unfired) share a 100 ms slot: fired ≤ 100 ms late, never early.
  return startSipServer({ host: config.sip.host, port: config.sip.port, tls, clock, logger, sources, timerGranularityMs: 100, ...(config.publicAddress ? { advertisedHost: config.publicAddress } : {}) });
}

async function startRateCounter(config: Config, clock: Clock): Promise<RateCounter> {
  if (config.redisUrl === null) return new MemoryRateCounter(clock);
  const redis = new RedisRateCounter({ url: config.redisUrl, prefix: `${config.redisPrefix}rate:` });
  await redis.connect();
  return redis;
}

interface HttpDeps {
  readonly repos: Repos;
  readonly store: StoreConnection;
  readonly rateCounter: RateCounter;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly extraRoutes: readonly RouteModule[];
  readonly ports?: ApiPorts;
}

async function startHttp(config: Config, deps: HttpDeps): Promise<{ app: FastifyInstance; port: number }> {
  const app = await buildApp({
    repos: deps.repos,
    rateCounter: deps.rateCounter,
    clock: deps.clock,
    logger: deps.logger.child({ part: 'api' }),
    ping: () => pingStore(deps.store.db),
    extraRoutes: deps.extraRoutes,
    ...(deps.ports ? { ports: deps.ports } : {}),
    settings: {
      sipDomain: config.sipDomain,
      nsoCodes: config.nsoCodes,
      minWhitelistMask: config.minWhitelistMask,
      rateLimitPerMinute: config.apiRateLimitPerMinute,
    },
  });
  await app.listen({ host: config.http.host, port: config.http.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  return { app, port };
}

/** The store's directory, cached when `watch` tells of every provisioning write. */
function edgeDirectory(store: StoreDirectory, watch: ProvisioningWatch | undefined, clock: Clock): EdgeDirectory {
  if (!watch) return store;
  const cached = new CachedDirectory(store, clock);
  watch.onChange(() => cached.invalidate());
  return cached;
}
