// Codes of the SIP message layer (src/sip/message, src/sip/parser); listed in docs/errors.md.
// Every parse error carries details {header?, offset?, kind?} so that validateIncoming() can
// turn it into the answer RFC 3261 / RFC 4475 ask for (400 + Warning, 505, 513, or a drop).
export const SipErrorCodes = {
  SIP_PARSE_EMPTY: 'The bytes hold no SIP message (empty, or only whitespace)',
  SIP_PARSE_BAD_START_LINE: 'The Request-Line or Status-Line does not follow RFC 3261 §7.1/§7.2',
  SIP_PARSE_BAD_VERSION: 'The SIP-Version of the start line is not of the form SIP/x.y',
  SIP_PARSE_BAD_STATUS: 'The Status-Code of a response is not three digits in 100–699',
  SIP_PARSE_BAD_REQUEST_URI: 'The Request-URI is not an absolute URI (e.g. enclosed in <> or with LWS)',
  SIP_PARSE_BAD_HEADER_LINE: 'A header line has no colon or a header name that is not a token',
  SIP_PARSE_NO_HEADER_END: 'The header section is not closed by an empty line',
  SIP_PARSE_BAD_HEADER: 'A header value does not follow its grammar (details.header names it)',
  SIP_PARSE_MISSING_HEADER: 'A header every request/response must carry is absent (details.header)',
  SIP_PARSE_DUPLICATE_HEADER: 'A single-valued header appears more than once (details.header)',
  SIP_PARSE_BAD_CONTENT_LENGTH: 'Content-Length is not a non-negative integer, or appears twice with different values',
  SIP_PARSE_BODY_TRUNCATED: 'Content-Length announces more octets than the datagram holds',
  SIP_PARSE_MISSING_CONTENT_LENGTH: 'A message on a stream transport has no Content-Length (RFC 3261 §18.3)',
  SIP_PARSE_TOO_LARGE: 'The message exceeds the configured size limit (64 KiB by default)',
  SIP_PARSE_TOO_MANY_HEADERS: 'The header section has more header lines than the configured limit',
  SIP_PARSE_BAD_URI: 'A URI does not follow the sip/sips (RFC 3261 §19.1) or tel (RFC 3966) grammar',
  SIP_PARSE_UNSUPPORTED_URI_SCHEME: 'A URI has a scheme other than sip, sips or tel',
  SIP_MESSAGE_INVALID_ARGUMENT: 'A message builder was given a value outside its domain (e.g. status 99)',
} as const;

export type SipErrorCode = keyof typeof SipErrorCodes;
