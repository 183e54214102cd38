import type { Redis } from 'ioredis';
import { TrunklineError } from '../../core/index.js';
import { RATE_WINDOW_MS, type CallSlots, type SlotDecision, type SlotRequest } from './call-slots.js';

// Both limits checked and both slots taken in one script: Redis runs a script alone, so two
// nodes admitting calls of one trunk at the same instant are serialised and exactly the limit
// passes. Time is Redis's own (TIME), so the nodes' clocks do not have to agree.
//
// KEYS[1]: the trunk's call starts, a sorted set call_sid → start ms (a sliding window: a fixed
//          window lets 2×limit through across its boundary).
// KEYS[2]: the trunk's concurrent calls, a sorted set call_sid → expiry ms. The owning node's
//          heartbeat pushes the expiry forward; a dead node's slots lapse on their own.
// ARGV: call_sid, rate limit (0 = none), window ms, max concurrent (0 = none), slot ttl ms.
// Returns {0} admitted, {1, ms} rate-limited (ms until the oldest start leaves the window), {2} full.
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rl = tonumber(ARGV[2])
local win = tonumber(ARGV[3])
local mc = tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
if rl > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - win)
  local n = redis.call('ZCARD', KEYS[1])
  if n >= rl then
    local oldest = redis.call('ZRANGE', KEYS[1], n - rl, n - rl, 'WITHSCORES')
    return {1, tonumber(oldest[2]) + win - now}
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if mc > 0 and redis.call('ZCARD', KEYS[2]) >= mc then return {2, 0} end
if rl > 0 then
  redis.call('ZADD', KEYS[1], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], win)
end
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ttl)
return {0, 0}
`;

// The heartbeat: every slot this node holds gets a new expiry (XX: a slot released or reaped
// meanwhile is not brought back). ARGV: slot ttl ms, then trunk_sid, call_sid pairs; the key of
// a trunk is KEYS[1] .. trunk_sid.
const REFRESH = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  local key = KEYS[1] .. ARGV[i]
  redis.call('ZADD', key, 'XX', now + ttl, ARGV[i + 1])
  redis.call('PEXPIRE', key, ttl)
end
return 0
`;

export interface RedisCallSlotsOptions {
  /** Prefix of every key (one per cluster; tests use one per run). */
  readonly prefix: string;
  /** How long a concurrent slot lives without its node's heartbeat (the node timeout). */
  readonly slotTtlMs: number;
}

/** Cluster-wide call slots in Redis (issue 15): shared by every edge on the same Redis and prefix. */
export class RedisCallSlots implements CallSlots {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttl: number;
  /** The slots this node holds (call_sid → trunk_sid), refreshed by its heartbeat. */
  readonly #held = new Map<string, string>();

  constructor(redis: Redis, options: RedisCallSlotsOptions) {
    this.#redis = redis;
    this.#prefix = options.prefix;
    this.#ttl = options.slotTtlMs;
  }

  #rateKey(trunkSid: string): string {
    return `${this.#prefix}starts:${trunkSid}`;
  }

  #slotsKey(trunkSid: string): string {
    return `${this.#prefix}slots:${trunkSid}`;
  }

  async admit(r: SlotRequest): Promise<SlotDecision> {
    const result = (await this.#run(() => this.#redis.eval(
      ADMIT, 2, this.#rateKey(r.trunkSid), this.#slotsKey(r.trunkSid),
      r.callSid, String(r.callsPerMinute ?? 0), String(RATE_WINDOW_MS), String(r.maxConcurrent ?? 0), String(this.#ttl),
    ))) as [number, number];
    if (result[0] === 0) {
      this.#held.set(r.callSid, r.trunkSid);
      return { ok: true };
    }
    if (result[0] === 1) return { ok: false, limit: 'rate', retryAfter: Math.max(1, Math.ceil(result[1] / 1000)) };
    return { ok: false, limit: 'concurrency', retryAfter: 5 };
  }

  async release(trunkSid: string, callSid: string): Promise<void> {
    this.#held.delete(callSid);
    await this.#run(() => this.#redis.zrem(this.#slotsKey(trunkSid), callSid));
  }

  /** Frees slots of calls another node carried (the survivor closing a lost node's calls). */
  async releaseLost(slots: readonly { readonly trunkSid: string; readonly callSid: string }[]): Promise<void> {
    if (slots.length === 0) return;
    const pipe = this.#redis.pipeline();
    for (const s of slots) pipe.zrem(this.#slotsKey(s.trunkSid), s.callSid);
    await this.#run(() => pipe.exec());
  }

  /** The heartbeat's part: this node's slots live another slot ttl. */
  async refresh(): Promise<void> {
    if (this.#held.size === 0) return;
    const args: string[] = [String(this.#ttl)];
    for (const [callSid, trunkSid] of this.#held) args.push(trunkSid, callSid);
    await this.#run(() => this.#redis.eval(REFRESH, 1, `${this.#prefix}slots:`, ...args));
  }

  /** Concurrent calls of a trunk across the cluster (live slots only), for tests and metrics. */
  async concurrent(trunkSid: string): Promise<number> {
    const time = await this.#run(() => this.#redis.time());
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    return this.#run(() => this.#redis.zcount(this.#slotsKey(trunkSid), `(${now}`, '+inf'));
  }

  async #run<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (err) {
      throw new TrunklineError('STORE_COUNTER_UNAVAILABLE', `Redis call slots failed: ${(err as Error).message}`, { cause: err });
    }
  }
}
