import type { Logger } from '../../core/index.js';
import type { CallRecord, CallRecordStore } from '../../store/index.js';

/**
 * Call record writes in order per call: a call is saved at its answer, by its live refresh
 * and once more when it ends, and those writes may overlap on a slow store; each waits for the
 * call's previous one, so the last record written is the last one made. A failed write is
 * logged, not thrown: the call itself is over or going on either way.
 */
export class OrderedSaves {
  readonly #store: CallRecordStore | undefined;
  readonly #log: Logger;
  readonly #pending = new Set<Promise<void>>();
  readonly #last = new Map<string, Promise<void>>();

  constructor(store: CallRecordStore | undefined, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  /** Resolves once every write asked for so far is done. */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  /** Saves in order per call: the final record never loses to the in-progress one written at answer. */
  save(record: CallRecord, sid: string): Promise<void> {
    const store = this.#store;
    if (!store) return Promise.resolve();
    const before = this.#last.get(sid) ?? Promise.resolve();
    const p = before.then(() => store.save(record)).catch((err: unknown) => this.#log.error({ err, call_sid: sid }, 'saving the call record failed'));
    this.#last.set(sid, p);
    this.#pending.add(p);
    void p.finally(() => {
      this.#pending.delete(p);
      if (this.#last.get(sid) === p) this.#last.delete(sid);
    });
    return p;
  }
}
