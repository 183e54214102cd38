import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { TrunklineError } from '../../core/index.js';
import { RedisCallSlots } from './redis-call-slots.js';

// Redis's clock in ms: every node reads the same time, so heartbeats compare across machines.
const NOW = `local t = redis.call('TIME') return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
const HOLD = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 0`;
// RFC 7616 §3.4 across nodes: the count recorded only when higher than the last, in one step.
const ADVANCE_NC = `local last = tonumber(redis.call('GET', KEYS[1]) or '-1') if tonumber(ARGV[1]) <= last then return 0 end redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1`;
const BEAT = `local t = redis.call('TIME') redis.call('ZADD', KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1]) return 0`;

export interface ClusterRedisOptions {
  readonly url: string;
  /** Prefix of every key: the nodes of one cluster share it (tests use one per run). */
  readonly prefix: string;
  /** A node silent this long is lost; its concurrent-call slots lapse after the same time. */
  readonly nodeTimeoutMs: number;
}

/**
 * What several edges share in Redis (issue 15): the trunks' call slots, the nodes' heartbeats,
 * the lock a survivor takes to close a lost node's calls once, and secrets created once for
 * the whole cluster (the digest nonce key, so a nonce issued by one node verifies on another).
 */
export class ClusterRedis {
  readonly redis: Redis;
  readonly prefix: string;
  readonly slots: RedisCallSlots;

  #up = true;
  readonly #statusListeners: ((up: boolean, err?: Error) => void)[] = [];

  private constructor(redis: Redis, options: ClusterRedisOptions) {
    this.redis = redis;
    // ioredis reconnects by itself; these say when the link went and came back (once each, not per retry).
    redis.on('error', (err: Error) => this.#status(false, err));
    redis.on('ready', () => this.#status(true));
    this.prefix = options.prefix;
    this.slots = new RedisCallSlots(redis, { prefix: options.prefix, slotTtlMs: options.nodeTimeoutMs });
  }

  static async connect(options: ClusterRedisOptions): Promise<ClusterRedis> {
    const redis = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true });
    try {
      await redis.connect();
    } catch (err) {
      redis.disconnect();
      throw new TrunklineError('STORE_COUNTER_UNAVAILABLE', `cannot connect to Redis: ${(err as Error).message}`, { cause: err });
    }
    return new ClusterRedis(redis, options);
  }

  /** Told when Redis stops answering and when it answers again. */
  onStatus(listener: (up: boolean, err?: Error) => void): void {
    this.#statusListeners.push(listener);
  }

  #status(up: boolean, err?: Error): void {
    if (up === this.#up) return;
    this.#up = up;
    for (const l of this.#statusListeners) l(up, err);
  }

  /** A secret of `bytes` random bytes, made by the first node to ask and read by every other. */
  async sharedSecret(name: string, bytes = 32): Promise<Buffer> {
    const key = `${this.prefix}secret:${name}`;
    const value = await this.#run(async () => {
      // SET NX: of two nodes starting at once, one writes and both read the same value.
      await this.redis.set(key, randomBytes(bytes).toString('hex'), 'NX');
      return this.redis.get(key);
    });
    if (!value) throw new TrunklineError('STORE_COUNTER_UNAVAILABLE', `Redis lost the shared secret ${name}`);
    return Buffer.from(value, 'hex');
  }

  /**
   * Takes `nodeId` for this process (`token`, unique per process) for `ttlMs`: false while another
   * live process holds it. Two live nodes under one id would refresh each other's heartbeat, so
   * neither could ever be found lost.
   */
  async claimNodeId(nodeId: string, token: string, ttlMs: number): Promise<boolean> {
    return this.#run(async () => (await this.redis.set(`${this.prefix}node:${nodeId}`, token, 'PX', ttlMs, 'NX')) === 'OK');
  }

  /** Keeps the id for another `ttlMs` if this process still holds it; false when it does not. */
  async holdNodeId(nodeId: string, token: string, ttlMs: number): Promise<boolean> {
    return this.#run(async () => Number(await this.redis.eval(HOLD, 1, `${this.prefix}node:${nodeId}`, token, String(ttlMs))) === 1);
  }

  /** Gives the id back on a clean stop, so the node can start again at once. */
  async releaseNodeId(nodeId: string, token: string): Promise<void> {
    await this.#run(() => this.redis.eval(RELEASE, 1, `${this.prefix}node:${nodeId}`, token));
  }

  /**
   * The digest nonce counts every node checks (RFC 7616 §3.4): true when `nc` is higher than
   * any count recorded for `nonce` on any node, and then recorded; false for a replay.
   */
  async advanceNonceCount(nonce: string, nc: number, ttlMs: number): Promise<boolean> {
    return this.#run(async () => Number(await this.redis.eval(ADVANCE_NC, 1, `${this.prefix}nc:${nonce}`, String(nc), String(Math.max(1000, ttlMs)))) === 1);
  }

  /** This node is alive now (a sorted set node_id → Redis time of its last beat). */
  async beat(nodeId: string): Promise<void> {
    await this.#run(() => this.redis.eval(BEAT, 1, `${this.prefix}nodes`, nodeId));
  }

  /** Nodes whose last beat is older than `timeoutMs`. */
  async lostNodes(timeoutMs: number): Promise<string[]> {
    return this.#run(async () => {
      const now = Number(await this.redis.eval(NOW, 0));
      return this.redis.zrangebyscore(`${this.prefix}nodes`, '-inf', `(${now - timeoutMs}`);
    });
  }

  /** Nodes that beat within `timeoutMs`. */
  async liveNodes(timeoutMs: number): Promise<string[]> {
    return this.#run(async () => {
      const now = Number(await this.redis.eval(NOW, 0));
      return this.redis.zrangebyscore(`${this.prefix}nodes`, now - timeoutMs, '+inf');
    });
  }

  /**
   * The lock a survivor takes before closing a lost node's calls: SET NX with an expiry, so
   * exactly one node does it, and another takes over if that one dies in the middle.
   */
  async claimLost(lostNode: string, byNode: string, ttlMs: number): Promise<boolean> {
    return this.#run(async () => (await this.redis.set(`${this.prefix}reap:${lostNode}`, byNode, 'PX', ttlMs, 'NX')) === 'OK');
  }

  /** The lost node's calls are closed: it leaves the node set (its lock lapses on its own). */
  async forgetNode(nodeId: string): Promise<void> {
    await this.#run(() => this.redis.zrem(`${this.prefix}nodes`, nodeId));
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  async #run<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (err) {
      throw new TrunklineError('STORE_COUNTER_UNAVAILABLE', `Redis failed: ${(err as Error).message}`, { cause: err });
    }
  }
}
