import { parse, write, type SessionDescription, type MediaDescription } from 'sdp-transform';
import { BoundedMemo, TrunklineError } from '../core/index.js';
import type { SdpErrorCode } from './errors.js';

export type ParsedSdp = SessionDescription;
export type ParsedMedia = MediaDescription;

/**
 * Parses an SDP body. sdp-transform accepts anything, so the RFC 4566 §5 skeleton is checked
 * here: the first line is `v=0` and an `o=` line exists. Anything else is not SDP.
 */
export function parseSdp(body: string | Uint8Array): ParsedSdp {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  const trimmed = text.replace(/^\s+/, '');
  if (!/^v=0\s*(\r?\n|$)/.test(trimmed) || !/(^|\n)o=\S/.test(trimmed)) {
    throw new TrunklineError<SdpErrorCode>('SDP_UNPARSEABLE', 'not an SDP session description', {
      details: { firstLine: trimmed.split(/\r?\n/, 1)[0]?.slice(0, 80) ?? '' },
    });
  }
  let parsed: ParsedSdp;
  try {
    parsed = parse(trimmed);
  } catch (cause) {
    throw new TrunklineError<SdpErrorCode>('SDP_UNPARSEABLE', 'SDP could not be parsed', { cause });
  }
  parsed.media ??= [];
  return parsed;
}

/**
 * Parsed SDP shared by readers that never change it (the offer check, hold and endpoint
 * reading, the evidence summary), by text: the edge reads the same offer or answer several
 * times per call (issue 13: each read parsed it again). Bounded, oldest out first; only a few
 * calls' bodies are read close together, so a small table is enough.
 */
const shared = new BoundedMemo<ParsedSdp>(64, parseSdp);

/**
 * `parseSdp` for a reader that only reads: the object may be handed to other readers of the
 * same text, so it must not be changed (write helpers take a copy or parse their own).
 */
export function parseSdpShared(text: string): ParsedSdp {
  return shared.get(text);
}

/**
 * `parseSdp` for a caller that changes the object (the relay's rewrite of a body): the parse the
 * shared readers made of this very text, taken out of their table, else a new one. The edge reads
 * an offer before it rewrites it (the evidence summary as it is traced, the offer check), so the
 * rewrite parsed each offer a second time (issue 13). Readers never keep the object past their
 * call (parseSdpShared), so once out of the table it is the taker's alone.
 */
export function parseSdpToChange(text: string): ParsedSdp {
  return shared.take(text) ?? parseSdp(text);
}

/**
 * Offers `parsed`, which `text` was just written from, to later readers of `text` (parseSdpShared),
 * so the evidence summary of a rewritten body does not parse what the edge just wrote. The
 * caller must not change `parsed` after this.
 */
export function shareParsedSdp(text: string, parsed: ParsedSdp): void {
  shared.remember(text, parsed);
}

/** Serialises with CRLF line ends (RFC 4566 §5). */
export function writeSdp(sdp: ParsedSdp): string {
  return write(sdp);
}

/** Deep copy so the rewrite helpers never mutate what the caller holds. */
export function cloneSdp(sdp: ParsedSdp): ParsedSdp {
  return structuredClone(sdp);
}

/** Attribute lines sdp-transform does not model (a=curr, a=des, a=conf, …) land in `invalid`. */
export function otherAttributes(media: { invalid?: { value: string }[] }): string[] {
  return (media.invalid ?? []).map((i) => i.value);
}
