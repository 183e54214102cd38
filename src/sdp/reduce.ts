import { isAuxiliary, isPcma, payloadsOf } from './codecs.js';
import { cloneSdp, parseSdp, writeSdp, type ParsedMedia, type ParsedSdp } from './parse.js';

/**
 * Keeps on every audio m= line only what the trunk carries — PCMA/8000, telephone-event
 * (RFC 4733) and CN (RFC 3389) — keeping the payload numbers the offerer chose (RFC 3264 §5.1:
 * the answerer must use the offerer's numbers), with their rtpmap/fmtp lines. An audio line left
 * with no PCMA is disabled with port 0 (RFC 3264 §8.2) rather than emptied, which is invalid.
 */
export function reduceCodecs(input: string | ParsedSdp): string {
  // A string is parsed into a fresh object of our own: only a caller's object needs the copy.
  const sdp = typeof input === 'string' ? parseSdp(input) : cloneSdp(input);
  reduceCodecsInPlace(sdp);
  return writeSdp(sdp);
}

/** reduceCodecs on an object the caller owns, changed where it is (no copy, no text). */
export function reduceCodecsInPlace(sdp: ParsedSdp): void {
  for (const m of sdp.media) {
    if (m.type === 'audio') reduceMedia(m);
  }
}

function reduceMedia(m: ParsedMedia): void {
  const payloads = payloadsOf(m);
  const keep = payloads.filter((p) => isPcma(p) || isAuxiliary(p));
  if (!keep.some(isPcma)) {
    m.port = 0;
    return;
  }
  // Keep the offerer's order: PCMA's rank among what remains does not change.
  const pts = new Set(keep.map((p) => p.pt));
  m.payloads = keep.map((p) => p.pt).join(' ');
  m.rtp = (m.rtp ?? []).filter((r) => pts.has(r.payload));
  // PCMA is static (RFC 3551), but some stacks omit its rtpmap; adding one costs nothing and helps peers.
  for (const p of keep) {
    if (!m.rtp.some((r) => r.payload === p.pt) && p.encoding) m.rtp.push({ payload: p.pt, codec: p.encoding, rate: p.clockRate ?? 8000 });
  }
  m.rtp.sort((a, b) => m.payloads!.split(' ').indexOf(String(a.payload)) - m.payloads!.split(' ').indexOf(String(b.payload)));
  m.fmtp = (m.fmtp ?? []).filter((f) => pts.has(f.payload));
  if (m.rtcpFb) m.rtcpFb = m.rtcpFb.filter((f) => f.payload === '*' || pts.has(Number(f.payload)));
}
