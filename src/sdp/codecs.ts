import type { ParsedMedia } from './parse.js';

/** RFC 3551 §6 table 4: static audio payload types, used when an offer has no a=rtpmap for them. */
const STATIC_PT: Readonly<Record<number, readonly [string, number]>> = {
  0: ['PCMU', 8000], 3: ['GSM', 8000], 4: ['G723', 8000], 5: ['DVI4', 8000], 6: ['DVI4', 16000],
  7: ['LPC', 8000], 8: ['PCMA', 8000], 9: ['G722', 8000], 10: ['L16', 44100], 11: ['L16', 44100],
  12: ['QCELP', 8000], 13: ['CN', 8000], 14: ['MPA', 90000], 15: ['G728', 8000], 16: ['DVI4', 11025],
  17: ['DVI4', 22050], 18: ['G729', 8000],
};

export interface SdpPayload {
  readonly pt: number;
  readonly encoding?: string;
  readonly clockRate?: number;
}

/** The payloads of an m= line in its order (the offerer's preference), names filled from rtpmap or RFC 3551. */
export function payloadsOf(media: ParsedMedia): SdpPayload[] {
  const pts = String(media.payloads ?? '').trim().split(/\s+/).filter((p) => /^\d+$/.test(p)).map(Number);
  return pts.map((pt) => {
    const map = media.rtp?.find((r) => r.payload === pt);
    if (map) return map.rate === undefined ? { pt, encoding: map.codec } : { pt, encoding: map.codec, clockRate: map.rate };
    const known = STATIC_PT[pt];
    return known ? { pt, encoding: known[0], clockRate: known[1] } : { pt };
  });
}

export function isPcma(p: SdpPayload): boolean {
  // RFC 3551: PCMA is 8 kHz; a dynamic "PCMA/16000" is not G.711 A-law as the trunk means it.
  return p.encoding?.toUpperCase() === 'PCMA' && (p.clockRate === undefined || p.clockRate === 8000);
}

/** RFC 4733 DTMF events and RFC 3389 comfort noise: carried along PCMA, never "the codec". */
export function isAuxiliary(p: SdpPayload): boolean {
  const name = p.encoding?.toLowerCase();
  return name === 'telephone-event' || name === 'cn';
}

export function describePayload(p: SdpPayload): string {
  if (!p.encoding) return String(p.pt);
  return `${p.pt} ${p.encoding}${p.clockRate === undefined ? '' : `/${p.clockRate}`}`;
}
