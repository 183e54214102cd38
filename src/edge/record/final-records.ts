import type { Logger } from '../../core/index.js';
import type { Finding } from '../../diagnosis/index.js';
import type { CallRecord } from '../../store/index.js';
import type { CallRecorder } from './call-record.js';

/**
 * The record of each ended call, diagnosed, saved and handed to the observer after the event
 * loop's I/O (setImmediate), a whole turn's ended calls at once: the diagnosis is off the path
 * of the SIP messages that ended them (issue 13). Nothing is lost: flush() finishes what is
 * queued before it resolves.
 */
export interface FinalRecordsOptions {
  readonly log: Logger;
  readonly diagnose?: (record: CallRecord) => readonly Finding[];
  readonly save: (record: CallRecord, sid: string) => Promise<void>;
  readonly ended?: (record: CallRecord) => void;
}

export class FinalRecords {
  readonly #o: FinalRecordsOptions;
  #queue: { record: CallRecord; recorder: CallRecorder }[] = [];
  #scheduled = false;

  constructor(options: FinalRecordsOptions) {
    this.#o = options;
  }

  /** The call has ended: `record` is its recorder's record as it ended. */
  add(record: CallRecord, recorder: CallRecorder): void {
    this.#queue.push({ record, recorder });
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.drain());
  }

  /** Finishes every queued record now (shutdown and tests, before waiting for the saves). */
  drain(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    for (const { record, recorder } of queue) this.#finish(record, recorder);
  }

  #finish(atEnd: CallRecord, recorder: CallRecorder): void {
    const { log, diagnose, save, ended } = this.#o;
    // What the stack sent for the call in the turn it ended, after the final was handed up (the
    // ACK of a non-2xx, RFC 3261 §17.1.1.3), is part of its trace.
    const traced = recorder.traceEntries;
    let record = traced.length > atEnd.trace.length ? { ...atEnd, trace: [...traced] } : atEnd;
    if (diagnose) {
      try {
        const findings = diagnose(record);
        recorder.setFindings(findings);
        record = { ...record, findings: [...findings] };
      } catch (err) {
        log.warn({ err, call_sid: recorder.callSid }, 'diagnosis failed');
      }
    }
    void save(record, recorder.callSid);
    try {
      ended?.(record);
    } catch (err) {
      log.warn({ err, call_sid: recorder.callSid }, 'call observer failed');
    }
  }
}
