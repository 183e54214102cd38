/**
 * The Reason header (RFC 3326): why a request or a response happened, as a protocol cause —
 * "Q.850;cause=21;text=\"nocallee\"" carries the ISDN/ISUP cause of a gateway, "SIP;cause=403"
 * a SIP code. A response that carries one has said why it refused: the rules use it rather
 * than guess from the status code alone.
 */

/** ITU-T Q.850 Table 1 cause values (the ones gateways and carriers send in practice). */
export const Q850_CAUSES: ReadonlyMap<number, string> = new Map([
  [1, 'unallocated (unassigned) number'],
  [2, 'no route to specified transit network'],
  [3, 'no route to destination'],
  [6, 'channel unacceptable'],
  [16, 'normal call clearing'],
  [17, 'user busy'],
  [18, 'no user responding'],
  [19, 'no answer from user (user alerted)'],
  [20, 'subscriber absent'],
  [21, 'call rejected'],
  [22, 'number changed'],
  [26, 'non-selected user clearing'],
  [27, 'destination out of order'],
  [28, 'invalid number format (address incomplete)'],
  [29, 'facility rejected'],
  [31, 'normal, unspecified'],
  [34, 'no circuit/channel available'],
  [38, 'network out of order'],
  [41, 'temporary failure'],
  [42, 'switching equipment congestion'],
  [44, 'requested circuit/channel not available'],
  [47, 'resource unavailable, unspecified'],
  [50, 'requested facility not subscribed'],
  [55, 'incoming calls barred within CUG'],
  [57, 'bearer capability not authorized'],
  [58, 'bearer capability not presently available'],
  [63, 'service or option not available, unspecified'],
  [65, 'bearer capability not implemented'],
  [79, 'service or option not implemented, unspecified'],
  [87, 'user not member of CUG'],
  [88, 'incompatible destination'],
  [102, 'recovery on timer expiry'],
  [111, 'protocol error, unspecified'],
  [127, 'interworking, unspecified'],
]);

export interface ReasonValue {
  /** "Q.850", "SIP", … as written. */
  readonly protocol: string;
  readonly cause?: number;
  readonly text?: string;
  /** The cause's meaning when the protocol is Q.850 and the value is known. */
  readonly meaning?: string;
}

/** One Reason header value: protocol *(";" reason-params), RFC 3326 §2. */
export function parseReason(value: string): ReasonValue {
  const [protocol, ...params] = value.split(';');
  let cause: number | undefined;
  let text: string | undefined;
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    const name = p.slice(0, eq).trim().toLowerCase();
    const v = p.slice(eq + 1).trim();
    if (name === 'cause' && /^\d+$/.test(v)) cause = Number(v);
    else if (name === 'text') text = v.replace(/^"(.*)"$/, '$1');
  }
  const proto = protocol.trim();
  const meaning = cause !== undefined && /^q\.?850$/i.test(proto) ? Q850_CAUSES.get(cause) : undefined;
  return { protocol: proto, ...(cause !== undefined ? { cause } : {}), ...(text !== undefined ? { text } : {}), ...(meaning ? { meaning } : {}) };
}

/** 'Reason: Q.850;cause=21;text="nocallee" (Q.850 cause 21 = call rejected)' — the header as evidence, the cause named. */
export function describeReason(value: string): string {
  const r = parseReason(value);
  return `Reason: ${value}${r.meaning ? ` (${r.protocol} cause ${r.cause} = ${r.meaning})` : ''}`;
}
