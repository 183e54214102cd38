// Codes of the rtp layer. Parse failures are returned as data carrying one of these codes
// (a relay sees junk at 100 000+ packets/s: throwing per packet would be both slow and wrong).
export const RtpErrorCodes = {
  RTP_TOO_SHORT: 'Shorter than the 12-byte RTP fixed header (or than its CSRC list / extension / padding claims)',
  RTP_BAD_VERSION: 'The version field is not 2 (RFC 3550 §5.1): not RTP',
  RTP_BAD_PADDING: 'The padding count is 0 or larger than the payload (RFC 3550 §5.1)',
  RTP_BAD_EXTENSION: 'The header extension runs past the end of the packet (RFC 3550 §5.3.1)',
  RTCP_TOO_SHORT: 'Shorter than the 4-byte RTCP common header, or than a packet type requires',
  RTCP_BAD_VERSION: 'An RTCP packet whose version field is not 2 (RFC 3550 §6.4.1)',
  RTCP_BAD_LENGTH: 'An RTCP length field that runs past the end of the compound packet (RFC 3550 §6.4.1)',
  RTP_INVALID_OPTION: 'An RTP statistics option outside its domain (clock rate, threshold)',
} as const;

export type RtpErrorCode = keyof typeof RtpErrorCodes;
