/**
 * What a call was like beyond its findings: post-dial delay and ring time (RFC 6076 §4.1 SRD),
 * who ended it and how, the DTMF digits it carried (RFC 4733 events in RTP, and SIP INFO), and an
 * E-model score per RTP stream (e-model.ts). Pure: evidence in, facts out.
 */
import { header, summarizeCall, type CallSummary } from './call-facts.js';
import { streamQuality, type StreamQuality } from './e-model.js';
import type { CallEvidence, SipEventEvidence } from './evidence.js';
import { describeReason } from './reason.js';

export type HangupHow = 'bye' | 'cancel' | 'rejected' | 'timeout' | 'not-ended';

export interface Hangup {
  /** The side that ended it: caller, callee (or a server on its path), or none (nobody did, in the capture). */
  readonly by: 'caller' | 'callee' | 'none';
  readonly how: HangupHow;
  readonly at?: number;
  /** The endpoint that sent the BYE, CANCEL or final response. */
  readonly sender?: string;
  /** In plain words, with the Reason header or the code, and the Timer H case (RFC 3261 §17.2.1). */
  readonly detail: string;
}

export interface DtmfDigit {
  readonly at: number;
  readonly digit: string;
  readonly via: 'rfc4733' | 'sip-info';
  readonly src: string;
  readonly dst: string;
  readonly durationMs?: number;
}

export interface CallQuality {
  /** RFC 6076 §4.1 Session Request Delay: first INVITE → first 18x (or the final answer when none came first). */
  readonly pddMs?: number;
  /** What ended the PDD: "180 Ringing", "183 Session Progress", "200 OK", "486 Busy Here" … */
  readonly pddTo?: string;
  /** First 18x → answer (or → CANCEL / final failure): how long it rang. */
  readonly ringMs?: number;
  readonly hangup?: Hangup;
  readonly dtmf: readonly DtmfDigit[];
  /** One per evidence stream, same order. */
  readonly streams: readonly StreamQuality[];
}

/** RFC 4733 §3.2 Table 3: DTMF event codes. */
const DTMF = '0123456789*#ABCD';
export function dtmfDigit(event: number): string {
  return event < DTMF.length ? DTMF[event] : event === 16 ? 'flash' : `event ${event}`;
}

const label = (m: SipEventEvidence): string => (m.reason ? `${m.status} ${m.reason}` : String(m.status));

function reasonText(m: SipEventEvidence): string {
  const raw = header(m, 'reason');
  return raw ? `; ${describeReason(raw)}` : '';
}

function hangup(ev: CallEvidence, sum: CallSummary): Hangup | undefined {
  const msgs = ev.messages;
  if (sum.method !== 'INVITE' || sum.request === undefined) return undefined;
  const caller = sum.caller;
  const side = (src: string, m?: SipEventEvidence): 'caller' | 'callee' =>
    m?.fromTag && sum.request?.fromTag ? (m.fromTag === sum.request.fromTag ? 'caller' : 'callee') : src === caller ? 'caller' : 'callee';
  if (sum.state === 'answered') {
    const bye = msgs.find((m) => m.kind === 'request' && m.method === 'BYE' && sum.answerAt !== undefined && m.at >= sum.answerAt);
    if (!bye) return { by: 'none', how: 'not-ended', detail: 'still up when the capture ended (no BYE seen)' };
    const ok = sum.final;
    // RFC 3261 §13.3.1.4 / §17.2.1: a UAS that gets no ACK for its 2xx retransmits it and, after
    // 64·T1 (32 s, Timer H's span), ends the dialog with a BYE.
    const acked = ok !== undefined && msgs.some((m) => m.kind === 'request' && m.method === 'ACK' && m.cseq === ok.cseq && m.at >= ok.at);
    const by = side(bye.src, bye);
    const noAck = !acked && by === 'callee' && ok !== undefined && bye.at - ok.at >= 28_000;
    const detail = `BYE from the ${by} (${bye.src}) ${((bye.at - (sum.answerAt ?? bye.at)) / 1000).toFixed(1)} s after answer${reasonText(bye)}` +
      (noAck ? `; no ACK to the ${label(ok)} was seen: the callee gave up after 64·T1 (RFC 3261 §13.3.1.4, Timer H span)` : '');
    return { by, how: 'bye', at: bye.at, sender: bye.src, detail };
  }
  if (sum.state === 'cancelled') {
    const cancel = msgs.find((m) => m.kind === 'request' && m.method === 'CANCEL');
    if (cancel) return { by: 'caller', how: 'cancel', at: cancel.at, sender: cancel.src, detail: `CANCEL from the caller (${cancel.src}) before answer${reasonText(cancel)}` };
  }
  if (sum.state === 'timed-out') {
    return { by: 'none', how: 'timeout', detail: 'no response to the INVITE: the caller\'s Timer B (64·T1 = 32 s, RFC 3261 §17.1.1.2) expired' };
  }
  if (sum.final && (sum.state === 'rejected' || sum.state === 'failed' || sum.state === 'redirected' || sum.state === 'cancelled')) {
    const f = sum.final;
    return { by: side(f.src, f), how: 'rejected', at: f.at, sender: f.src, detail: `${label(f)} from ${f.src}${reasonText(f)}` };
  }
  if (sum.state === 'unknown') {
    const bye = msgs.find((m) => m.kind === 'request' && m.method === 'BYE');
    const why = 'no answer to the INVITE in the capture, which missed bytes of its TCP stream';
    if (bye) return { by: side(bye.src, bye), how: 'bye', at: bye.at, sender: bye.src, detail: `BYE from the ${side(bye.src, bye)} (${bye.src}); ${why}${reasonText(bye)}` };
    return { by: 'none', how: 'not-ended', detail: `outcome unknown: ${why} (not a failure)` };
  }
  return { by: 'none', how: 'not-ended', detail: 'no final answer when the capture ended (in progress, not a failure)' };
}

