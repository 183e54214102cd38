import { formatEndpoint, hostOf, parseEndpoint } from './address.js';
import { audioMedia, mediaAddress, type CallSummary } from './call-facts.js';
import type { RtpStreamEvidence, SdpEvidence } from './evidence.js';

export type Side = 'caller' | 'callee';

export interface SdpEndpoint {
  readonly side: Side;
  /** "host:port" of an audio m= line. */
  readonly endpoint: string;
  readonly host: string;
}

export interface ClassifiedStream {
  readonly stream: RtpStreamEvidence;
  /** Who sent it, or undefined when neither the SDP nor the addresses tell. */
  readonly sender?: Side;
  /** The sender was recognised by where the packets went (so its source can be compared with its SDP). */
  readonly byDestination: boolean;
}

function endpointsOf(sdps: readonly SdpEvidence[], side: Side): SdpEndpoint[] {
  const out: SdpEndpoint[] = [];
  for (const sdp of sdps) {
    for (const m of audioMedia(sdp)) {
      const host = mediaAddress(sdp, m);
      if (!host || m.port === 0) continue;
      out.push({ side, endpoint: formatEndpoint(host.toLowerCase(), m.port), host: host.toLowerCase() });
    }
  }
  return out;
}

export function sdpEndpoints(summary: CallSummary): { readonly caller: SdpEndpoint[]; readonly callee: SdpEndpoint[] } {
  return { caller: endpointsOf(summary.callerSdps, 'caller'), callee: endpointsOf(summary.calleeSdps, 'callee') };
}

const norm = (addr: string): string => {
  const e = parseEndpoint(addr);
  return formatEndpoint(e.host, e.port);
};

/**
 * Tells which party sent each stream. A sender puts its peer's SDP address in the destination,
 * so the destination is the strongest clue; the source (equal to the sender's SDP when RTP is
 * symmetric) comes next, then hosts alone when the two parties do not share one.
 */
export function classifyStreams(summary: CallSummary, streams: readonly RtpStreamEvidence[]): ClassifiedStream[] {
  const { caller, callee } = sdpEndpoints(summary);
  const has = (list: SdpEndpoint[], addr: string) => list.some((e) => e.endpoint === norm(addr));
  const hasHost = (list: SdpEndpoint[], addr: string) => list.some((e) => e.host === hostOf(addr));
  const sharedHost = caller.some((a) => callee.some((b) => a.host === b.host));
  const classified = streams.map((stream): ClassifiedStream => {
    if (has(callee, stream.dst) && !has(caller, stream.dst)) return { stream, sender: 'caller', byDestination: true };
    if (has(caller, stream.dst) && !has(callee, stream.dst)) return { stream, sender: 'callee', byDestination: true };
    if (has(caller, stream.src) && !has(callee, stream.src)) return { stream, sender: 'caller', byDestination: false };
    if (has(callee, stream.src) && !has(caller, stream.src)) return { stream, sender: 'callee', byDestination: false };
    if (!sharedHost) {
      if (hasHost(callee, stream.dst) || hasHost(caller, stream.src)) return { stream, sender: 'caller', byDestination: false };
      if (hasHost(caller, stream.dst) || hasHost(callee, stream.src)) return { stream, sender: 'callee', byDestination: false };
    }
    return { stream, byDestination: false };
  });
  // Without SDP to go by, a stream that flows back between the hosts of a known one is the other direction.
  return classified.map((c) => {
    if (c.sender) return c;
    const reverse = classified.find(
      (k) => k.sender && (hostOf(k.stream.src) === hostOf(c.stream.dst) || hostOf(k.stream.dst) === hostOf(c.stream.src)),
    );
    if (reverse?.sender) return { ...c, sender: reverse.sender === 'caller' ? 'callee' : 'caller' };
    return c;
  });
}

/** Streams carrying packets while the call was up (after answer, until it ended or observation stopped). */
export function streamsAfterAnswer(streams: readonly RtpStreamEvidence[], answerAt: number): RtpStreamEvidence[] {
  return streams.filter((s) => s.packets > 0 && s.lastAt >= answerAt);
}

/** An SDP that puts audio on hold or one way (RFC 3264 §5.1, §8.4): one-way media is expected then. */
export function holdsMedia(sdp: SdpEvidence): boolean {
  return audioMedia(sdp).some((m) => {
    const host = mediaAddress(sdp, m);
    return m.direction === 'sendonly' || m.direction === 'recvonly' || m.direction === 'inactive' || host === '0.0.0.0' || host === '::';
  });
}

export function describeStream(s: RtpStreamEvidence): string {
  return `${s.src} → ${s.dst} SSRC 0x${s.ssrc.toString(16).padStart(8, '0')} ${s.codec ?? `PT ${s.payloadType}`}: ${s.packets} packets`;
}
