import type { Clock, Logger, TimerHandle } from '../core/index.js';
import { createResponse, serializeMessage, type SipRequest, type SipResponse } from '../sip/index.js';
import { hopFromUri } from './targets.js';
import type { TraceEntry } from '../store/index.js';
import type { CallRecorder } from './call-record.js';
import { reject, type Rejection } from './rejections.js';
import type { EdgeCause } from './causes.js';
import { Leg, passHeaders, type Hop } from './leg.js';
import type { CallSide, MediaAnchor, RecordingInfo } from './media-anchor.js';
import type { EdgeMetrics } from './metrics.js';
import { shouldFailover, type AttemptOutcome } from './route.js';
import type { ClientTx, EdgeSipPort, ServerTx } from './sip-port.js';

/**
 * One call through the B2BUA: the caller's leg `a` (the edge is its UAS) and the callee's leg
 * `b` (the edge is its UAC), tried target by target. It relays provisional responses (180,
 * 183 early media), the answer, CANCEL, BYE from either side and every other in-dialog
 * request (re-INVITE/UPDATE for hold, INFO, OPTIONS, session refreshes of RFC 4028).
 */
export type Role = 'customer' | 'carrier';

export interface CallTarget {
  readonly uri: string;
  readonly hop: Hop;
  /**
   * A registered contact reached over the flow its REGISTER came on (RFC 5626 §5.3 spirit):
   * every request of the dialog goes to `hop`, never to the Contact the PBX wrote, which
   * behind NAT names an address the edge cannot reach.
   */
  readonly flow?: boolean;
  /** No response at all for this long → the next target (default: the call's inviteTimeoutMs). */
  readonly noResponseMs?: number;
}

export interface CallSetup {
  /** From and To URIs (no tag) the callee side sees. */
  readonly fromUri: string;
  readonly toUri: string;
  readonly offer: string;
  readonly targets: readonly CallTarget[];
  readonly failoverCodes: readonly number[];
  /** RFC 3261 §16.6 step 3 spirit: what is left of Max-Forwards after this hop. */
  readonly maxForwards: number;
  /** The refusal when no target answers, per outcome kind. */
  readonly onTimeout: EdgeCause;
  readonly onTransportError: EdgeCause;
  readonly onNoTarget: EdgeCause;
}

export interface CallContext {
  readonly port: EdgeSipPort;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: EdgeMetrics;
  readonly agent: string;
  /** No response at all from a target for this long → treat it as a timeout and fail over. */
  readonly inviteTimeoutMs: number;
  readonly t1: number;
  readonly t2: number;
  /** Indexes a leg so in-dialog requests find this call. */
  index(key: string, call: Call): void;
  unindex(key: string): void;
  finished(call: Call): void;
  /** The call was answered: its record is stored as in-progress so the calls API shows live calls. */
  answered(call: Call): void;
}

type State = 'routing' | 'early' | 'answered' | 'ended';

export function dialogKey(callId: string, localTag: string): string {
  return `${callId}|${localTag}`;
}

export class Call {
  readonly sid: string;
  readonly recorder: CallRecorder;
  readonly a: Leg;
  readonly aRole: Role;
  readonly bRole: Role;
  /** The trunk whose concurrent-call count this call holds. */
  countedTrunk: string | undefined;
  readonly #ctx: CallContext;
  readonly #aTx: ServerTx;
  #media: MediaAnchor;
  #b: Leg | undefined;
  #bTx: ClientTx | undefined;
  #bProvisional = false;
  #attemptSeq = 0;
  /** The attempt whose events still count; 0 once the edge gave up on it. */
  #liveAttempt = 0;
  #state: State = 'routing';
  #cancelled = false;
  #setup: CallSetup | undefined;
  #next = 0;
  #last: AttemptOutcome | undefined;
  #lastResponse: SipResponse | undefined;
  #noAnswer: TimerHandle | undefined;
  #startedMono: number;
  #recording = false;
  /** b legs to a registered contact's flow (see CallTarget.flow), including abandoned attempts. */
  readonly #flowLegs = new WeakSet<Leg>();
  /** Every b leg tried, so their dialogs leave the stack's table when the call ends. */
  readonly #bLegs: Leg[] = [];

