import type { CallEvidence, RtpStreamEvidence, SdpEvidence, SdpMediaEvidence, SipEventEvidence } from '../../../src/diagnosis/index.js';

/** Crafted evidence for rule tests: a PBX calling out through a trunk, times in ms from T0. */
export const T0 = Date.UTC(2026, 0, 23, 9, 24, 59);
export const PBX = '203.0.113.10:5060';
export const TRUNK = '198.51.100.20:5070';

const STATIC: Record<number, string> = { 0: 'PCMU', 8: 'PCMA', 9: 'G722', 18: 'G729', 13: 'CN' };

export function sdp(address: string, port: number, pts: readonly (number | string)[], extra: Partial<SdpMediaEvidence> = {}, session: Partial<SdpEvidence> = {}): SdpEvidence {
  const payloads = pts.map((p) => (typeof p === 'number' ? { pt: p, encoding: STATIC[p], clockRate: 8000 } : { pt: 101, encoding: p, clockRate: 8000 }));
  return { connectionAddress: address, media: [{ type: 'audio', port, protocol: 'RTP/AVP', payloads, ...extra }], ...session };
}

let branch = 0;
export function req(method: string, at: number, opts: Partial<SipEventEvidence> = {}): SipEventEvidence {
  return { at: T0 + at, src: PBX, dst: TRUNK, transport: 'UDP', kind: 'request', method, cseq: 1, branch: `z9hG4bK${++branch}`, ...opts };
}

export function res(status: number, reason: string, at: number, opts: Partial<SipEventEvidence> = {}): SipEventEvidence {
  return { at: T0 + at, src: TRUNK, dst: PBX, transport: 'UDP', kind: 'response', method: 'INVITE', status, reason, cseq: 1, ...opts };
}

export function stream(src: string, dst: string, firstAt: number, lastAt: number, opts: Partial<RtpStreamEvidence> = {}): RtpStreamEvidence {
  const packets = opts.packets ?? Math.max(1, Math.round((lastAt - firstAt) / 20));
  return {
    src, dst, ssrc: 0x1234abcd, payloadType: 8, codec: 'PCMA', packets, bytes: packets * 172, lost: 0, jitterMs: 1.2, maxGapMs: 20,
    firstAt: T0 + firstAt, lastAt: T0 + lastAt, ssrcChanges: 0, ...opts,
  };
}

export interface AnsweredCall {
  readonly offer?: SdpEvidence;
  readonly answer?: SdpEvidence;
  readonly streams?: readonly RtpStreamEvidence[];
  /** ms after T0 of the BYE; undefined: still up at observedUntil. */
  readonly byeAt?: number;
  readonly observedUntil?: number;
  readonly extra?: readonly SipEventEvidence[];
  readonly byeHeaders?: Readonly<Record<string, readonly string[]>>;
}

/** INVITE at 0, 100 at 20, 180 at 200, 200 OK at 1000, ACK at 1020, optional BYE. PBX media at 203.0.113.10:10000, trunk at 198.51.100.20:20000. */
export function answeredCall(o: AnsweredCall = {}): CallEvidence {
  const offer = o.offer ?? sdp('203.0.113.10', 10000, [8, 'telephone-event']);
  const answer = o.answer ?? sdp('198.51.100.20', 20000, [8, 'telephone-event']);
  const messages: SipEventEvidence[] = [
    req('INVITE', 0, { sdp: offer, contentType: 'application/sdp' }),
    res(100, 'Trying', 20),
    res(180, 'Ringing', 200),
    res(200, 'OK', 1000, { sdp: answer, contentType: 'application/sdp', toTag: 'b' }),
    req('ACK', 1020),
    ...(o.extra ?? []),
  ];
  if (o.byeAt !== undefined) {
    messages.push(req('BYE', o.byeAt, { cseq: 2, ...(o.byeHeaders ? { headers: o.byeHeaders } : {}) }));
    messages.push(res(200, 'OK', o.byeAt + 30, { method: 'BYE', cseq: 2 }));
  }
  messages.sort((a, b) => a.at - b.at);
  return {
    callId: 'call-1@pbx', source: 'capture', direction: 'outbound', messages,
    streams: o.streams ?? [], ...(o.observedUntil !== undefined ? { observedUntil: T0 + o.observedUntil } : {}),
  };
}

/** Two-way PCMA after answer (1000 ms) until `until`. */
export function twoWay(until: number, opts: Partial<RtpStreamEvidence> = {}): RtpStreamEvidence[] {
  return [
    stream('203.0.113.10:10000', '198.51.100.20:20000', 1050, until, { ssrc: 1, ...opts }),
    stream('198.51.100.20:20000', '203.0.113.10:10000', 1040, until, { ssrc: 2, ...opts }),
  ];
}

export function failedCall(status: number, reason: string, opts: { offer?: SdpEvidence; at?: number; headers?: Record<string, string[]>; contentType?: string; extra?: SipEventEvidence[] } = {}): CallEvidence {
  const offer = opts.offer ?? sdp('203.0.113.10', 10000, [8]);
  return {
    callId: `fail-${status}`, source: 'capture', direction: 'outbound',
    messages: [
      req('INVITE', 0, { sdp: offer, contentType: opts.contentType ?? 'application/sdp' }),
      res(100, 'Trying', 20),
      ...(opts.extra ?? []),
      res(status, reason, opts.at ?? 60, opts.headers ? { headers: opts.headers } : {}),
      req('ACK', (opts.at ?? 60) + 5),
    ],
    streams: [],
    observedUntil: T0 + 60_000,
  };
}

export const ids = (findings: readonly { id: string }[]) => findings.map((f) => f.id);
