import type { Redis } from 'ioredis';
import type { CallFeedPort } from '../api/index.js';
import type { Logger } from '../core/index.js';
import type { CallRecord, CallRecordStore } from '../store/index.js';

/** Where the nodes of a cluster tell each other of the call records they write (Redis pub/sub). */
export interface FeedBus {
  publish(message: string): Promise<void>;
  /** Starts delivering every message published by any node; resolves with the stop. */
  subscribe(onMessage: (message: string) => void): Promise<() => Promise<void>>;
}

/** The record as the stream shows it crosses nodes: the summary's fields, not the trace or media. */
function slim(record: CallRecord): CallRecord {
  return { ...record, trace: [], events: [], media: null };
}

/**
 * The call event stream's source: the edge's call record store, observed. Every record the
 * edge writes (at answer, at each live refresh, at the end) is handed, once the store has it,
 * to the API's subscribers of its account — so what the stream says is what GET …/calls/{sid}
 * answers. Alone, a node streams the calls its own edge carries; with shareThrough (a cluster
 * on Redis) each node also publishes its records and streams the other nodes' ones.
 */
export class CallFeed implements CallFeedPort {
  readonly #listeners = new Map<string, Set<(record: CallRecord) => void>>();
  readonly #log: Logger;
  #bus: { readonly bus: FeedBus; readonly nodeId: string } | undefined;

  constructor(log: Logger) {
    this.#log = log;
  }

  subscribe(accountSid: string, listener: (record: CallRecord) => void): () => void {
    let set = this.#listeners.get(accountSid);
    if (!set) this.#listeners.set(accountSid, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(accountSid) === set) this.#listeners.delete(accountSid);
    };
  }

  /** The store the edge writes to: saves go through, then the saved record is published. */
  observe(store: CallRecordStore): CallRecordStore {
    return {
      save: async (record) => {
        // With no one to tell (no subscriber of its account, no cluster), the record is not held
        // through the write: kept, every call's trace and evidence outlived two scavenges and went
        // to the old generation (issue 13). A stream that starts during the write has its next save.
        if (this.#bus === undefined && (record.account_sid === null || !this.#listeners.has(record.account_sid))) return store.save(record);
        await store.save(record);
        this.#publish(record);
        const shared = this.#bus;
        if (shared) {
          shared.bus.publish(JSON.stringify({ node: shared.nodeId, record: slim(record) })).catch((err: unknown) =>
            this.#log.warn({ err, call_sid: record.call_sid }, 'publishing a call event to the cluster failed'));
        }
      },
      get: (accountSid, callSid) => store.get(accountSid, callSid),
      list: (query) => store.list(query),
    };
  }

  /**
   * Joins the cluster's feed: this node's records go out on `bus`, other nodes' records come in
   * and reach this node's subscribers (its own come back too and are skipped: they were
   * delivered at save). Returns what stops it.
   */
  async shareThrough(bus: FeedBus, nodeId: string): Promise<() => Promise<void>> {
    const stop = await bus.subscribe((message) => {
      let parsed: { node?: unknown; record?: CallRecord };
      try {
        parsed = JSON.parse(message) as typeof parsed;
      } catch {
        return;
      }
      if (parsed.node === nodeId || !parsed.record?.call_sid) return;
      this.#publish(parsed.record);
    });
    this.#bus = { bus, nodeId };
    return async () => {
      this.#bus = undefined;
      await stop();
    };
  }

  #publish(record: CallRecord): void {
    // Refusals before the account is known belong to nobody's stream.
    if (record.account_sid === null) return;
    for (const listener of this.#listeners.get(record.account_sid) ?? []) {
      try {
        listener(record);
      } catch (err) {
        this.#log.warn({ err, call_sid: record.call_sid }, 'a call event listener failed');
      }
    }
  }
}

/** The feed bus on the cluster's Redis: PUBLISH on the main connection, SUBSCRIBE on a duplicate (a subscribed connection can do nothing else). */
export function redisFeedBus(redis: Redis, channel: string): FeedBus {
  return {
    publish: async (message) => {
      await redis.publish(channel, message);
    },
    subscribe: async (onMessage) => {
      const sub = redis.duplicate();
      // The main connection reports an outage; ioredis reconnects and subscribes again by itself.
      sub.on('error', () => {});
      sub.on('message', (ch: string, message: string) => {
        if (ch === channel) onMessage(message);
      });
      await sub.subscribe(channel);
      return async () => {
        await sub.quit().catch(() => sub.disconnect());
      };
    },
  };
}
