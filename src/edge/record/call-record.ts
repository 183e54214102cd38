import { hiddenSlot, isoMillis, isoSeconds, type Clock } from '../../core/index.js';
import type { Finding, SipEventEvidence } from '../../diagnosis/index.js';
import { sipEventOfMessage } from '../../capture/index.js';
import type { SipMessage } from '../../sip/index.js';
import type { CallDirection, CallEvent, CallRecord, CallStatus, FinalBy, TraceEntry } from '../../store/index.js';

/**
 * Builds one call's record while the call runs: the timeline of edge decisions, every SIP
 * message in and out with time and addresses, and the final outcome. The record is data
 * the store saves and the diagnosis engine reads; nothing here does I/O.
 */
export interface CallStart {
  readonly callSid: string;
  readonly accountSid: string | null;
  readonly trunkSid: string | null;
  readonly direction: CallDirection;
  readonly from: string;
  readonly to: string;
  readonly sourceAddress: string;
  readonly transport: string;
  readonly sipCallId: string;
  /** The node carrying the call (serve --node-id), so a survivor can close it if the node is lost. */
  readonly nodeId?: string;
}

export class CallRecorder {
  readonly #clock: Clock;
  readonly #startedMs: number;
  #start: CallStart;
  #answeredMs: number | null = null;
  #endedMs: number | null = null;
  #finalCode: number | null = null;
  #finalReason: string | null = null;
  #finalBy: FinalBy | null = null;
  #endCause: string | null = null;
  #edgeCause: string | null = null;
  #findings: Finding[] = [];
  readonly #events: CallEvent[] = [];
  readonly #trace: TraceEntry[] = [];
  #media: unknown = null;
  readonly #evidenceAsTraced: boolean;

  /**
   * `evidenceAsTraced` (default true): each message of the diagnosed leg becomes evidence as it
   * is traced, from the object (see trace()). False where the record is diagnosed on another
   * thread, which reads the text anyway: converting here would be work for nothing.
   */
  constructor(clock: Clock, start: CallStart, options: { readonly evidenceAsTraced?: boolean } = {}) {
    this.#clock = clock;
    this.#start = start;
    this.#startedMs = clock.now();
    this.#evidenceAsTraced = options.evidenceAsTraced ?? true;
  }

  get callSid(): string {
    return this.#start.callSid;
  }

  /** The account once identified (null before, and for calls refused before identification). */
  get accountSid(): string | null {
    return this.#start.accountSid;
  }

  get direction(): CallDirection {
    return this.#start.direction;
  }

  get answered(): boolean {
    return this.#answeredMs !== null;
  }

  get ended(): boolean {
    return this.#endedMs !== null;
  }

  get finalCode(): number | null {
    return this.#finalCode;
  }

  /** Fills in what identification learnt (account, trunk) after the record was opened. */
  identify(update: Partial<Pick<CallStart, 'accountSid' | 'trunkSid' | 'from' | 'to'>>): void {
    this.#start = { ...this.#start, ...update };
  }

  /** Told of every event as it is recorded (the live refresh wakes up on a re-INVITE/UPDATE). */
  onEvent: ((kind: string) => void) | undefined;

  event(kind: string, detail: string): void {
    this.#events.push({ at: isoMillis(this.#clock.now()), kind, detail });
    this.onEvent?.(kind);
  }

  /** Told of every traced SIP message as it is recorded (serve --hep exports them). */
  onTrace: ((entry: TraceEntry, callSid: string) => void) | undefined;

