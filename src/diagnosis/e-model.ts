/**
 * ITU-T G.107 E-model, simplified as monitoring tools apply it to one RTP stream: the default
 * values of every input but delay and equipment impairment (Ro − Is = 93.2, A = 0), Id from the
 * one-way delay, Ie-eff from the codec's Ie and Bpl (ITU-T G.113 Appendix I) and the packet loss
 * with its burstiness. The MOS is G.107 Annex B's conversion of R.
 */
import type { RtcpEvidence, RtpStreamEvidence } from './evidence.js';

/** G.107 §7.1 with the default values of Table 3: Ro − Is. */
const R_DEFAULT = 93.2;

interface CodecImpairment {
  /** Equipment impairment factor at zero loss. */
  readonly ie: number;
  /** Packet-loss robustness factor. */
  readonly bpl: number;
}

/**
 * ITU-T G.113 Appendix I, Tables I.1 and I.3. G.711 is scored with its packet-loss concealment
 * (Appendix I to G.711), as every current phone and gateway runs it: Bpl 25.1 (4.3 without PLC).
 * Codecs absent from the tables (G.722, Opus, iLBC …) get no estimate rather than a guessed one.
 */
const CODECS: Readonly<Record<string, CodecImpairment>> = {
  PCMA: { ie: 0, bpl: 25.1 },
  PCMU: { ie: 0, bpl: 25.1 },
  G729: { ie: 11, bpl: 19.0 },
  G729A: { ie: 11, bpl: 19.0 },
  G723: { ie: 15, bpl: 16.1 },
};

export function codecImpairment(codec: string | undefined): CodecImpairment | undefined {
  return codec === undefined ? undefined : CODECS[codec.toUpperCase()];
}

/** G.107 §7.4 / Annex B: R → MOS (conversational quality estimate). */
export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

/** G.107 §7.3 (simplified to the one-way mouth-to-ear delay Ta, Ta = T = Tr/2). */
export function delayImpairment(delayMs: number): number {
  return 0.024 * delayMs + (delayMs > 177.3 ? 0.11 * (delayMs - 177.3) : 0);
}

/** G.107 §7.5 (7-29): Ie-eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl). */
export function effectiveEquipmentImpairment(codec: CodecImpairment, lossPct: number, burstR: number): number {
  return codec.ie + ((95 - codec.ie) * lossPct) / (lossPct / burstR + codec.bpl);
}

/**
 * G.107 §7.5: BurstR = 1 / (p + q) for a two-state (Gilbert) loss model, p the probability of a
 * loss after a received packet, q of a received packet after a loss; 1 for random loss.
 */
export function burstRatio(expected: number, lost: number, bursts: number): number {
  if (lost <= 0 || bursts <= 0 || expected <= lost) return 1;
  const p = bursts / (expected - lost);
  const q = bursts / lost;
  return 1 / (p + q);
}

export interface StreamQuality {
  readonly rFactor?: number;
  readonly mos?: number;
  /** Lost on the way (sequence gaps) plus late past the jitter buffer, % of expected. */
  readonly lossPct: number;
  readonly latePct: number;
  readonly burstRatio: number;
  /** The one-way delay the score used: half the RTCP round trip + 2 × jitter + 10 ms. */
  readonly delayMs: number;
  /** RTCP round trip from the capture point to this stream's receiver and back (LSR/DLSR). */
  readonly rttMs?: number;
  /** What the receiver itself reported about this stream in RTCP (its view of loss and jitter). */
  readonly receiverReport?: { readonly at: number; readonly cumulativeLost: number; readonly fractionLost: number; readonly jitterMs: number };
  /** Why no score: fewer than MIN_PACKETS voice packets, or a codec without G.113 values. */
  readonly unscored?: string;
}

/** Under one second of 20 ms packets says too little to score. */
const MIN_PACKETS = 50;

/**
 * RFC 3550 §6.4.1: RTT = A − LSR − DLSR, where A is when the report arrived. Seen from a capture
 * point, the SR's passage stands in for its sending: the result is the round trip from the
 * capture point to the reporter and back. The least of the samples (queueing only adds).
 */
export function rttFromRtcp(rtcp: readonly RtcpEvidence[], ssrc: number): number | undefined {
  const srSeen = new Map<number, number>();
  for (const r of rtcp) if (r.type === 'SR' && r.ssrc === ssrc && r.ntpMiddle !== undefined && !srSeen.has(r.ntpMiddle)) srSeen.set(r.ntpMiddle, r.at);
  let best: number | undefined;
  for (const r of rtcp) {
    for (const b of r.reports) {
      if (b.ssrc !== ssrc || !b.lastSr || b.delaySinceLastSr === undefined) continue;
      const sent = srSeen.get(b.lastSr);
      if (sent === undefined || r.at < sent) continue;
      const rtt = r.at - sent - (b.delaySinceLastSr * 1000) / 65536;
      if (rtt >= 0 && (best === undefined || rtt < best)) best = rtt;
    }
  }
  return best === undefined ? undefined : Math.round(best * 10) / 10;
}

function receiverReport(rtcp: readonly RtcpEvidence[], s: RtpStreamEvidence, clock: number): StreamQuality['receiverReport'] {
  let last: StreamQuality['receiverReport'];
  for (const r of rtcp) {
    for (const b of r.reports) {
      // RFC 3550 §6.4.1: interarrival jitter in timestamp units.
      if (b.ssrc === s.ssrc) last = { at: r.at, cumulativeLost: b.cumulativeLost, fractionLost: b.fractionLost, jitterMs: Math.round((b.jitter * 1000 * 1000) / clock) / 1000 };
    }
  }
  return last;
}

const round = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;

export function streamQuality(s: RtpStreamEvidence, rtcp: readonly RtcpEvidence[] = []): StreamQuality {
  const expected = Math.max(s.expected ?? s.packets + s.lost, 1);
  const late = s.latePackets ?? 0;
  const lossPct = (100 * Math.min(expected, s.lost + late)) / expected;
  const burst = burstRatio(expected, s.lost, s.lossBursts ?? s.lost);
  // Most captures carry no RTCP: no index to build then.
  const rttMs = rtcp.length ? rttFromRtcp(rtcp, s.ssrc) : undefined;
  const delayMs = (rttMs ?? 0) / 2 + 2 * s.jitterMs + 10;
  const rr = rtcp.length ? receiverReport(rtcp, s, 8000) : undefined;
  const base: { -readonly [K in keyof StreamQuality]: StreamQuality[K] } = {
    lossPct: round(lossPct, 2),
    latePct: round((100 * late) / expected, 2),
    burstRatio: round(burst, 2),
    delayMs: round(delayMs, 1),
  };
  if (rttMs !== undefined) base.rttMs = rttMs;
  if (rr !== undefined) base.receiverReport = rr;
  const codec = codecImpairment(s.codec);
  const voice = s.packets - (s.comfortNoisePackets ?? 0);
  if (codec === undefined) base.unscored = `no G.113 impairment values for ${s.codec ?? `PT ${s.payloadType}`}`;
  else if (voice < MIN_PACKETS) base.unscored = `${Math.max(voice, 0)} voice packets: too few to score`;
  else {
    const r = Math.max(0, R_DEFAULT - delayImpairment(delayMs) - effectiveEquipmentImpairment(codec, lossPct, burst));
    base.rFactor = round(r, 1);
    base.mos = round(mosFromR(r), 2);
  }
  return base;
}
