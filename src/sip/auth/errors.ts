// Codes of SIP digest authentication (src/sip/auth); listed in docs/errors.md.
export const SipAuthErrorCodes = {
  SIP_AUTH_BAD_CHALLENGE: 'A WWW-Authenticate / Proxy-Authenticate value is not a Digest challenge we can answer',
  SIP_AUTH_UNSUPPORTED_ALGORITHM: 'A challenge asks for a digest algorithm other than MD5, SHA-256 or their -sess forms',
} as const;

export type SipAuthErrorCode = keyof typeof SipAuthErrorCodes;
