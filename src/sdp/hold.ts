import { parseSdpShared, type ParsedSdp } from './parse.js';
import { isUnspecifiedAddress } from './rewrite.js';
import { mediaConnection, mediaDirection, type SdpDirection } from './summary.js';

export interface HoldState {
  /** The stream's direction as the SDP's sender means it. */
  readonly direction: SdpDirection;
  /**
   * RFC 3264 §8.4: the stream is on hold — a=sendonly or a=inactive from the side holding, or
   * a=recvonly, the answer to such an offer. Either way media may stop one or both ways, so a
   * relay must not call it a drop or an RTP timeout.
   */
  readonly held: boolean;
  readonly how?: 'sendonly' | 'inactive' | 'recvonly' | 'zero-address';
}

/**
 * Hold and resume (RFC 3264 §8.4): a=sendonly or a=inactive on the stream (or the session), or
 * the RFC 2543 style c=0.0.0.0 that many PBXs still send. `mediaIndex` defaults to the first
 * audio stream.
 */
export function holdState(input: string | ParsedSdp, mediaIndex?: number): HoldState {
  const sdp = typeof input === 'string' ? parseSdpShared(input) : input;
  const index = mediaIndex ?? sdp.media.findIndex((m) => m.type === 'audio');
  const m = sdp.media[index];
  if (!m) return { direction: 'inactive', held: true, how: 'inactive' };
  const direction = mediaDirection(sdp, m);
  if (isUnspecifiedAddress(mediaConnection(sdp, m))) return { direction, held: true, how: 'zero-address' };
  if (direction !== 'sendrecv') return { direction, held: true, how: direction };
  return { direction, held: false };
}

/** The address and ports the SDP asks media to be sent to, for one stream (the relay's setRemote). */
export interface MediaEndpoint {
  readonly address: string;
  readonly rtpPort: number;
  /** RFC 3605 a=rtcp when present, else RTP port + 1 (RFC 3550 §11). */
  readonly rtcpPort: number;
  readonly rtcpAddress: string;
}

export function mediaEndpoint(input: string | ParsedSdp, mediaIndex?: number): MediaEndpoint | undefined {
  const sdp = typeof input === 'string' ? parseSdpShared(input) : input;
  const index = mediaIndex ?? sdp.media.findIndex((m) => m.type === 'audio' && m.port !== 0);
  const m = sdp.media[index];
  const address = m ? mediaConnection(sdp, m) : undefined;
  if (!m || m.port === 0 || address === undefined) return undefined;
  return {
    address,
    rtpPort: m.port,
    rtcpPort: m.rtcp?.port ?? m.port + 1,
    rtcpAddress: m.rtcp?.address ?? address,
  };
}
