import type { Params } from '../parser/lexer.js';

/** One Via value (RFC 3261 §20.42, §18.2.1; rport per RFC 3581). */
export interface Via {
  /** `SIP/2.0` as received, without the LWS RFC 4475 §3.1.1.1 puts around the slashes. */
  readonly protocol: string;
  /** Upper-cased transport: UDP, TCP, TLS, SCTP, WS, WSS or any other token. */
  readonly transport: string;
  /** sent-by host; an IPv6 address without its brackets. */
  readonly host: string;
  readonly port: number | null;
  readonly branch: string | null;
  /** `received` without IPv6 brackets (RFC 5118 §4.5 allows both forms in the wild). */
  readonly received: string | null;
  /** RFC 3581: `true` when present without a value (a request asking for it), else the port. */
  readonly rport: true | number | null;
  readonly maddr: string | null;
  readonly ttl: number | null;
  /** All parameters, names lower-cased, values as written (quotes kept). */
  readonly params: Params;
  /** The value exactly as it appeared in the message. */
  readonly raw: string;
}

/** name-addr or addr-spec (RFC 3261 §20.10, §20.20, §20.39): From, To, Contact, Route, … */
export interface NameAddr {
  /** Display name without its quotes and with quoted-pairs resolved; null when absent. */
  readonly displayName: string | null;
  /** The URI text, any scheme (RFC 4475 §3.3.4 has isbn: and http:); parse with parseUri(). */
  readonly uri: string;
  readonly tag: string | null;
  /** Header parameters after the URI (tag, expires, q, …), names lower-cased. */
  readonly params: Params;
  readonly raw: string;
}

/** RFC 3261 §20.16 CSeq. */
export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/** A credentials or challenge value (RFC 3261 §20.7, §20.44, §22.4): scheme + auth-params, unquoted. */
export interface AuthValue {
  readonly scheme: string;
  /** Names lower-cased, quoted values unquoted. */
  readonly params: ReadonlyMap<string, string>;
  readonly raw: string;
}

/** Content-Type / Accept media type (RFC 3261 §20.15). */
export interface MediaType {
  /** `type/subtype`, lower-cased. */
  readonly type: string;
  readonly params: Params;
}
