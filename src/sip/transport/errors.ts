// Codes of the SIP transports (src/sip/transport); listed in docs/errors.md.
export const SipTransportErrorCodes = {
  SIP_TRANSPORT_SEND_FAILED: 'The operating system refused to send a SIP message (unreachable, reset, closed socket)',
  SIP_TRANSPORT_CONNECT_FAILED: 'A TCP or TLS connection to the destination could not be opened',
  SIP_TRANSPORT_TOO_LARGE: 'An outgoing message is larger than the transport allows (64 KiB, or the UDP datagram limit)',
  SIP_TRANSPORT_UNSUPPORTED: 'No transport of the requested protocol and address family is listening',
  SIP_TRANSPORT_BIND_FAILED: 'A SIP listener could not bind its address and port',
  SIP_TRANSPORT_CLOSED: 'The transport was closed before the message could be sent',
  SIP_RESOLVE_FAILED: 'RFC 3263 resolution of a SIP URI host found no NAPTR, SRV, A or AAAA record',
} as const;

export type SipTransportErrorCode = keyof typeof SipTransportErrorCodes;
