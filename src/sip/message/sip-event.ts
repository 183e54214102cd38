/**
 * One SIP message as seen at a point of the network (a capture, the edge's own trace): the
 * facts the diagnosis rules read, whoever saw it. Declared here, beside the message types, so
 * that capture/ and diagnosis/ (siblings at L2) share one shape instead of mirroring it. The
 * SDP summary is a type parameter because sip/ cannot name sdp/'s type (a sibling at L1);
 * diagnosis fixes it as SipEvent<SdpSummary>.
 */
export interface SipEvent<Sdp> {
  /** Milliseconds since the epoch. */
  readonly at: number;
  /** "ip:port" ("[v6]:port" for IPv6). */
  readonly src: string;
  readonly dst: string;
  readonly transport: string;
  readonly kind: 'request' | 'response';
  /** The request's method, or the CSeq method of a response. */
  readonly method: string;
  readonly status?: number;
  readonly reason?: string;
  readonly cseq: number;
  readonly branch?: string;
  readonly fromTag?: string;
  readonly toTag?: string;
  readonly from?: string;
  readonly to?: string;
  readonly requestUri?: string;
  readonly contentType?: string;
  readonly sdp?: Sdp;
  /** A DTMF digit carried in a SIP INFO body (application/dtmf-relay "Signal=5", or application/dtmf). */
  readonly dtmf?: { readonly signal: string; readonly durationMs?: number };
  /** Headers that rules read (Warning, Reason, Retry-After, the auth headers, User-Agent, Server, X-Trunkline-Finding, correlation headers, …). Lower-case names. */
  readonly headers?: Readonly<Record<string, readonly string[]>>;
}