  constructor(ctx: CallContext, sid: string, recorder: CallRecorder, aTx: ServerTx, aRole: Role, media: MediaAnchor) {
    this.#ctx = ctx;
    this.sid = sid;
    this.recorder = recorder;
    this.#aTx = aTx;
    this.aRole = aRole;
    this.bRole = aRole === 'customer' ? 'carrier' : 'customer';
    this.#media = media;
    this.#startedMono = ctx.clock.monotonic();
    const req = aTx.request;
    const from = req.headers.from();
    const to = req.headers.to();
    const contacts = req.headers.contacts();
    this.a = new Leg({
      callId: req.headers.callId() ?? '',
      remoteTag: from?.tag ?? undefined,
      localUri: stripTag(to?.raw ?? `<${req.uri}>`),
      remoteUri: stripTag(from?.raw ?? ''),
      remoteTarget: contacts !== '*' && contacts[0] ? contacts[0].uri : req.uri,
      routeSet: req.headers.recordRoutes().map((r) => r.raw),
      hop: aTx.source.hop,
      local: aTx.source.local,
    });
    ctx.index(dialogKey(this.a.callId, this.a.localTag), this);
    aTx.onCancel((cancel) => this.onCancel(cancel));
  }

  get state(): State {
    return this.#state;
  }

  /** The media anchor chosen once the call is admitted (refusals never take relay ports). */
  setMedia(media: MediaAnchor): void {
    this.#media.close();
    this.#media = media;
  }

  isEnded(): boolean {
    return this.#state === 'ended';
  }

  /** The call's media anchor (the live record reads its statistics while the call is up). */
  get media(): MediaAnchor {
    return this.#media;
  }

  get b(): Leg | undefined {
    return this.#b;
  }

  traceIn(role: Role, msg: SipRequest | SipResponse, hop: Hop, local: { address: string; port: number }): void {
    this.#trace({ leg: role, direction: 'in', transport: hop.protocol, src: addr(hop.address, hop.port), dst: addr(local.address, local.port), message: serializeMessage(msg).toString('latin1') });
  }

