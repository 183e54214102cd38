// Codes of the media layer (the RTP relay: port pool, sessions, recorder).
export const MediaErrorCodes = {
  MEDIA_BAD_PORT_RANGE: 'The RTP port range is not LO-HI with 1024 ≤ LO < HI ≤ 65535 holding at least one even/odd pair',
  MEDIA_PORTS_EXHAUSTED: 'No free RTP/RTCP port pair could be bound in the configured range',
  MEDIA_BIND_FAILED: 'A relay socket could not be bound for a reason other than the port being in use',
  MEDIA_SESSION_CLOSED: 'The media session was already closed',
  MEDIA_BAD_ADDRESS: 'An address given to the relay is not an IP literal of the relay socket family',
  MEDIA_NATIVE_UNAVAILABLE: 'The native media engine was asked for but its addon (build/Release/trunkline_relay.node) is missing or failed to load',
  MEDIA_RECORDER_FAILED: 'The per-call pcap recorder could not write its file',
} as const;

export type MediaErrorCode = keyof typeof MediaErrorCodes;
