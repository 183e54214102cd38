import { randomBytes } from 'node:crypto';
import type { Clock, Logger } from '../core/index.js';
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
    const digestSecret = await redis.sharedSecret('digest-nonce');
    const heartbeat = new Heartbeat(redis, config, log);
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
        await redis.close();
      },
    };
  } catch (err) {
    await redis.close();
    throw err;
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

  constructor(redis: ClusterRedis, config: Config, log: Logger) {
    this.#redis = redis;
    this.#config = config;
    this.#log = log;
  }

  async beat(): Promise<void> {
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
