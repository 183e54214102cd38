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
export { validateIncoming, validateRequest, type IncomingVerdict, type ValidateOptions } from './message/validate.js';
export { parseMessage, partialMessageOf, type ParseOptions, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_HEADERS } from './parser/parse-message.js';
export { parseUri, isAbsoluteUri } from './parser/parse-uri.js';
export { parseVia, parseNameAddr, parseCSeq, parseAuthValue, parseMediaType } from './parser/parse-header.js';
export { quote, unquote } from './parser/lexer.js';
export { SipStreamFramer, type FramerEvent, type FramerOptions } from './parser/stream-framer.js';
// --- end messages
