import { randomInt } from 'node:crypto';
import { SipHeaders } from '../message/headers.js';
import { createRequest, type SipRequest, type SipResponse } from '../message/message.js';
import { parseUri } from '../parser/parse-uri.js';

/** RFC 3261 §12: Call-ID, local tag and remote tag identify a dialog. */
export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

export type DialogState = 'early' | 'confirmed' | 'terminated';

export function dialogKey(id: DialogId): string {
  return `${id.callId}|${id.localTag}|${id.remoteTag}`;
}

/** The answer a UAS owes an in-dialog request that breaks the dialog's rules (RFC 3261 §12.2.2). */
export interface DialogRejection {
  readonly status: 500;
  readonly reason: string;
}

interface DialogInit {
  readonly id: DialogId;
  readonly role: 'uac' | 'uas';
  readonly state: DialogState;
  readonly localSeq: number;
  readonly remoteSeq: number | undefined;
  /** From (UAC) / To (UAS) value of the dialog-creating request, with our tag. */
  readonly localUri: string;
  readonly remoteUri: string;
  readonly remoteTarget: string;
  /** URIs of the route set, in the order requests must visit them. */
  readonly routeSet: readonly string[];
  readonly secure: boolean;
}

/**
 * Dialog state of RFC 3261 §12 and the requests built inside it. Pure data plus builders; the
 * dialog layer keeps the table and sends. Both legs of the B2BUA are one Dialog each.
 */
export class Dialog {
  readonly id: DialogId;
  readonly key: string;
  readonly role: 'uac' | 'uas';
  readonly localUri: string;
  readonly remoteUri: string;
  readonly routeSet: readonly string[];
  readonly secure: boolean;
  #state: DialogState;
  #localSeq: number;
  #remoteSeq: number | undefined;
  #remoteTarget: string;

  constructor(init: DialogInit) {
    this.id = init.id;
    this.key = dialogKey(init.id);
    this.role = init.role;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.routeSet = init.routeSet;
    this.secure = init.secure;
    this.#state = init.state;
    this.#localSeq = init.localSeq;
    this.#remoteSeq = init.remoteSeq;
    this.#remoteTarget = init.remoteTarget;
  }

  get state(): DialogState {
    return this.#state;
  }

  get localSeq(): number {
    return this.#localSeq;
  }

  get remoteSeq(): number | undefined {
    return this.#remoteSeq;
  }

  /** The Contact URI of the peer; updated by target-refresh requests and responses (§12.2). */
  get remoteTarget(): string {
    return this.#remoteTarget;
  }

