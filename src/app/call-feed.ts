import type { CallFeedPort } from '../api/index.js';
import type { Logger } from '../core/index.js';
import type { CallRecord, CallRecordStore } from '../store/index.js';

/**
 * The call event stream's source: the edge's call record store, observed. Every record the
 * edge writes (at answer, at each live refresh, at the end) is handed, once the store has it,
 * to the API's subscribers of its account — so what the stream says is what GET …/calls/{sid}
 * answers. In process only: a node streams the calls its own edge carries.
 */
export class CallFeed implements CallFeedPort {
  readonly #listeners = new Map<string, Set<(record: CallRecord) => void>>();
  readonly #log: Logger;

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
        await store.save(record);
        this.#publish(record);
      },
      get: (accountSid, callSid) => store.get(accountSid, callSid),
      list: (query) => store.list(query),
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
