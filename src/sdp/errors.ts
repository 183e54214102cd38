// Codes of the sdp layer (offer/answer, the PCMA rule, address rewrite for the relay).
export const SdpErrorCodes = {
  SDP_UNPARSEABLE: 'The body is not an SDP session description (no v=0 first line, or no o= line)',
  SDP_BAD_ADDRESS: 'An address given to the SDP rewrite is not an IPv4 or IPv6 literal',
  SDP_MEDIA_MISMATCH: 'The ports given for a rewrite or an answer do not match the m= lines of the SDP',
  SDP_NOT_ACCEPTABLE: 'An answer was asked for an offer that has no stream the trunk can accept (plain RTP audio with PCMA)',
} as const;

export type SdpErrorCode = keyof typeof SdpErrorCodes;
