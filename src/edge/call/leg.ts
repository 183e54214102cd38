import { newCallId, newTag } from '../../core/index.js';
import { createRequest, formatHostPort, SipHeaders, type Dialog, type DialogRejection, type SipRequest, type SipResponse } from '../../sip/index.js';

/**
 * One side of the B2BUA's call: a dialog of its own (RFC 3261 §12). The customer leg is the
 * dialog in which the edge is UAS (outbound calls) or UAC (inbound); the carrier leg the other.
 * Each leg has its own Call-ID, tags, CSeq space and Contact, so nothing of one side's topology
 * (addresses, Via, Record-Route, Call-ID) crosses to the other (topology hiding).
 */
export type SipProtocol = 'udp' | 'tcp' | 'tls';

/** Which party a leg faces: the customer's PBX or the carrier. */
export type Role = 'customer' | 'carrier';

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
  /** From (as UAC) / To (as UAS) without the tag: the URI this side calls us by. */
  readonly localUri: string;
  readonly remoteUri: string;
  hop: Hop;
  /** Our address for this side (Contact); learnt again once the route towards the peer is known. */
  local: LocalAddress;
  /**
   * The stack's dialog for this leg (sip/dialog), once a 1xx with tag or a 2xx made it: it owns
   * the remote target (refreshed by re-INVITE/UPDATE), the route set and both CSeq spaces.
   */
  #dialog: Dialog | undefined;
  /** Every dialog this leg had (forked early dialogs included), so the call can release them all. */
  readonly #dialogs = new Set<Dialog>();
  /** What the leg knows before its dialog exists: the initial request's peer tag, target and routes. */
  #remoteTag: string | undefined;
  readonly #target: string;
  readonly #routeSet: readonly string[];
  #cseq = 0;

  constructor(init: { callId?: string; localTag?: string; remoteTag?: string; localUri: string; remoteUri: string; remoteTarget: string; routeSet?: readonly string[]; hop: Hop; local: LocalAddress }) {
    this.callId = init.callId ?? newCallId();
    this.localTag = init.localTag ?? newTag();
    this.#remoteTag = init.remoteTag;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.#target = init.remoteTarget;
    this.#routeSet = init.routeSet ?? [];
    this.hop = init.hop;
    this.local = init.local;
  }

  get dialog(): Dialog | undefined {
    return this.#dialog;
  }

  get dialogs(): Iterable<Dialog> {
    return this.#dialogs;
  }

  get remoteTag(): string | undefined {
    return this.#dialog?.id.remoteTag ?? this.#remoteTag;
  }

  get remoteTarget(): string {
    return this.#dialog?.remoteTarget ?? this.#target;
  }

  /** The Request-URI of the leg's INVITE: its remote target until the dialog learns another. */
  get requestTarget(): string {
    return this.#target;
  }

  get routeSet(): readonly string[] {
    return this.#dialog?.routeSet ?? this.#routeSet;
  }

  get contact(): string {
    const t = this.hop.protocol === 'udp' ? '' : `;transport=${this.hop.protocol}`;
    return `<sip:edge@${formatHostPort(this.local.address, this.local.port)}${t}>`;
  }

  /**
   * The dialog the stack made or refreshed for this leg. With forking (RFC 3261 §12.1.2) each
   * remote tag is a dialog of its own; the leg follows the latest until one is confirmed.
   */
  attach(dialog: Dialog | undefined): void {
    if (!dialog) return;
    this.#dialogs.add(dialog);
    if (!this.#dialog || this.#dialog === dialog || this.#dialog.state !== 'confirmed') this.#dialog = dialog;
  }

  /** One of this leg's dialogs (forked early ones included) and not another leg's. */
  has(dialog: Dialog): boolean {
    return this.#dialogs.has(dialog);
  }

  /** A 2xx that made no dialog (no To tag): the tag alone, so the ACK and BYE still reach the peer. */
  learnTag(res: SipResponse): void {
    this.#remoteTag ??= res.headers.to()?.tag ?? undefined;
  }

  /** RFC 3261 §12.2.2: an in-dialog request from the peer (CSeq order, target refresh). */
  receiveRequest(req: SipRequest): DialogRejection | undefined {
    return this.#dialog?.receiveRequest(req);
  }

  /** RFC 3261 §12.2.1.2: a 2xx to our UPDATE refreshes the target (INVITE responses go through the dialog layer). */
  receiveResponse(res: SipResponse): void {
    this.#dialog?.receiveResponse(res);
  }

  /**
   * A request to this side: inside the dialog once there is one (RFC 3261 §12.2.1.1, built by
   * sip/dialog), else the dialog-creating INVITE itself. No Via: the transaction layer adds it
   * with a fresh branch (§8.1.1.7).
   */
  request(method: string, opts: { cseq?: number; headers?: Iterable<readonly [string, string]>; body?: Buffer; contentType?: string; maxForwards?: number } = {}): SipRequest {
    const extra: [string, string][] = [];
    if (method !== 'ACK' && method !== 'CANCEL' && method !== 'BYE') extra.push(['Contact', this.contact]);
    for (const [n, v] of opts.headers ?? []) extra.push([n, v]);
    if (opts.body && opts.body.length) extra.push(['Content-Type', opts.contentType ?? 'application/sdp']);
    const body = opts.body ?? Buffer.alloc(0);
    if (this.#dialog) return this.#dialog.createRequest(method, { headers: extra, body, ...(opts.cseq !== undefined ? { cseq: opts.cseq } : {}) });
    const h = new SipHeaders();
    h.append('Max-Forwards', String(opts.maxForwards ?? 70));
    h.append('From', `${this.localUri};tag=${this.localTag}`);
    h.append('To', this.#remoteTag ? `${this.remoteUri};tag=${this.#remoteTag}` : this.remoteUri);
    h.append('Call-ID', this.callId);
    const cseq = opts.cseq ?? (method === 'ACK' || method === 'CANCEL' ? this.#cseq : this.#cseq + 1);
    this.#cseq = Math.max(this.#cseq, cseq);
    h.append('CSeq', `${cseq} ${method}`);
    for (const r of this.#routeSet) h.append('Route', r);
    for (const [n, v] of extra) h.append(n, v);
    return createRequest({ method, uri: this.#target, headers: h, body });
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
