import { ChurnSet, type Logger } from '../../core/index.js';
import type { CallRecord, CallRecordStore } from '../../store/index.js';

/**
 * Call record writes of the edge: a call is saved at its answer, by its live refresh and once
 * more when it ends. Each goes to the store at once: the store keeps one call's saves in the
 * order they are made (CallRecordStore.save; the repo batches a turn's saves and writes the
 * next batch only after the last), so the final record never loses to the in-progress one
 * written at answer without waiting here for that one to be committed (issue 13). A failed
 * write is logged, not thrown: the call itself is over or going on either way.
 */
export class OrderedSaves {
  readonly #store: CallRecordStore | undefined;
  readonly #log: Logger;
  readonly #pending = new ChurnSet<Promise<void>>();

  constructor(store: CallRecordStore | undefined, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  /** Resolves once every write asked for so far is done. */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  save(record: CallRecord, sid: string): Promise<void> {
    const store = this.#store;
    if (!store) return Promise.resolve();
    const p = store.save(record).catch((err: unknown) => this.#log.error({ err, call_sid: sid }, 'saving the call record failed'));
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
    return p;
  }
}
