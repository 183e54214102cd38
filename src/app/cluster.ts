import { randomBytes } from 'node:crypto';
import { TrunklineError, type Clock, type Logger } from '../core/index.js';
import { NodeReaper, type LostCallStore } from '../edge/index.js';
import { ClusterRedis, type CallSlots } from '../store/index.js';
import type { Config } from './config.js';

/**
 * What makes several `trunkline serve` on one PostgreSQL + Redis one edge (issue 15): the
 * trunks' call slots counted in Redis, the digest nonce key shared, and this node's heartbeat
 * (which also keeps its calls' slots alive, and on which it closes the calls of lost nodes).
 * Without --redis a node is alone: slots in memory, a nonce key of its own, no heartbeat.
 */
export interface ClusterPart {
  /** undefined: the edge counts in this process. */
  readonly slots: CallSlots | undefined;
  /** HMAC key of the digest nonces (RFC 7616 §3.3): the same on every node of the cluster. */
  readonly digestSecret: Buffer;
  readonly redis: ClusterRedis | undefined;
  stop(): Promise<void>;
}

export interface ClusterDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly calls: LostCallStore;
}

export async function startCluster(config: Config, deps: ClusterDeps): Promise<ClusterPart> {
  const logger = deps.logger;
  if (config.redisUrl === null) {
    await new NodeReaper({ nodeId: config.nodeId, calls: deps.calls, clock: deps.clock, log: logger.child({ part: 'cluster' }), timeoutMs: config.nodeTimeoutMs }).closeLeftovers();
    return { slots: undefined, digestSecret: randomBytes(32), redis: undefined, stop: async () => {} };
  }
  const log = logger.child({ part: 'cluster', node_id: config.nodeId });
  const redis = await ClusterRedis.connect({ url: config.redisUrl, prefix: config.redisPrefix, nodeTimeoutMs: config.nodeTimeoutMs });
  try {
    const token = randomBytes(8).toString('hex');
    await claimNodeId(redis, config, token, log);
    const digestSecret = await redis.sharedSecret('digest-nonce');
    redis.onStatus((up, err) => {
      if (up) log.info({}, 'shared counters (Redis) answer again: new calls are admitted');
      else log.error({ err: err?.message }, 'shared counters (Redis) unavailable: new calls and REGISTERs are refused with 503 and Retry-After until Redis answers');
    });
    const heartbeat = new Heartbeat(redis, config, log, token);
    const reaper = new NodeReaper({
      nodeId: config.nodeId, calls: deps.calls, clock: deps.clock, log, timeoutMs: config.nodeTimeoutMs,
      nodes: {
        lostNodes: () => redis.lostNodes(config.nodeTimeoutMs),
        // The lock outlives a slow close; if its holder dies, another survivor takes over when it lapses.
        claimLost: (lost) => redis.claimLost(lost, config.nodeId, Math.max(60_000, 4 * config.nodeTimeoutMs)),
        forgetNode: (lost) => redis.forgetNode(lost),
        releaseLost: (slots) => redis.slots.releaseLost(slots),
      },
    });
    heartbeat.onBeat = async () => {
      await reaper.sweep();
    };
    await reaper.closeLeftovers();
    await heartbeat.beat();
    heartbeat.start();
    log.info({ timeout_ms: config.nodeTimeoutMs }, 'cluster node up');
    return {
      slots: redis.slots,
      digestSecret,
      redis,
      stop: async () => {
        heartbeat.stop();
        await redis.releaseNodeId(config.nodeId, token).catch(() => {});
        await redis.close();
      },
    };
  } catch (err) {
    await redis.close();
    throw err;
  }
}

/**
 * The node id is this process's while it beats. Held by another process: either a live node
 * (misconfigured: refuse to start) or the previous run of this node that crashed, whose claim
 * lapses within one node timeout — so wait that long before refusing.
 */
async function claimNodeId(redis: ClusterRedis, config: Config, token: string, log: Logger): Promise<void> {
  const deadline = Date.now() + config.nodeTimeoutMs + 1000;
  let warned = false;
  while (!(await redis.claimNodeId(config.nodeId, token, config.nodeTimeoutMs))) {
    if (Date.now() > deadline) {
      throw new TrunklineError('APP_NODE_ID_IN_USE', `node id ${config.nodeId} is held by a live node of the cluster (Redis prefix ${config.redisPrefix}); give each node its own --node-id`, { details: { nodeId: config.nodeId } });
    }
    if (!warned) log.warn({ node_id: config.nodeId }, 'node id held by another process (a live node, or this node\'s previous run): waiting for it to lapse');
    warned = true;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Three beats per node timeout, so one late beat does not make a node lost; each beat also
 * pushes this node's call slots' expiry forward by one timeout.
 */
class Heartbeat {
  readonly #redis: ClusterRedis;
  readonly #config: Config;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  onBeat: (() => Promise<void>) | undefined;

  readonly #token: string;

  constructor(redis: ClusterRedis, config: Config, log: Logger, token: string) {
    this.#redis = redis;
    this.#config = config;
    this.#log = log;
    this.#token = token;
  }

  async beat(): Promise<void> {
    // Lost the id (Redis flushed, or this process stalled past the timeout and another took it): take it again if free.
    if (!(await this.#redis.holdNodeId(this.#config.nodeId, this.#token, this.#config.nodeTimeoutMs))
      && !(await this.#redis.claimNodeId(this.#config.nodeId, this.#token, this.#config.nodeTimeoutMs))) {
      this.#log.error({ node_id: this.#config.nodeId }, 'another process holds this node id: give each node its own --node-id');
    }
    await this.#redis.beat(this.#config.nodeId);
    await this.#redis.slots.refresh();
  }

  start(): void {
    const every = Math.max(200, Math.floor(this.#config.nodeTimeoutMs / 3));
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.#running = this.beat()
        .then(() => this.onBeat?.())
        .catch((err: unknown) => this.#log.warn({ err }, 'cluster heartbeat failed'))
        .finally(() => (this.#running = undefined));
    }, every);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
