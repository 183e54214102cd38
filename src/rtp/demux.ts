// Telling RTP from RTCP (RFC 5761 §4) and both from STUN/DTLS/ZRTP (RFC 7983 §7) on one port.

export type UdpMediaKind = 'rtp' | 'rtcp' | 'stun' | 'dtls' | 'zrtp' | 'turn-channel' | 'unknown';

/**
 * RFC 5761 §4: with the marker bit masked, an RTCP packet type 192–223 reads as an RTP
 * payload type 64–95, a range RTP must therefore not use when multiplexed. So the
 * second octet's low 7 bits in 64–95 mean RTCP.
 */
export function isRtcpPayloadType(secondOctet: number): boolean {
  const pt = secondOctet & 0x7f;
  return pt >= 64 && pt <= 95;
}

/** RFC 7983 §7: the first octet says which protocol a datagram on a media port carries. */
export function classifyMediaPacket(packet: Uint8Array, offset = 0, length = packet.length - offset): UdpMediaKind {
  if (length < 1) return 'unknown';
  const b = packet[offset];
  if (b <= 3) return 'stun';
  if (b >= 16 && b <= 19) return 'zrtp';
  if (b >= 20 && b <= 63) return 'dtls';
  if (b >= 64 && b <= 79) return 'turn-channel';
  if (b >= 128 && b <= 191) {
    if (length < 2) return 'unknown';
    return isRtcpPayloadType(packet[offset + 1]) ? 'rtcp' : 'rtp';
  }
  return 'unknown';
}
