import { newCallId, newTag } from '../core/index.js';
import { createRequest, formatHostPort, SipHeaders, type SipRequest, type SipResponse } from '../sip/index.js';

/**
 * One side of the B2BUA's call: a dialog of its own (RFC 3261 §12). The customer leg is the
 * dialog in which the edge is UAS (outbound calls) or UAC (inbound); the carrier leg the other.
 * Each leg has its own Call-ID, tags, CSeq space and Contact, so nothing of one side's topology
 * (addresses, Via, Record-Route, Call-ID) crosses to the other (topology hiding).
 */
export type SipProtocol = 'udp' | 'tcp' | 'tls';

export interface Hop {
  readonly protocol: SipProtocol;
  readonly address: string;
  readonly port: number;
  /** Stream transports: the connection the peer's requests came on (RFC 3261 §18.2.2). */
  readonly connectionId?: string;
}

export interface LocalAddress {
  readonly address: string;
  readonly port: number;
}

export class Leg {
  readonly callId: string;
  readonly localTag: string;
  remoteTag: string | undefined;
  /** From (as UAC) / To (as UAS) without the tag: the URI this side calls us by. */
  readonly localUri: string;
  readonly remoteUri: string;
  localCseq: number;
  remoteCseq = 0;
  remoteTarget: string;
  routeSet: string[] = [];
  hop: Hop;
  /** Our address for this side (Contact); learnt again once the route towards the peer is known. */
  local: LocalAddress;

  constructor(init: { callId?: string; localTag?: string; remoteTag?: string; localUri: string; remoteUri: string; remoteTarget: string; hop: Hop; local: LocalAddress; localCseq?: number }) {
    this.callId = init.callId ?? newCallId();
    this.localTag = init.localTag ?? newTag();
    this.remoteTag = init.remoteTag;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.remoteTarget = init.remoteTarget;
    this.hop = init.hop;
    this.local = init.local;
    this.localCseq = init.localCseq ?? 1;
  }

  get contact(): string {
    const t = this.hop.protocol === 'udp' ? '' : `;transport=${this.hop.protocol}`;
    return `<sip:edge@${formatHostPort(this.local.address, this.local.port)}${t}>`;
  }

  /**
   * RFC 3261 §12.2.1.1: a request within the dialog; CSeq one higher unless given (ACK reuses
   * the INVITE's). No Via: the transaction layer adds it with a fresh branch (§8.1.1.7).
   */
  request(method: string, opts: { cseq?: number; headers?: Iterable<readonly [string, string]>; body?: Buffer; contentType?: string; maxForwards?: number } = {}): SipRequest {
    const cseq = opts.cseq ?? ++this.localCseq;
    const h = new SipHeaders();
    h.append('Max-Forwards', String(opts.maxForwards ?? 70));
    h.append('From', `${this.localUri};tag=${this.localTag}`);
    h.append('To', this.remoteTag ? `${this.remoteUri};tag=${this.remoteTag}` : this.remoteUri);
    h.append('Call-ID', this.callId);
    h.append('CSeq', `${cseq} ${method}`);
    for (const r of this.routeSet) h.append('Route', r);
    if (method !== 'ACK' && method !== 'CANCEL' && method !== 'BYE') h.append('Contact', this.contact);
    for (const [n, v] of opts.headers ?? []) h.append(n, v);
    if (opts.body && opts.body.length) h.append('Content-Type', opts.contentType ?? 'application/sdp');
    return createRequest({ method, uri: this.remoteTarget, headers: h, body: opts.body ?? Buffer.alloc(0) });
  }

  /** RFC 3261 §12.1.2: the UAC learns the remote tag, target and (reversed) route set from a 2xx/1xx with tag. */
  learnFromResponse(res: SipResponse): void {
    const to = res.headers.to();
    if (to?.tag && !this.remoteTag) this.remoteTag = to.tag;
    const contacts = res.headers.contacts();
    if (contacts !== '*' && contacts[0]) this.remoteTarget = contacts[0].uri;
    const rr = res.headers.recordRoutes();
    if (rr.length) this.routeSet = rr.map((r) => r.raw).reverse();
  }
}

/** Headers an end-to-end B2BUA passes from one leg's request to the other's (the rest stay on their side). */
export const PASSED_REQUEST_HEADERS = ['Session-Expires', 'Min-SE', 'Allow', 'Privacy', 'Subject', 'Reason', 'Event', 'Info-Package', 'Content-Disposition'];

export function passHeaders(from: SipHeaders): [string, string][] {
  const out: [string, string][] = [];
  for (const name of PASSED_REQUEST_HEADERS) for (const v of from.getAll(name)) out.push([name, v]);
  // RFC 4028 needs "timer" in Supported to be honoured end to end; 100rel would need PRACK on both legs, so it is not passed.
  const supported = from.getAll('Supported').flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s === 'timer' || s === 'replaces');
  if (supported.length) out.push(['Supported', supported.join(', ')]);
  const require = from.getAll('Require').flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s === 'timer');
  if (require.length) out.push(['Require', require.join(', ')]);
  return out;
}
