// rtp: RTP/RTCP parsing, RFC 3550 loss and jitter, G.711 decoding and silence (shared by media/ and capture/).
export { RtpErrorCodes, type RtpErrorCode } from './errors.js';
export {
  type RtpHeader,
  RtpHeaderFields,
  type RtpParseFailure,
  type RtpParseResult,
  parseRtpHeader,
  readRtpHeaderInto,
} from './rtp-header.js';
export {
  type RtcpPacket,
  type RtcpSenderReport,
  type RtcpReceiverReport,
  type RtcpReportBlock,
  type RtcpSdes,
  type RtcpSdesChunk,
  type RtcpBye,
  type RtcpOther,
  type RtcpParseFailure,
  type RtcpParseResult,
  type RtcpEvidence,
  type RtcpBlockEvidence,
  rtcpEvidence,
  parseRtcp,
  RTCP_SR,
  RTCP_RR,
  RTCP_SDES,
  RTCP_BYE,
} from './rtcp.js';
export { type UdpMediaKind, isRtcpPayloadType, classifyMediaPacket } from './demux.js';
export { type PayloadTypeInfo, staticPayloadType, PT_COMFORT_NOISE, PT_PCMA, PT_PCMU } from './payload-types.js';
export {
  ALAW_TO_LINEAR,
  ULAW_TO_LINEAR,
  decodeG711,
  g711FramePower,
  powerToDbfs,
  DEFAULT_SILENCE_DBFS,
} from './g711.js';
export {
  type RtpPacketInfo,
  type RtpStreamStatsOptions,
  type RtpStreamSnapshot,
  type RtpStreamEvidence,
  type RtpEvent,
  RtpStreamStats,
  JITTER_BUFFER_MS,
} from './stream-stats.js';
export { type IpTtlEvidence, IpTtlTrack } from './ip-ttl.js';