  confirm(): void {
    if (this.#state === 'early') this.#state = 'confirmed';
  }

  terminate(): void {
    this.#state = 'terminated';
  }

  /**
   * RFC 3261 §12.2.2: check and absorb an in-dialog request. A CSeq lower than the last one is
   * out of order (500); a target-refresh request (re-INVITE, UPDATE) replaces the remote target.
   */
  receiveRequest(request: SipRequest): DialogRejection | undefined {
    const cseq = request.headers.cseq();
    if (!cseq) return { status: 500, reason: 'Server Internal Error' };
    const isAckOrCancel = request.method === 'ACK' || request.method === 'CANCEL';
    if (!isAckOrCancel) {
      // RFC 3261 §12.2.2: a CSeq lower than the remote sequence number is out of order → 500.
      // (An equal one is a retransmission, which the transaction layer has already absorbed.)
      if (this.#remoteSeq !== undefined && cseq.seq < this.#remoteSeq) return { status: 500, reason: 'Server Internal Error' };
      this.#remoteSeq = cseq.seq;
    }
    if (request.method === 'INVITE' || request.method === 'UPDATE') this.#refreshTarget(request.headers);
    if (request.method === 'BYE') this.#state = 'terminated';
    return undefined;
  }

  /** RFC 3261 §12.1.2 / §12.2.1.2: a 2xx (or 1xx with tag) to a target refresh updates the remote target. */
  receiveResponse(response: SipResponse): void {
    const method = response.headers.cseq()?.method;
    if (method === 'INVITE' || method === 'UPDATE') this.#refreshTarget(response.headers);
    if (method === 'INVITE' && response.status >= 200 && response.status < 300) this.confirm();
  }

  #refreshTarget(headers: SipHeaders): void {
    try {
      const contacts = headers.contacts();
      if (contacts !== '*' && contacts.length > 0) this.#remoteTarget = contacts[0].uri;
    } catch {
      // A malformed Contact leaves the target as it was; the request itself was validated before.
    }
  }

  /**
   * RFC 3261 §12.2.1.1: a request inside the dialog. CSeq is the next local number (ACK reuses
   * the INVITE's, §13.2.2.4); Request-URI and Route follow the loose/strict routing rules.
   */
  createRequest(method: string, options: { readonly headers?: Iterable<readonly [string, string]>; readonly body?: Buffer | string; readonly cseq?: number } = {}): SipRequest {
    let seq: number;
    if (options.cseq !== undefined) seq = options.cseq;
    else if (method === 'ACK' || method === 'CANCEL') seq = this.#localSeq;
    else seq = ++this.#localSeq;
    const h = new SipHeaders();
    h.append('Max-Forwards', '70');
    h.append('From', this.localUri);
    h.append('To', this.remoteUri);
    h.append('Call-ID', this.id.callId);
    h.append('CSeq', `${seq} ${method}`);
    const { uri, routes } = this.#routing();
    for (const r of routes) h.append('Route', r);
    for (const [name, value] of options.headers ?? []) h.append(name, value);
    return createRequest({ method, uri, headers: h, ...(options.body !== undefined ? { body: options.body } : {}) });
  }

  /** RFC 3261 §13.2.2.4: the ACK for a 2xx to the INVITE with CSeq number `inviteSeq`. */
  createAck(inviteSeq: number, options: { readonly headers?: Iterable<readonly [string, string]>; readonly body?: Buffer | string } = {}): SipRequest {
    // The key before the spread: one added after it made a new hidden class per ACK (Node 20's V8).
    return this.createRequest('ACK', { cseq: inviteSeq, ...options });
  }

  /**
   * RFC 3261 §12.2.1.1: with an empty route set the Request-URI is the remote target; when the
   * first route has `lr` (loose routing) the routes go in Route as they are; otherwise (strict
   * router) the first route becomes the Request-URI and the remote target goes last in Route.
   */
  #routing(): { uri: string; routes: string[] } {
    if (this.routeSet.length === 0) return { uri: this.#remoteTarget, routes: [] };
    const first = this.routeSet[0];
    if (isLooseRoute(first)) return { uri: this.#remoteTarget, routes: this.routeSet.map((r) => `<${r}>`) };
    return { uri: stripUriHeaders(first), routes: [...this.routeSet.slice(1).map((r) => `<${r}>`), `<${this.#remoteTarget}>`] };
  }

  /** Where the next request goes (RFC 3261 §8.1.2): the first route, else the remote target. */
  nextHop(): string {
    return this.routeSet[0] ?? this.#remoteTarget;
  }
}

function isLooseRoute(uri: string): boolean {
  try {
    return parseUri(uri).params.has('lr');
  } catch {
    return /;lr(?=[;>?]|$)/i.test(uri);
  }
}

function stripUriHeaders(uri: string): string {
  const q = uri.indexOf('?');
  return q < 0 ? uri : uri.slice(0, q);
}

function tagOf(value: string | undefined): string | null {
  return value === undefined ? null : (/;\s*tag\s*=\s*([^;\s,]+)/i.exec(value)?.[1] ?? null);
}

function contactUri(headers: SipHeaders, fallback?: string): string | undefined {
  try {
    const c = headers.contacts();
    return c === '*' || c.length === 0 ? fallback : c[0].uri;
  } catch {
    return fallback;
  }
}

/**
 * RFC 3261 §12.1.2: the UAC's dialog from a 1xx-with-tag or 2xx response to its request. Route
 * set = the response's Record-Route in reverse order; remote target = its Contact.
 * Returns undefined when the response cannot create a dialog (no To tag, or no Contact and no
 * `targetWithoutContact`, the remote target a TU chooses for a peer that left Contact out).
 */
export function dialogFromResponse(request: SipRequest, response: SipResponse, targetWithoutContact?: string): Dialog | undefined {
  const remoteTag = response.headers.to()?.tag;
  const localTag = request.headers.from()?.tag;
  const callId = request.headers.callId();
  const target = contactUri(response.headers, targetWithoutContact);
  const cseq = request.headers.cseq();
  if (!remoteTag || !localTag || !callId || !target || !cseq) return undefined;
  return new Dialog({
    id: { callId, localTag, remoteTag },
    role: 'uac',
    state: response.status >= 200 ? 'confirmed' : 'early',
    localSeq: cseq.seq,
    remoteSeq: undefined,
    localUri: request.headers.get('From') ?? '',
    remoteUri: response.headers.get('To') ?? '',
    remoteTarget: target,
    routeSet: [...response.headers.recordRoutes()].reverse().map((r) => r.uri),
    secure: request.uri.toLowerCase().startsWith('sips:'),
  });
}

/**
 * RFC 3261 §12.1.1: the UAS's dialog from a dialog-creating request it answers with `localTag`
 * (the tag of its To in the 1xx/2xx). Route set = the request's Record-Route in order; remote
 * target = its Contact; the local CSeq starts at a random number (§8.1.1.5).
 */
export function dialogFromRequest(request: SipRequest, localTag: string, response?: SipResponse, targetWithoutContact?: string): Dialog | undefined {
  const remoteTag = request.headers.from()?.tag;
  const callId = request.headers.callId();
  const target = contactUri(request.headers, targetWithoutContact);
  const cseq = request.headers.cseq();
  if (!remoteTag || !callId || !target || !cseq) return undefined;
  const to = request.headers.get('To') ?? '';
  return new Dialog({
    id: { callId, localTag, remoteTag },
    role: 'uas',
    state: response && response.status >= 200 ? 'confirmed' : 'early',
    // RFC 3261 §8.1.1.5: below 2**31, chosen so later increments stay in range.
    localSeq: randomInt(1, 2 ** 16),
    remoteSeq: cseq.seq,
    localUri: tagOf(to) ? to : `${to};tag=${localTag}`,
    remoteUri: request.headers.get('From') ?? '',
    remoteTarget: target,
    routeSet: request.headers.recordRoutes().map((r) => r.uri),
    secure: request.uri.toLowerCase().startsWith('sips:'),
  });
}
