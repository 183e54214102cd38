// RFC 3550 §5.1 RTP fixed header. Two entry points: parseRtpHeader (allocates a frozen
// result, for tools) and readRtpHeaderInto (fills a caller-owned object, for the relay's
// hot path: no allocation per packet).
import type { RtpErrorCode } from './errors.js';

export interface RtpHeader {
  readonly version: 2;
  readonly padding: boolean;
  readonly extension: boolean;
  readonly csrcCount: number;
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs: readonly number[];
  /** RFC 3550 §5.3.1 extension profile ("defined by profile" 16 bits), when X is set. */
  readonly extensionProfile?: number;
  /** Fixed header + CSRCs + extension: where the payload starts (relative to the packet). */
  readonly headerLength: number;
  readonly payloadOffset: number;
  readonly payloadLength: number;
  readonly paddingLength: number;
}

/** The reusable, mutable twin of RtpHeader for readRtpHeaderInto. CSRCs are not copied. */
export class RtpHeaderFields {
  padding = false;
  extension = false;
  csrcCount = 0;
  marker = false;
  payloadType = 0;
  sequenceNumber = 0;
  timestamp = 0;
  ssrc = 0;
  extensionProfile = -1;
  headerLength = 0;
  payloadOffset = 0;
  payloadLength = 0;
  paddingLength = 0;
}

export type RtpParseFailure = Extract<
  RtpErrorCode,
  'RTP_TOO_SHORT' | 'RTP_BAD_VERSION' | 'RTP_BAD_PADDING' | 'RTP_BAD_EXTENSION'
>;

export type RtpParseResult =
  | { readonly ok: true; readonly header: RtpHeader }
  | { readonly ok: false; readonly code: RtpParseFailure; readonly message: string };

const RTP_FIXED_HEADER = 12;

/**
 * Fills `out` from the packet bytes [offset, offset+length). Returns undefined on success,
 * or the failure code; `out` is then in an unspecified state. `payloadOffset` is absolute
 * (an index into `packet`), so the payload is packet[payloadOffset .. +payloadLength).
 */
export function readRtpHeaderInto(
  packet: Uint8Array,
  out: RtpHeaderFields,
  offset = 0,
  length = packet.length - offset,
): RtpParseFailure | undefined {
  if (length < RTP_FIXED_HEADER) return 'RTP_TOO_SHORT';
  const b0 = packet[offset];
  // RFC 3550 §5.1: V is the top two bits and must be 2.
  if (b0 >> 6 !== 2) return 'RTP_BAD_VERSION';
  const b1 = packet[offset + 1];
  out.padding = (b0 & 0x20) !== 0;
  out.extension = (b0 & 0x10) !== 0;
  out.csrcCount = b0 & 0x0f;
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequenceNumber = (packet[offset + 2] << 8) | packet[offset + 3];
  out.timestamp =
    ((packet[offset + 4] << 24) | (packet[offset + 5] << 16) | (packet[offset + 6] << 8) | packet[offset + 7]) >>> 0;
  out.ssrc =
    ((packet[offset + 8] << 24) | (packet[offset + 9] << 16) | (packet[offset + 10] << 8) | packet[offset + 11]) >>> 0;
  let header = RTP_FIXED_HEADER + 4 * out.csrcCount;
  if (length < header) return 'RTP_TOO_SHORT';
  out.extensionProfile = -1;
  if (out.extension) {
    // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words, then the words.
    if (length < header + 4) return 'RTP_BAD_EXTENSION';
    out.extensionProfile = (packet[offset + header] << 8) | packet[offset + header + 1];
    const words = (packet[offset + header + 2] << 8) | packet[offset + header + 3];
    header += 4 + 4 * words;
    if (length < header) return 'RTP_BAD_EXTENSION';
  }
  let paddingLength = 0;
  if (out.padding) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
    paddingLength = packet[offset + length - 1];
    if (paddingLength === 0 || header + paddingLength > length) return 'RTP_BAD_PADDING';
  }
  out.headerLength = header;
  out.paddingLength = paddingLength;
  out.payloadOffset = offset + header;
  out.payloadLength = length - header - paddingLength;
  return undefined;
}

const FAILURE_TEXT: Record<RtpParseFailure, string> = {
  RTP_TOO_SHORT: 'packet shorter than its RTP header',
  RTP_BAD_VERSION: 'RTP version is not 2',
  RTP_BAD_PADDING: 'RTP padding count is invalid',
  RTP_BAD_EXTENSION: 'RTP header extension runs past the packet',
};

/** Parses an RTP header; a packet that is not RTP is a typed failure, never an exception. */
export function parseRtpHeader(packet: Uint8Array, offset = 0, length = packet.length - offset): RtpParseResult {
  const f = new RtpHeaderFields();
  const failure = readRtpHeaderInto(packet, f, offset, length);
  if (failure !== undefined) {
    const detail = failure === 'RTP_BAD_VERSION' ? ` (version ${packet[offset] >> 6})` : ` (${length} bytes)`;
    return { ok: false, code: failure, message: FAILURE_TEXT[failure] + detail };
  }
  const csrcs: number[] = [];
  for (let i = 0; i < f.csrcCount; i++) {
    const p = offset + 12 + 4 * i;
    csrcs.push(((packet[p] << 24) | (packet[p + 1] << 16) | (packet[p + 2] << 8) | packet[p + 3]) >>> 0);
  }
  const header: RtpHeader = Object.freeze({
    version: 2 as const,
    padding: f.padding,
    extension: f.extension,
    csrcCount: f.csrcCount,
    marker: f.marker,
    payloadType: f.payloadType,
    sequenceNumber: f.sequenceNumber,
    timestamp: f.timestamp,
    ssrc: f.ssrc,
    csrcs: Object.freeze(csrcs),
    ...(f.extensionProfile >= 0 ? { extensionProfile: f.extensionProfile } : {}),
    headerLength: f.headerLength,
    payloadOffset: f.payloadOffset,
    payloadLength: f.payloadLength,
    paddingLength: f.paddingLength,
  });
  return { ok: true, header };
}
