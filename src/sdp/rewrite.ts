import { isIP } from 'node:net';
import { TrunklineError } from '../core/index.js';
import type { SdpErrorCode } from './errors.js';
import { cloneSdp, parseSdp, writeSdp, type ParsedSdp } from './parse.js';
import { writeOver } from './write-over.js';

export interface RelayPorts {
  readonly rtpPort: number;
  readonly rtcpPort?: number;
}

export interface RewriteTarget {
  /** The relay's address as the peer must reach it (IPv4 or IPv6 literal). */
  readonly address: string;
  /** Per m= line, in order; `null` disables that line with port 0 (a stream the relay does not carry, RFC 3264 §8.2). */
  readonly media: readonly (RelayPorts | null)[];
}

/** c=0.0.0.0 (RFC 2543 hold) and its IPv6 twin: kept, so the other side still sees the hold. */
export function isUnspecifiedAddress(ip: string | undefined): boolean {
  return ip === '0.0.0.0' || ip === '::' || ip === '0:0:0:0:0:0:0:0';
}

/**
 * Points an SDP at the relay (media anchoring): c= at session and media level, the m= ports,
 * a=rtcp (RFC 3605), and o= (topology hiding: the peer's address must not leak to the other
 * side). ICE candidates name the peer's own addresses and are removed for the same reason.
 * Rejected streams (port 0) stay rejected; a hold by c=0.0.0.0 stays a hold.
 */
export function rewriteForRelay(input: string | ParsedSdp, target: RewriteTarget): string {
  // A string is parsed into a fresh object of our own: only a caller's object needs the copy.
  return typeof input === 'string' ? rewriteForRelayInPlace(parseSdp(input), target, input) : rewriteForRelayInPlace(cloneSdp(input), target);
}

/**
 * rewriteForRelay on an object the caller owns: changed where it is (no copy), then written.
 * `original`: the text `sdp` was parsed from — the body is then written as those lines with
 * only the rewritten ones changed (writeOver), not regenerated from the object.
 */
export function rewriteForRelayInPlace(sdp: ParsedSdp, target: RewriteTarget, original?: string): string {
  const family = isIP(target.address);
  if (family === 0) {
    throw new TrunklineError<SdpErrorCode>('SDP_BAD_ADDRESS', `not an IP literal: ${target.address}`, { details: { address: target.address } });
  }
  if (target.media.length !== sdp.media.length) {
    throw new TrunklineError<SdpErrorCode>('SDP_MEDIA_MISMATCH', `${target.media.length} port pairs for ${sdp.media.length} m= lines`, {
      details: { given: target.media.length, lines: sdp.media.length },
    });
  }
  const conn = (ip: string | undefined) => (isUnspecifiedAddress(ip) ? { version: ip === '0.0.0.0' ? 4 : 6, ip: ip! } : { version: family, ip: target.address });
  const sessionHeld = isUnspecifiedAddress(sdp.connection?.ip);
  if (sdp.connection) sdp.connection = conn(sdp.connection.ip);
  sdp.origin.address = target.address;
  sdp.origin.ipVer = family;
  let needSessionConnection = false;
  sdp.media.forEach((m, i) => {
    const ports = target.media[i];
    delete m.candidates;
    delete m.remoteCandidates;
    delete m.endOfCandidates;
    if (m.port === 0) return;
    if (!ports) {
      m.port = 0;
      return;
    }
    const heldHere = isUnspecifiedAddress(m.connection?.ip) || (!m.connection && sessionHeld);
    m.port = ports.rtpPort;
    if (m.connection) m.connection = conn(m.connection.ip);
    else if (!sdp.connection) needSessionConnection = true;
    if (m.rtcp) {
      const port = ports.rtcpPort ?? ports.rtpPort + 1;
      // An a=rtcp without an address follows c=; one with an address is pointed at the relay too.
      m.rtcp = m.rtcp.address === undefined || heldHere || isUnspecifiedAddress(m.rtcp.address)
        ? { ...m.rtcp, port }
        : { port, netType: 'IN', ipVer: family, address: target.address };
    }
  });
  // RFC 4566 §5.7: c= must be present at session level or in every m= section.
  if (needSessionConnection) sdp.connection = { version: family, ip: target.address };
  return (original === undefined ? undefined : writeOver(original, sdp)) ?? writeSdp(sdp);
}
