// sip: our RFC 3261 stack on Node built-ins only; this file is its whole public face.
export { DIGEST_ALGORITHMS, type DigestAlgorithm, digestHash, computeHa1 } from './auth/ha1.js';

// --- messages: types, headers, URIs, parser, serializer, builders, the receive decision (owner: sipmsg)
export { SipErrorCodes, type SipErrorCode } from './errors.js';
export type { SipRequest, SipResponse, SipMessage, RequestInit, ResponseInit, ResponseOptions } from './message/message.js';
export { createRequest, createResponse, createResponseMessage } from './message/message.js';
export { SipHeaders, type HeaderField } from './message/headers.js';
export { COMPACT_FORMS, headerKey, canonicalName, isListHeader } from './message/header-names.js';
export type { Via, NameAddr, CSeq, AuthValue, MediaType } from './message/header-values.js';
export { type SipUri, formatUri, formatHostPort } from './message/uri.js';
export { reasonPhrase } from './message/reason-phrases.js';
export { serializeMessage } from './message/serialize.js';
export { wireText, wireTextOf } from './message/wire-bytes.js';
export type { SipEvent } from './message/sip-event.js';
export { formatNameAddr, formatVia, formatParams, type NameAddrInit, type ViaInit } from './message/format-header.js';
export { validateIncoming, validateRequest, type IncomingVerdict, type ValidateOptions } from './message/validate.js';
export { parseMessage, partialMessageOf, type ParseOptions, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_HEADERS } from './parser/parse-message.js';
export { parseUri, isAbsoluteUri, uriScheme } from './parser/parse-uri.js';
export { parseVia, parseNameAddr, parseCSeq, parseAuthValue, parseMediaType } from './parser/parse-header.js';
export { quote, unquote, type Params } from './parser/lexer.js';
export { SipStreamFramer, type FramerEvent, type FramerOptions } from './parser/stream-framer.js';
// --- end messages

// --- transports, transactions, dialogs, digest, stateless UAS (owner: siptx)
export { SipTransportErrorCodes, type SipTransportErrorCode } from './transport/errors.js';
export {
  DEFAULT_TRANSPORT_LIMITS, sipMessageChannel, familyOf,
  type Transport, type TransportProtocol, type SocketAddress, type Destination, type InboundMessage,
  type TransportEvent, type TransportHandlers, type TransportLimits, type TransportLimit, type SipMessageEvent,
} from './transport/transport.js';
export { UdpTransport, type UdpTransportOptions } from './transport/udp-transport.js';
export { StreamTransport, type StreamTransportOptions } from './transport/stream-transport.js';
export { TransportSet, type TransportPort, type TransportSetOptions, type SentBy } from './transport/transport-set.js';
export { SourceAddresses, isWildcard, type SourceAddressOptions } from './transport/source-address.js';
export { SipResolver, orderSrv, systemDns, type ResolveInput, type ResolvedTarget, type DnsPort, type PeerAddresses } from './transport/resolver.js';
export { SipTransactionErrorCodes, type SipTransactionErrorCode } from './transaction/errors.js';
export { RFC3261_TIMERS, timerDurations, type TimerSettings, type TimerDurations, type TimerName } from './transaction/timers.js';
export { TransactionLayer, type TransactionLayerOptions, type TransactionUser, type TransactionLayerStats, type StatelessAnswerPort } from './transaction/transaction-layer.js';
export { ClientTransaction, ackFor, cancelFor, type ClientTransactionHandlers } from './transaction/client-transaction.js';
export { ServerTransaction, type ServerTransactionHandlers, type RequestSource } from './transaction/server-transaction.js';
export { txStateChannel, type TxStateEvent, type TxKind } from './transaction/tx-base.js';
export { MAGIC_COOKIE } from './transaction/keys.js';
export { sendToNextHop, type UriSendHandlers } from './transaction/uri-sender.js';
export { SipAuthErrorCodes, type SipAuthErrorCode } from './auth/errors.js';
export {
  DigestServer, answerChallenge, formatChallenge, usernameOf,
  type DigestServerOptions, type NonceCounts, type DigestChallenge, type DigestVerdict, type DigestFailure, type DigestClientCredentials,
} from './auth/digest.js';
export { checkRequest, answerOptions, KNOWN_METHODS, type UasPolicy, type StatelessAnswer } from './uas/stateless-answers.js';
export { UasCore, type SipRequestHandler, type UasCoreEvents } from './uas/uas-core.js';
export { Dialog, dialogFromRequest, dialogFromResponse, dialogKey, type DialogId, type DialogState, type DialogRejection } from './dialog/dialog.js';
export { DialogLayer, type DialogLayerOptions, type AcceptOptions, type InviteResponseOptions } from './dialog/dialog-layer.js';
// --- end siptx
export { startSipEndpoint, type SipEndpoint, type SipEndpointOptions } from './endpoint/endpoint.js';
export type { ListenerKey, QueueProbe } from './endpoint/queue-probe.js';