  /**
   * `msg`: the message as the stack parsed or built it. On the leg the diagnosis reads (the
   * caller's: the customer's for an outbound call) it becomes the entry's evidence now, from
   * the object, so the end-of-call diagnosis does not parse the trace's text again (issue 13);
   * now because the transaction layer adds its Via to a request object after it is traced.
   */
  trace(entry: Omit<TraceEntry, 'at' | 'summary'>, msg?: SipMessage): void {
    const eol = entry.message.indexOf('\r\n');
    const now = this.#clock.now();
    const traced: TraceEntry = { at: isoMillis(now), summary: eol < 0 ? entry.message : entry.message.slice(0, eol), ...entry };
    this.#trace.push(traced);
    if (msg !== undefined && this.#evidenceAsTraced && entry.leg === (this.#start.direction === 'outbound' ? 'customer' : 'carrier')) {
      EVIDENCE.set(traced, sipEventOfMessage(msg, { at: now - (entry.queued_ms ?? 0), src: entry.src, dst: entry.dst, transport: entry.transport }).event);
    }
    this.onTrace?.(traced, this.#start.callSid);
  }

  get traceEntries(): readonly TraceEntry[] {
    return this.#trace;
  }

  answer(code: number, reason: string): void {
    if (this.#answeredMs !== null) return;
    this.#answeredMs = this.#clock.now();
    this.#finalCode = code;
    this.#finalReason = reason;
    this.#finalBy = this.#start.direction === 'outbound' ? 'carrier' : 'customer';
    this.event('answer', `${code} ${reason}`);
  }

  /** A failed attempt: the final non-2xx code and who generated it. */
  fail(code: number, reason: string, by: FinalBy, edgeCause?: string): void {
    if (this.#endedMs !== null) return;
    this.#finalCode = code;
    this.#finalReason = reason;
    this.#finalBy = by;
    if (edgeCause) this.#edgeCause = edgeCause;
    this.#endedMs = this.#clock.now();
  }

  /** The end of an answered call: who hung up or why the edge ended it. */
  end(cause: string): void {
    if (this.#endedMs !== null) return;
    this.#endCause = cause;
    this.#endedMs = this.#clock.now();
    this.event('end', cause);
  }

  /** An edge-side cause for an answered call (rtp-timeout): the diagnosis engine reads it. */
  edgeCause(cause: string): void {
    this.#edgeCause = cause;
  }

  setFindings(findings: readonly Finding[]): void {
    this.#findings = [...findings];
  }

  setMedia(media: unknown): void {
    this.#media = media;
  }

  status(): CallStatus {
    if (this.#endedMs === null) return 'in-progress';
    if (this.#answeredMs !== null) return 'completed';
    return this.#finalBy === 'edge' ? 'refused' : 'failed';
  }

  toRecord(): CallRecord {
    const s = this.#start;
    return {
      call_sid: s.callSid, account_sid: s.accountSid, trunk_sid: s.trunkSid, direction: s.direction,
      from: s.from, to: s.to, source_address: s.sourceAddress, transport: s.transport, sip_call_id: s.sipCallId,
      status: this.status(), started_at: isoSeconds(this.#startedMs),
      answered_at: this.#answeredMs === null ? null : isoSeconds(this.#answeredMs),
      ended_at: this.#endedMs === null ? null : isoSeconds(this.#endedMs),
      final_code: this.#finalCode, final_reason: this.#finalReason, final_by: this.#finalBy,
      end_cause: this.#endCause, edge_cause: this.#edgeCause,
      duration_s: this.#answeredMs !== null && this.#endedMs !== null ? Math.round((this.#endedMs - this.#answeredMs) / 1000) : null,
      setup_ms: this.#answeredMs !== null ? this.#answeredMs - this.#startedMs : this.#endedMs !== null ? this.#endedMs - this.#startedMs : null,
      findings: this.#findings, events: [...this.#events], trace: [...this.#trace], media: this.#media,
      node_id: s.nodeId ?? null,
    };
  }
}

/** Evidence of traced messages converted as they were traced (CallRecorder.trace with the message), kept on the entry (core's hiddenSlot). */
const EVIDENCE = hiddenSlot<SipEventEvidence>();

/** The evidence of a traced message, when the edge converted it as it traced it (else: parse the entry's text). */
export function tracedEvidence(entry: TraceEntry): SipEventEvidence | undefined {
  return EVIDENCE.get(entry);
}

/** A text ladder of the trace for GET …/trace: time, arrow between the three parties, start line. */
export function renderLadder(trace: readonly TraceEntry[]): string {
  const lines = ['time                      customer        edge         carrier'];
  for (const t of trace) {
    const time = t.at.slice(11, 23);
    let arrow: string;
    if (t.leg === 'customer') arrow = t.direction === 'in' ? '  ----------->  |           ' : '  <-----------  |           ';
    else arrow = t.direction === 'out' ? '                |  ------->  ' : '                |  <-------  ';
    // The time is when the edge read it: a wait in its own receive queue is said, not hidden.
    lines.push(`${time}  ${arrow} ${t.summary}${t.queued_ms ? ` (read ${t.queued_ms} ms after it arrived)` : ''}`);
  }
  return lines.join('\n') + '\n';
}
