import { ChurnSet, type Logger } from '../../core/index.js';
import type { Finding } from '../../diagnosis/index.js';
import type { CallRecord } from '../../store/index.js';
import type { CallRecorder } from './call-record.js';

/**
 * The record of each ended call, diagnosed, saved and handed to the observer after the event
 * loop's I/O (setImmediate), a whole turn's ended calls at once: the diagnosis is off the path
 * of the SIP messages that ended them (issue 13). Nothing is lost: drain() finishes what is
 * queued before it resolves.
 */
export interface FinalRecordsOptions {
  readonly log: Logger;
  readonly diagnose?: (record: CallRecord) => readonly Finding[];
  /**
   * The same diagnosis elsewhere (serve: a thread of its own, app's DiagnosisThread). When it
   * rejects, `diagnose` runs here instead: a record is never saved without its findings for it.
   */
  readonly diagnoseElsewhere?: (record: CallRecord) => Promise<readonly Finding[]>;
  readonly save: (record: CallRecord, sid: string) => Promise<void>;
  readonly ended?: (record: CallRecord) => void;
}

export class FinalRecords {
  readonly #o: FinalRecordsOptions;
  #queue: ({ record: CallRecord; recorder: CallRecorder } | undefined)[] = [];
  #scheduled = false;
  /** Records whose diagnosis is elsewhere, not saved yet. */
  readonly #away = new ChurnSet<Promise<void>>();

  constructor(options: FinalRecordsOptions) {
    this.#o = options;
  }

  /** The call has ended: `record` is its recorder's record as it ended. */
  add(record: CallRecord, recorder: CallRecorder): void {
    this.#queue.push({ record, recorder });
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#run());
  }

  /** Finishes every queued record now, and waits for those diagnosed elsewhere to be handed to the save (the calls API's reads, shutdown and tests, before waiting for the saves). */
  async drain(): Promise<void> {
    this.#run();
    while (this.#away.size > 0) await Promise.all([...this.#away]);
  }

  #run(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    for (let i = 0; i < queue.length; i++) {
      const { record, recorder } = queue[i]!;
      // Emptied as it goes: a queue promoted by a full GC and dropped full kept every call in it
      // alive through the scavenges until the next one (issue 13).
      queue[i] = undefined;
      this.#finish(record, recorder);
    }
  }

  #finish(atEnd: CallRecord, recorder: CallRecorder): void {
    // What the stack sent for the call in the turn it ended, after the final was handed up (the
    // ACK of a non-2xx, RFC 3261 §17.1.1.3), is part of its trace.
    const traced = recorder.traceEntries;
    const record = traced.length > atEnd.trace.length ? { ...atEnd, trace: [...traced] } : atEnd;
    const elsewhere = this.#o.diagnoseElsewhere;
    if (!elsewhere) return this.#done(record, recorder, this.#diagnoseHere(record, recorder));
    const away: Promise<void> = elsewhere(record).then(
      (findings) => this.#done(record, recorder, findings),
      () => this.#done(record, recorder, this.#diagnoseHere(record, recorder)),
    ).finally(() => this.#away.delete(away));
    this.#away.add(away);
  }

  #diagnoseHere(record: CallRecord, recorder: CallRecorder): readonly Finding[] | undefined {
    if (!this.#o.diagnose) return undefined;
    try {
      return this.#o.diagnose(record);
    } catch (err) {
      this.#o.log.warn({ err, call_sid: recorder.callSid }, 'diagnosis failed');
      return undefined;
    }
  }

  #done(diagnosed: CallRecord, recorder: CallRecorder, findings: readonly Finding[] | undefined): void {
    let record = diagnosed;
    if (findings) {
      recorder.setFindings(findings);
      record = { ...record, findings: [...findings] };
    }
    void this.#o.save(record, recorder.callSid);
    try {
      this.#o.ended?.(record);
    } catch (err) {
      this.#o.log.warn({ err, call_sid: recorder.callSid }, 'call observer failed');
    }
  }
}
