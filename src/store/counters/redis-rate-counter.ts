import { Redis } from 'ioredis';
import { TrunklineError } from '../../core/index.js';
import type { RateCounter, RateDecision } from './rate-counter.js';

// Fixed window in one round trip: INCR the window's key and set its expiry on first use,
// atomically (a Lua script runs alone on the Redis server), then read the remaining TTL.
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {n, ttl}
`;

export interface RedisRateCounterOptions {
  readonly url: string;
  /** Prefix of every key (tests use a unique one per run). */
  readonly prefix?: string;
}

export class RedisRateCounter implements RateCounter {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(options: RedisRateCounterOptions) {
    this.#redis = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true });
    // Each failed hit throws to its caller; without a listener ioredis would also print every reconnect failure.
    this.#redis.on('error', () => {});
    this.#prefix = options.prefix ?? 'trunkline:rate:';
  }

  async connect(): Promise<void> {
    try {
      await this.#redis.connect();
    } catch (err) {
      throw new TrunklineError('STORE_COUNTER_UNAVAILABLE', `cannot connect to Redis: ${(err as Error).message}`, { cause: err });
    }
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    const now = Date.now();
    const window = Math.floor(now / windowMs);
    let result: unknown;
    try {
      result = await this.#redis.eval(HIT, 1, `${this.#prefix}${key}:${window}`, String(windowMs));
    } catch (err) {
      throw new TrunklineError('STORE_COUNTER_UNAVAILABLE', `Redis rate counter failed: ${(err as Error).message}`, { cause: err });
    }
    const [count, ttl] = result as [number, number];
    const resetMs = ttl > 0 ? ttl : windowMs - (now % windowMs);
    return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetMs };
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }
}
