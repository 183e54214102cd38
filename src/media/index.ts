// media: the RTP relay — port pool, per-call sessions with latching, per-direction statistics, RTP timeout, echo, pcap recorder.
export { MediaErrorCodes, type MediaErrorCode } from './errors.js';
export { MediaRelay, mediaSessionChannel, type MediaEngineName, type MediaSessionMessage, type MediaRelayOptions, type CreateSessionOptions, type RelayCounters } from './media-relay.js';
export { MediaSession, rtcpChannel, type RtcpMessage } from './media-session.js';
export type {
  MediaDirection,
  RemoteEndpoint,
  SipRecord,
  DirectionStats,
  MediaSessionStats,
  LatchEvent,
  FlowEvent,
  DropEvent,
  TimeoutEvent,
  MediaSessionEvents,
} from './session-types.js';
export { type LegInfo, type LegName, type DropCounters, type RtcpSummary } from './media-leg.js';
export { ThreadedMediaRelay, RemoteMediaSession, type ThreadedMediaRelayOptions } from './threaded-relay.js';
export { PortPool, type PortRange, type PortPoolStats } from './port-pool.js';
export { PcapWriter, udpFrame } from './pcap-writer.js';
export { formatAddress, parsePortRange } from './addresses.js';
export { LATCH_WINDOW } from './latch.js';
export { loadNativeRelay, type NativeLoad } from './native-binding.js';