  #traceOut(role: Role, msg: SipRequest | SipResponse, hop: Hop, local: { address: string; port: number }): void {
    this.#trace({ leg: role, direction: 'out', transport: hop.protocol, src: addr(local.address, local.port), dst: addr(hop.address, hop.port), message: serializeMessage(msg).toString('latin1') });
  }

  /** Every SIP message of both legs goes to the record's trace and, while recording, into the pcap. */
  #trace(entry: Omit<TraceEntry, 'at' | 'summary'>): void {
    this.recorder.trace(entry);
    if (this.#recording) this.#recordSip(entry, this.#ctx.clock.now());
  }

  #recordSip(entry: Omit<TraceEntry, 'at' | 'summary'>, at: number): void {
    const src = splitAddr(entry.src);
    const dst = splitAddr(entry.dst);
    if (!src || !dst) return;
    this.#media.recordSip?.({ at, srcIp: src.ip, srcPort: src.port, dstIp: dst.ip, dstPort: dst.port, data: Buffer.from(entry.message, 'latin1') });
  }

  get recording(): boolean {
    return this.#recording;
  }

  /** The recording so far (file, packets, bytes), or undefined when the call is not recorded. */
  recordingInfo(): Promise<RecordingInfo | undefined> {
    return this.#media.recording?.() ?? Promise.resolve(undefined);
  }

  /**
   * Records the call to pcap from now on (issue 7 item 7): the relay writes both legs' RTP and
   * RTCP; the SIP traced so far (the INVITE, provisional and final responses) is written first
   * with its own times, then every message as it passes. False when the call has no relay
   * anchor yet (still being admitted) or has ended. Idempotent.
   */
  startRecording(): boolean {
    if (this.#recording) return true;
    if (this.#state === 'ended' || !this.#media.startRecording) return false;
    this.#media.startRecording(this.#ctx.clock.now());
    this.#recording = true;
    for (const t of this.recorder.traceEntries) this.#recordSip(t, Date.parse(t.at));
    this.recorder.event('recording', 'pcap recording started (both legs, RTP/RTCP and SIP)');
    return true;
  }

  /** X-Trunkline-Call-Sid, when the record has an account to look it up under (GET …/calls/{call_sid}). */
  #sidHeader(): [string, string][] {
    return this.recorder.accountSid ? [['X-Trunkline-Call-Sid', this.sid]] : [];
  }

  /**
   * Sends a response to the caller's INVITE through the stack's dialog layer: a 1xx with tag or
   * the 2xx makes a's dialog, and the 2xx is retransmitted until the caller's ACK (§13.3.1.4).
   */
  #respondA(res: SipResponse): void {
    this.#traceOut(this.aRole, res, this.a.hop, this.a.local);
    this.a.attach(this.#ctx.port.answerInvite(this.#aTx, res, this.#onNoAck));
  }

  readonly #onNoAck = (): void => {
    this.recorder.event('no-ack', 'the caller never acknowledged the answer');
    this.hangUp('no ACK for the 2xx (RFC 3261 §13.3.1.4)');
  };

  /** A refusal produced by the edge itself, as data: code + Reason/Warning + finding. */
  refuse(rejection: Rejection): void {
    if (this.#state === 'ended') return;
    // Issue 11 item 4: a call sid is only named when the record can be looked up (it has an account).
    const headers = this.recorder.accountSid ? rejection.headers : rejection.headers.filter(([n]) => n.toLowerCase() !== 'x-trunkline-call-sid');
    const res = createResponse(this.#aTx.request, rejection.status, rejection.phrase, { toTag: this.a.localTag, headers });
    this.#respondA(res);
    this.recorder.event('refused', `${rejection.status} ${rejection.text}`);
    this.recorder.fail(rejection.status, rejection.phrase, 'edge', rejection.cause);
    this.#end();
  }

  /** A refusal with extra headers (401 challenges: WWW-Authenticate, RFC 3261 §22.1). */
  refuseWith(cause: EdgeCause, detail: string, extra: readonly (readonly [string, string])[]): void {
    const r = reject(cause, this.sid, this.#ctx.agent, { detail });
    this.refuse({ ...r, headers: [...extra, ...r.headers] });
  }

  refuseCause(cause: EdgeCause, detail?: string, retryAfter?: number): void {
    this.refuse(reject(cause, this.sid, this.#ctx.agent, { ...(detail ? { detail } : {}), ...(retryAfter ? { retryAfter } : {}) }));
  }

  start(setup: CallSetup): void {
    this.#setup = setup;
    this.#tryNext();
  }

  #tryNext(): void {
    const setup = this.#setup!;
    if (this.#cancelled || this.#state === 'ended') return;
    const target = setup.targets[this.#next++];
    if (!target) return this.#exhausted();
    if (this.#b) this.#ctx.unindex(dialogKey(this.#b.callId, this.#b.localTag));
    const b = new Leg({ localUri: setup.fromUri, remoteUri: setup.toUri, remoteTarget: target.uri, hop: target.hop, local: this.#ctx.port.localFor(target.hop) });
    this.#b = b;
    this.#bLegs.push(b);
    if (target.flow) this.#flowLegs.add(b);
    this.#bProvisional = false;
    this.#ctx.index(dialogKey(b.callId, b.localTag), this);
    let offer: string;
    try {
      this.#media.facing?.('b', target.hop.address);
      offer = this.#media.rewrite('a', setup.offer, 'offer');
    } catch (err) {
      this.#ctx.log.error({ err, call_sid: this.sid }, 'media anchoring failed');
      this.recorder.event('error', `media: ${String(err)}`);
      return this.refuseCause('internal-error', 'media relay could not anchor the call');
    }
    const invite = b.request('INVITE', { cseq: 1, headers: passHeaders(this.#aTx.request.headers), body: Buffer.from(offer, 'utf8'), maxForwards: setup.maxForwards });
    this.recorder.event('route', `attempt ${this.#next} → ${target.uri} over ${target.hop.protocol} ${addr(target.hop.address, target.hop.port)}`);
    this.#traceOut(this.bRole, invite, b.hop, b.local);
    const attemptLeg = b;
    const attempt = ++this.#attemptSeq;
    this.#liveAttempt = attempt;
    const live = () => this.#liveAttempt === attempt && this.#state !== 'ended';
    this.#noAnswer?.cancel();
    this.#noAnswer = this.#ctx.clock.setTimer(target.noResponseMs ?? this.#ctx.inviteTimeoutMs, () => {
      if (!live() || this.#bProvisional || this.#state === 'answered') return;
      // The edge's own no-response timer (shorter than Timer B): give up on this target.
      this.#liveAttempt = 0;
      this.#attemptFailed({ kind: 'timeout' });
    });
    this.#bTx = this.#ctx.port.sendRequest(invite, target.hop, {
      onResponse: (res) => {
        if (live()) this.#onBInviteResponse(invite, res);
        else if (res.status >= 200 && res.status < 300) this.#ackAndBye(attemptLeg, invite, res);
      },
      onTimeout: () => {
        if (live() && this.#state !== 'answered') this.#attemptFailed({ kind: 'timeout' });
      },
      onTransportError: (detail) => {
        if (!live() || this.#state === 'answered') return;
        this.recorder.event('transport-error', detail);
        this.#attemptFailed({ kind: 'transport-error' });
      },
    });
  }

  #attemptFailed(outcome: AttemptOutcome, response?: SipResponse): void {
    this.#noAnswer?.cancel();
    this.#last = outcome;
    this.#lastResponse = response;
    if (this.#cancelled || this.#state === 'ended') return;
    const label = outcome.kind === 'response' ? String(outcome.status) : outcome.kind;
    if (shouldFailover(outcome, this.#setup!.failoverCodes) && this.#next < this.#setup!.targets.length) {
      this.recorder.event('failover', `${label}; trying the next target`);
      return this.#tryNext();
    }
    if (outcome.kind === 'response' && response) return this.#relayFinal(response);
    this.#exhausted();
  }

  #exhausted(): void {
    const setup = this.#setup!;
    const last = this.#last;
    if (last?.kind === 'response' && this.#lastResponse) return this.#relayFinal(this.#lastResponse);
    if (!last) return this.refuseCause(setup.onNoTarget);
    this.refuseCause(last.kind === 'timeout' ? setup.onTimeout : setup.onTransportError, `${setup.targets.length} target(s) tried`);
  }

  #onBInviteResponse(invite: SipRequest, res: SipResponse): void {
    const b = this.#b!;
    this.traceIn(this.bRole, res, b.hop, b.local);
    if (res.status < 200) {
      this.#noAnswer?.cancel();
      this.#bProvisional = true;
      if (res.status === 100) return;
      this.#learn(b, invite, res);
      if (this.#state === 'routing') this.#state = 'early';
      this.recorder.event('provisional', `${res.status} ${res.reason}`);
      this.#respondA(this.#relayed(res, 'answer'));
      return;
    }
    if (res.status < 300) {
      if (this.#state === 'answered') return this.#learn(b, invite, res);
      this.#noAnswer?.cancel();
      this.#learn(b, invite, res);
      if (this.#cancelled || this.#state === 'ended') return this.#sendBye(b, 'cancelled before the answer arrived');
      this.#state = 'answered';
      this.recorder.answer(res.status, res.reason);
      this.#ctx.answered(this);
      this.#ctx.metrics.setupTime((this.#ctx.clock.monotonic() - this.#startedMono) / 1000, this.recorder.toRecord().direction);
      this.#media.answered();
      this.#respondA(this.#relayed(res, 'answer'));
      return;
    }
    this.#attemptFailed({ kind: 'response', status: res.status }, res);
  }

  /** A response from b, rebuilt for a's transaction (same code and phrase: relayed untouched). */
  #relayed(res: SipResponse, kind: 'answer' | 'offer', request: SipRequest = this.#aTx.request): SipResponse {
    const headers: [string, string][] = [];
    for (const name of ['Reason', 'Warning', 'Retry-After', 'Session-Expires', 'Require', 'Supported', 'Allow', 'Unsupported', 'Min-SE']) {
      for (const v of res.headers.getAll(name)) headers.push([name, v]);
    }
    if (res.status > 100 && res.status < 300) {
      // RFC 3261 §12.1.1: as the caller's UAS, copy its Record-Route so proxies before us stay in the dialog.
      for (const rr of request.headers.getAll('Record-Route')) headers.push(['Record-Route', rr]);
      headers.push(['Contact', this.a.contact]);
    }
    headers.push(...this.#sidHeader());
    let body: string | undefined;
    if (res.body.length && isSdp(res)) body = this.#media.rewrite('b', res.body.toString('utf8'), kind);
    if (body) headers.push(['Content-Type', 'application/sdp']);
    return createResponse(request, res.status, res.reason, { toTag: this.a.localTag, headers, ...(body ? { body } : {}) });
  }

  #relayFinal(res: SipResponse): void {
    this.recorder.event('final', `${res.status} ${res.reason} from the ${this.bRole}`);
    this.#respondA(this.#relayed(res, 'answer'));
    this.recorder.fail(res.status, res.reason, this.bRole);
    this.#end();
  }

  /**
   * A response to the INVITE (or re-INVITE) the edge sent on `leg`: the stack's dialog layer
   * makes or refreshes the leg's dialog (tag, target, route set) and ACKs every 2xx, a
   * retransmitted one with the same ACK (RFC 3261 §13.2.2.4).
   */
  #learn(leg: Leg, invite: SipRequest, res: SipResponse): void {
    const role = leg === this.a ? this.aRole : this.bRole;
    const dialog = this.#ctx.port.inviteResponse(invite, res, () => this.#hopOf(leg), (ack, hop) => this.#traceOut(role, ack, hop, leg.local));
    leg.attach(dialog);
    if (dialog || res.status < 200) return;
    // A 2xx without Contact makes no dialog (§12.1.2) but is still ACKed, to where the INVITE went.
    leg.learnTag(res);
    const ack = leg.request('ACK', { cseq: res.headers.cseq()?.seq ?? 1 });
    this.#traceOut(role, ack, this.#hopOf(leg), leg.local);
    this.#ctx.port.sendStateless(ack, this.#hopOf(leg));
  }

  /** A 2xx for an attempt the edge already gave up: accept it and end it at once (RFC 3261 §15). */
  #ackAndBye(leg: Leg, invite: SipRequest, res: SipResponse): void {
    this.#learn(leg, invite, res);
    this.#sendBye(leg, 'attempt abandoned');
    this.#forget(leg);
  }

  #forget(leg: Leg): void {
    for (const d of leg.dialogs) this.#ctx.port.forget(d);
  }

  #sendBye(leg: Leg, why: string): void {
    const bye = leg.request('BYE', { headers: [['Reason', `SIP;cause=200;text="${why.replace(/"/g, '')}"`]] });
    const role = leg === this.a ? this.aRole : this.bRole;
    this.#traceOut(role, bye, this.#hopOf(leg), leg.local);
    this.#ctx.port.sendRequest(bye, this.#hopOf(leg), {
      onResponse: (r) => this.traceIn(role, r, this.#hopOf(leg), leg.local),
      onTimeout: () => {},
      onTransportError: () => {},
    });
  }

  /** CANCEL from the caller (RFC 3261 §9.2): 200 for the CANCEL; 487 for the INVITE unless already answered. */
  onCancel(cancel: SipRequest): void {
    this.traceIn(this.aRole, cancel, this.a.hop, this.a.local);
    if (this.#state === 'answered' || this.#state === 'ended') return;
    this.#cancelled = true;
    this.#noAnswer?.cancel();
    this.recorder.event('cancel', `CANCEL from the ${this.aRole}`);
    // The transaction sends the CANCEL once a provisional arrived (RFC 3261 §9.1); a 2xx that
    // still wins the race is ACKed and ended with BYE (#onBInviteResponse).
    this.#bTx?.cancel();
    this.#respondA(createResponse(this.#aTx.request, 487, 'Request Terminated', { toTag: this.a.localTag, headers: this.#sidHeader() }));
    this.recorder.fail(487, 'Request Terminated', this.aRole);
    this.#end();
  }

  /** ACK from the caller: for the answer, or for a re-INVITE's 2xx. */
  onAck(request: SipRequest, source: { hop: Hop; local: { address: string; port: number } }): void {
    // The stack's dialog layer has already stopped the 2xx retransmissions (sip-adapter).
    this.traceIn(this.aRole, request, source.hop, source.local);
  }

  /** A request inside the dialog from either leg: BYE ends the call; the rest is relayed to the other leg. */
  onInDialog(tx: ServerTx, fromSide: CallSide): void {
    const from = fromSide === 'a' ? this.a : this.#b!;
    const to = fromSide === 'a' ? this.#b : this.a;
    const fromRole = fromSide === 'a' ? this.aRole : this.bRole;
    const req = tx.request;
    this.traceIn(fromRole, req, tx.source.hop, tx.source.local);
    const answer = (status: number, reason: string, extra: [string, string][] = [], body?: string) => {
      const res = createResponse(req, status, reason, { toTag: from.localTag, headers: extra, ...(body ? { body } : {}) });
      this.#traceOut(fromRole, res, tx.source.hop, tx.source.local);
      // A re-INVITE's 2xx is retransmitted by the dialog layer until its ACK, like the first one.
      if (req.method === 'INVITE') this.#ctx.port.answerInvite(tx, res, this.#onNoAck);
      else tx.respond(res);
    };
    if (req.method === 'BYE') {
      answer(200, 'OK');
      if (this.#state === 'ended') return;
      if (to && (this.#state === 'answered' || fromSide === 'b')) this.#sendBye(to, `BYE from the ${fromRole}`);
      if (this.#state !== 'answered') {
        // BYE before the answer on the caller side ends the attempt like a CANCEL would.
        this.recorder.fail(487, 'Request Terminated', fromRole);
      }
      this.recorder.end(`bye-${fromRole}`);
      this.#end();
      return;
    }
    if (!to || this.#state === 'ended') return answer(481, 'Call/Transaction Does Not Exist');
    // RFC 3261 §12.2.2 in the leg's dialog: CSeq order, and a re-INVITE/UPDATE refreshes the target.
    if (from.receiveRequest(req)) {
      return answer(500, 'Server Internal Error', [['Retry-After', '1'], ['Reason', 'SIP;cause=500;text="CSeq out of order"']]);
    }
    let body: string | undefined;
    if (req.body.length && isSdp(req)) body = this.#media.rewrite(fromSide, req.body.toString('utf8'), 'offer');
    const fwd = to.request(req.method, { headers: passHeaders(req.headers), ...(body ? { body: Buffer.from(body, 'utf8') } : {}) });
    const toRole = fromSide === 'a' ? this.bRole : this.aRole;
    const toSide: CallSide = fromSide === 'a' ? 'b' : 'a';
    this.#traceOut(toRole, fwd, this.#hopOf(to), to.local);
    this.#ctx.port.sendRequest(fwd, this.#hopOf(to), {
      onResponse: (res) => {
        this.traceIn(toRole, res, this.#hopOf(to), to.local);
        if (res.status < 200 && res.status !== 183 && res.status !== 180) return;
        if (req.method === 'INVITE' && res.status >= 200 && res.status < 300) this.#learn(to, fwd, res);
        else if (req.method === 'UPDATE' && res.status >= 200 && res.status < 300) to.receiveResponse(res);
        const extra: [string, string][] = [];
        for (const name of ['Reason', 'Warning', 'Session-Expires', 'Require', 'Supported', 'Allow', 'Min-SE', 'Retry-After']) for (const v of res.headers.getAll(name)) extra.push([name, v]);
        if ((req.method === 'INVITE' || req.method === 'UPDATE') && res.status < 300) extra.push(['Contact', from.contact]);
        let resBody: string | undefined;
        if (res.body.length && isSdp(res)) {
          resBody = this.#media.rewrite(toSide, res.body.toString('utf8'), 'answer');
          extra.push(['Content-Type', 'application/sdp']);
        }
        answer(res.status, res.reason, extra, resBody);
      },
      onTimeout: () => answer(408, 'Request Timeout', [['Reason', `SIP;cause=408;text="No response from the ${toRole}"`]]),
      onTransportError: () => answer(503, 'Service Unavailable', [['Retry-After', '5'], ['Reason', `SIP;cause=503;text="The ${toRole} cannot be reached"`]]),
    });
    if (req.method === 'INVITE' || req.method === 'UPDATE') this.recorder.event('reinvite', `${req.method} from the ${fromRole}${body && /a=(sendonly|inactive)|c=IN IP[46] 0\.0\.0\.0/.test(req.body.toString('utf8')) ? ' (hold)' : ''}`);
  }

  /** Ends an answered call from the edge's side: BYE to both legs with the reason (RTP timeout, no ACK). */
  hangUp(why: string, cause = 200): void {
    if (this.#state === 'ended') return;
    const reason = `SIP;cause=${cause};text="${why.replace(/"/g, '')}"`;
    for (const leg of [this.a, this.#b]) {
      if (!leg || !leg.remoteTag) continue;
      const bye = leg.request('BYE', { headers: [['Reason', reason]] });
      const role = leg === this.a ? this.aRole : this.bRole;
      this.#traceOut(role, bye, this.#hopOf(leg), leg.local);
      this.#ctx.port.sendRequest(bye, this.#hopOf(leg), { onResponse: (r) => this.traceIn(role, r, this.#hopOf(leg), leg.local), onTimeout: () => {}, onTransportError: () => {} });
    }
    this.recorder.end(why);
    this.#end();
  }

  /** Where in-dialog requests for `leg` go: the caller's source (symmetric, NAT-safe), or the callee's target. */
  #hopOf(leg: Leg): Hop {
    if (leg === this.a || leg.routeSet.length || this.#flowLegs.has(leg)) return leg.hop;
    // RFC 3261 §12.2.1.1: with no route set, requests go to the remote target (the callee's Contact).
    return hopFromUri(leg.remoteTarget, leg.hop.protocol) ?? leg.hop;
  }

  #end(): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    this.#noAnswer?.cancel();
    this.recorder.setMedia(this.#media.close());
    this.#forget(this.a);
    for (const b of this.#bLegs) this.#forget(b);
    this.#ctx.unindex(dialogKey(this.a.callId, this.a.localTag));
    if (this.#b) this.#ctx.unindex(dialogKey(this.#b.callId, this.#b.localTag));
    this.#ctx.finished(this);
  }
}

function stripTag(nameAddr: string): string {
  return nameAddr.replace(/;\s*tag\s*=\s*[^;>\s]*/i, '');
}

function isSdp(msg: SipRequest | SipResponse): boolean {
  return (msg.headers.contentType()?.type ?? 'application/sdp') === 'application/sdp';
}

/** "ip:port" or "[v6]:port" (the trace's form) back to its parts. */
function splitAddr(a: string): { ip: string; port: number } | undefined {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(a);
  return m ? { ip: m[1], port: Number(m[2]) } : undefined;
}

function addr(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

