import { ChurnMap, type Clock, type Logger } from '../../core/index.js';
import type { Finding } from '../../diagnosis/index.js';
import type { CallRecord } from '../../store/index.js';
import type { Call } from '../call/call.js';
import { LiveRefresh } from './live-refresh.js';

export interface LiveRecordsOptions {
  readonly clock: Clock;
  readonly log: Logger;
  /** How often an answered call's record is refreshed (0 turns it off). */
  readonly intervalMs: number;
  readonly diagnose?: (record: CallRecord, observedUntil?: number) => readonly Finding[];
  /** The ordered write of the call's records (OrderedSaves). */
  readonly save: (record: CallRecord, sid: string) => Promise<void>;
}

/**
 * A hold or resume (re-INVITE/UPDATE) changes what the media rules may conclude: show it soon,
 * not at the next tick. Made here, not as an arrow inside start(): the recorder's hook then
 * closes over the refresh alone, not over start()'s whole scope. Measured (issue 13, `--trace-gc-nvp`
 * at 250 calls/s): with that arrow, answered calls' objects outlived two scavenges and were copied
 * to the old generation — 15.6 KB per call against 7.7 (serve's V8 settings; 47 against 31 with
 * V8's defaults) — although no heap snapshot holds them (they die at the next full GC); the same
 * with --no-opt or --no-use-ic. Measured, not explained.
 */
function pokeOnReinvite(refresh: LiveRefresh): (kind: string) => void {
  return (kind) => {
    if (kind === 'reinvite') refresh.poke();
  };
}

/** The live records of the answered calls, one LiveRefresh schedule per call until it ends. */
export class LiveRecords {
  readonly #o: LiveRecordsOptions;
  readonly #refreshing = new ChurnMap<string, LiveRefresh>();

  constructor(options: LiveRecordsOptions) {
    this.#o = options;
  }

  /**
   * Issue 7 item 4, media faults detected while the call is up: the answered call's record is
   * refreshed from the relay's live statistics and its SIP trace and diagnosed by the same
   * engine as the final record, on a bounded schedule (LiveRefresh), until the call ends.
   */
  start(call: Call): void {
    const interval = this.#o.intervalMs;
    const media = call.media;
    if (interval <= 0 || !media.live || call.isEnded() || this.#refreshing.has(call.sid)) return;
    let written = '';
    const refresh: LiveRefresh = new LiveRefresh({
      clock: this.#o.clock,
      intervalMs: interval,
      minGapMs: Math.min(500, interval),
      run: async () => {
        const stats = await media.live!();
        // The call may have ended while the relay answered: its final record is queued and stays the last write.
        if (refresh.stopped || call.isEnded()) return;
        call.recorder.setMedia(stats);
        let record = call.recorder.toRecord();
        if (this.#o.diagnose) {
          try {
            call.recorder.setFindings(this.#o.diagnose(record, this.#o.clock.now()));
            record = call.recorder.toRecord();
          } catch (err) {
            this.#o.log.warn({ err, call_sid: call.sid }, 'live diagnosis failed');
          }
        }
        // Nothing new (no RTP moving, no message): no write.
        const mark = JSON.stringify([record.media, record.findings, record.trace.length, record.events.length]);
        if (mark === written) return;
        written = mark;
        // Waiting for the write keeps one live write per call at a time: a slow store slows the
        // refresh down instead of growing a queue of stale records.
        await this.#o.save(record, call.sid);
      },
      onError: (err) => this.#o.log.warn({ err, call_sid: call.sid }, 'live call record refresh failed'),
    });
    this.#refreshing.set(call.sid, refresh);
    media.onMediaEvent?.(() => refresh.poke());
    call.recorder.onEvent = pokeOnReinvite(refresh);
    refresh.start();
  }

  /** No live refresh starts after this; one under way sees the call ended and does not write. */
  stop(callSid: string): void {
    this.#refreshing.get(callSid)?.stop();
    this.#refreshing.delete(callSid);
  }
}