export function callQuality(ev: CallEvidence, summary?: CallSummary): CallQuality {
  const sum = summary ?? summarizeCall(ev);
  const out: { -readonly [K in keyof CallQuality]: CallQuality[K] } = { dtmf: [], streams: ev.streams.map((s) => streamQuality(s, ev.rtcp)) };
  if (sum.method === 'INVITE' && sum.request) {
    const invite = sum.request;
    const provisional = ev.messages.find((m) => m.kind === 'response' && m.method === 'INVITE' && m.status !== undefined && m.status > 100 && m.status < 200);
    const firstFinal = ev.messages.find((m) => m.kind === 'response' && m.method === 'INVITE' && m.status !== undefined && m.status >= 200 && m.status !== 401 && m.status !== 407);
    const pddEnd = provisional && (!firstFinal || provisional.at <= firstFinal.at) ? provisional : firstFinal;
    if (pddEnd) {
      out.pddMs = Math.round(pddEnd.at - invite.at);
      out.pddTo = label(pddEnd);
    }
    const end = sum.answerAt ?? sum.endAt;
    if (provisional && end !== undefined && end >= provisional.at) out.ringMs = Math.round(end - provisional.at);
    const h = hangup(ev, sum);
    if (h) out.hangup = h;
  }
  const dtmf: DtmfDigit[] = [];
  for (const s of ev.streams) for (const e of s.events ?? []) if (e.event <= 16) dtmf.push({ at: e.at, digit: dtmfDigit(e.event), via: 'rfc4733', src: s.src, dst: s.dst, durationMs: e.durationMs });
  for (const m of ev.messages) if (m.dtmf) dtmf.push({ at: m.at, digit: m.dtmf.signal, via: 'sip-info', src: m.src, dst: m.dst, ...(m.dtmf.durationMs === undefined ? {} : { durationMs: m.dtmf.durationMs }) });
  // A retransmitted INFO is one digit.
  out.dtmf = dtmf.sort((a, b) => a.at - b.at).filter((d, i, all) => !(d.via === 'sip-info' && all.slice(0, i).some((x) => x.via === 'sip-info' && x.src === d.src && x.digit === d.digit && d.at - x.at < 1000 && isRetransmission(ev, x, d))));
  return out;
}

function isRetransmission(ev: CallEvidence, a: DtmfDigit, b: DtmfDigit): boolean {
  const ma = ev.messages.find((m) => m.at === a.at && m.dtmf);
  const mb = ev.messages.find((m) => m.at === b.at && m.dtmf);
  return ma !== undefined && mb !== undefined && ma.cseq === mb.cseq;
}
