import { hostPort, type Clock, type Logger, type TimerHandle } from '../../core/index.js';
import { createResponse, type Dialog, type ListenerKey, type SipRequest, type SipResolver, type SipResponse } from '../../sip/index.js';
import type { CallRecorder } from '../record/call-record.js';
import { reject, type Rejection } from '../rejections.js';
import type { EdgeCause } from '../causes.js';
import { Leg, passHeaders, type Hop, type Role } from './leg.js';
import type { CallSide, MediaAnchor, RecordingInfo } from '../ports/media-anchor.js';
import type { EdgeMetrics } from '../metrics.js';
import { CALL_START, callTransition, isConfirmed, type CallAction, type CallInput, type CallState } from './call-fsm.js';
import type { ClientTx, EdgeSipPort, ServerTx } from '../ports/sip-port.js';
import { CallTrace } from './call-trace.js';
import { NextHops } from './next-hops.js';
import { relayInDialog, relayToCaller, type RelayingCall } from './leg-relay.js';

export type { Role } from './leg.js';

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

/** Milliseconds a datagram read now on this UDP listener waited in its receive queue (serve: the endpoint's queue probe). */
export type QueueWait = (socket: ListenerKey) => number;

export interface CallContext {
  readonly port: EdgeSipPort;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: EdgeMetrics;
  readonly agent: string;
  /** No response at all from a target for this long → treat it as a timeout and fail over. */
  readonly inviteTimeoutMs: number;
  /** RFC 3263 resolution of a callee's refreshed target or route naming a host (default: the machine's DNS). */
  readonly resolver?: SipResolver;
  readonly t1: number;
  readonly t2: number;
  /**
   * Milliseconds a datagram read now on this UDP socket (family, local port) waited in its receive
   * queue (the endpoint's queue probe): each received message's trace entry carries it as `queued_ms`. Absent: 0.
   */
  readonly queueWait?: QueueWait;
  /**
   * A dialog of one of this call's legs, as the stack's dialog layer made it: in-dialog requests
   * are matched to it there (RFC 3261 §12.2.2) and reach this call through it.
   */
  own(dialog: Dialog, call: Call): void;
  finished(call: Call): void;
  /**
   * The call has just decided to end, before it tells either side: what it holds for its trunk
   * (the concurrent-call slot) goes back now, so a caller that hears 487 or the 200 to its BYE
   * and calls again at once finds the slot free, on this node or another.
   */
  ending?(call: Call): void;
  /** The call was answered: its record is stored as in-progress so the calls API shows live calls. */
  answered(call: Call): void;
}

/** What an input brings along for the actions it leads to (the response, the refusal, the reason). */
interface Arrival {
  readonly leg?: Leg;
  readonly invite?: SipRequest;
  readonly res?: SipResponse;
  readonly rejection?: Rejection;
  /** The Reason text of the BYEs the actions send. */
  readonly why?: string;
  readonly cause?: number;
  /** How the record ends when the call terminates (recorder.end), for BYE and hang-up. */
  readonly ending?: string;
  readonly detail?: string;
}

const NOTHING: Arrival = Object.freeze({});

/**
 * One call through the B2BUA: the caller's leg `a` (the edge is its UAS) and the callee's leg
 * `b` (the edge is its UAC), tried target by target. It relays provisional responses (180,
 * 183 early media), the answer, CANCEL, BYE from either side and every other in-dialog
 * request (re-INVITE/UPDATE for hold, INFO, OPTIONS, session refreshes of RFC 4028).
 */
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
  /** Where the call is (call-fsm.ts): every decision about what happens next is made there. */
  #fsm: CallState = CALL_START;
  #setup: CallSetup | undefined;
  #noAnswer: TimerHandle | undefined;
  #startedMono: number;
  readonly #trace: CallTrace;
  /** Stops the trace of what the stack retransmits for the caller's INVITE (the transaction outlives the call). */
  readonly #stopAWire: () => void;
  readonly #hops: NextHops;
  /** Made at the first in-dialog request relayed: most calls only ever see BYE, which the call handles itself. */
  #relaying: RelayingCall | undefined;
  /** Every INVITE this call sent (attempts, re-INVITEs), released when it ends (ClientTx.release). */
  readonly #invites: ClientTx[] = [];
  /** Every b leg tried, so their dialogs leave the stack's table when the call ends. */
  readonly #bLegs: Leg[] = [];
  /** INVITEs and BYEs sent whose final response has not come yet: the record waits for them (whenSettled). */
  #outstanding = 0;
  #onSettled: (() => void) | undefined;

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
    this.#trace = new CallTrace(recorder, ctx.clock, media, ctx.queueWait);
    this.#hops = new NextHops(this.a, recorder, ctx.resolver);
    aTx.onCancel((cancel, ok) => this.onCancel(cancel, ok));
    this.#stopAWire = aTx.onWire((direction, bytes) => this.#trace.wire(this.aRole, direction, bytes, this.a.hop, this.a.local));
  }

  /** The caller has been answered: the call is up. */
  isAnswered(): boolean {
    return isConfirmed(this.#fsm);
  }

  /** The media anchor chosen once the call is admitted (refusals never take relay ports). */
  setMedia(media: MediaAnchor): void {
    this.#media.close();
    this.#media = media;
    this.#trace.media = media;
  }

  isEnded(): boolean {
    return this.#fsm.name === 'terminated';
  }

  /** The call's media anchor (the live record reads its statistics while the call is up). */
  get media(): MediaAnchor {
    return this.#media;
  }

  get b(): Leg | undefined {
    return this.#b;
  }

  traceIn(role: Role, msg: SipRequest | SipResponse, hop: Hop, local: { address: string; port: number }): void {
    this.#trace.received(role, msg, hop, local);
  }

  /** A message the stack sent for the call without the call building it (the INVITE's 100 Trying). */
  traceOut(role: Role, msg: SipRequest | SipResponse, hop: Hop, local: { address: string; port: number }): void {
    this.#trace.sent(role, msg, hop, local);
  }

  get recording(): boolean {
    return this.#trace.recording;
  }

  /** The recording so far (file, packets, bytes), or undefined when the call is not recorded. */
  recordingInfo(): Promise<RecordingInfo | undefined> {
    return this.#trace.info();
  }

  /**
   * Records the call to pcap from now on (issue 7 item 7): the relay writes both legs' RTP and
   * RTCP; the SIP traced so far (the INVITE, provisional and final responses) is written first
   * with its own times, then every message as it passes. False when the call has no relay
   * anchor yet (still being admitted) or has ended. Idempotent.
   */
  startRecording(): boolean {
    if (this.#trace.recording) return true;
    return !this.isEnded() && this.#trace.start();
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
    this.#trace.sent(this.aRole, res, this.a.hop, this.a.local);
    this.#attach(this.a, this.#ctx.port.answerInvite(this.#aTx, res, this.#onNoAck, this.a.remoteTarget));
  }

  readonly #onNoAck = (): void => {
    this.recorder.event('no-ack', 'the caller never acknowledged the answer');
    const why = 'no ACK for the 2xx (RFC 3261 §13.3.1.4)';
    this.#fire({ type: 'no-ack' }, { why, cause: 200, ending: why });
  };

  /** Feeds one input to the call's FSM and performs the actions it returns, in order. */
  #fire(input: CallInput, arrival: Arrival = NOTHING): void {
    const wasEnded = this.isEnded();
    const t = callTransition(this.#fsm, input);
    this.#fsm = t.state;
    if (!wasEnded && this.isEnded()) this.#ctx.ending?.(this);
    for (const action of t.actions) this.#perform(action, arrival);
  }

  #perform(action: CallAction, arrival: Arrival): void {
    const { leg, invite, res } = arrival;
    switch (action.type) {
      case 'start-timer': {
        this.#noAnswer?.cancel();
        const attempt = action.attempt;
        this.#noAnswer = this.#ctx.clock.setTimer(action.ms, () => this.#fire({ type: 'no-response', attempt }));
        return;
      }
      case 'cancel-timer':
        this.#noAnswer?.cancel();
        this.#noAnswer = undefined;
        return;
      case 'send-invite':
        return this.#sendInvite(action.attempt, action.target);
      case 'attempt-failed': {
        const outcome = action.outcome;
        if (outcome.kind === 'transport-error') this.recorder.event('transport-error', arrival.detail ?? 'transport error');
        const label = outcome.kind === 'response' ? String(outcome.status) : outcome.kind;
        if (action.failover) this.recorder.event('failover', `${label}; trying the next target`);
        return;
      }
      case 'relay-provisional':
        this.#learn(leg!, invite!, res!);
        this.recorder.event('provisional', `${res!.status} ${res!.reason}`);
        return this.#respondA(this.#relayed(res!));
      case 'ack':
        return this.#learn(leg!, invite!, res!);
      case 'relay-answer':
        this.#learn(leg!, invite!, res!);
        this.recorder.answer(res!.status, res!.reason);
        this.#ctx.metrics.setupTime((this.#ctx.clock.monotonic() - this.#startedMono) / 1000, this.recorder.direction);
        this.#media.answered();
        this.#respondA(this.#relayed(res!));
        // The caller has its answer before the record is built and queued for the store: that
        // work (the whole trace so far, serialised) is not the caller's post-dial delay.
        return this.#ctx.answered(this);
      case 'ack-and-bye':
        return this.#ackAndBye(leg!, invite!, res!);
      case 'relay-final':
        this.recorder.event('final', `${res!.status} ${res!.reason} from the ${this.bRole}`);
        this.#respondA(this.#relayed(res!));
        return this.recorder.fail(res!.status, res!.reason, this.bRole);
      case 'reject': {
        const setup = this.#setup!;
        if (action.cause === 'no-target') return this.#sendRefusal(reject(setup.onNoTarget, this.sid, this.#ctx.agent));
        const cause = action.cause === 'timeout' ? setup.onTimeout : setup.onTransportError;
        return this.#sendRefusal(reject(cause, this.sid, this.#ctx.agent, { detail: `${action.tried} target(s) tried` }));
      }
      case 'send-refusal':
        return this.#sendRefusal(arrival.rejection!);
      case 'cancel-invite':
        // The transaction sends the CANCEL once a provisional arrived (RFC 3261 §9.1); a 2xx that
        // still wins the race is ACKed and ended with BYE (ack-and-bye).
        this.#bTx?.cancel();
        return;
      case 'respond-487':
        this.recorder.event('cancel', `CANCEL from the ${this.aRole}`);
        this.#respondA(createResponse(this.#aTx.request, 487, 'Request Terminated', { toTag: this.a.localTag, headers: this.#sidHeader() }));
        return this.recorder.fail(487, 'Request Terminated', this.aRole);
      case 'send-bye': {
        const to = action.to === 'a' ? this.a : this.#b;
        if (to) this.#sendBye(to, arrival.why ?? 'call ended');
        return;
      }
      case 'bye-both':
        return this.#byeBoth(arrival.why ?? 'call ended', arrival.cause ?? 200);
      case 'record-unanswered':
        // BYE before the answer ends the attempt like a CANCEL would.
        return this.recorder.fail(487, 'Request Terminated', action.by === 'a' ? this.aRole : this.bRole);
      case 'terminated':
        if (arrival.ending) this.recorder.end(arrival.ending);
        return this.#end();
    }
  }

  /** A refusal produced by the edge itself, as data: code + Reason/Warning + finding. */
  refuse(rejection: Rejection): void {
    this.#fire({ type: 'refuse' }, { rejection });
  }

  #sendRefusal(rejection: Rejection): void {
    // Issue 11 item 4: a call sid is only named when the record can be looked up (it has an account).
    const headers = this.recorder.accountSid ? rejection.headers : rejection.headers.filter(([n]) => n.toLowerCase() !== 'x-trunkline-call-sid');
    const res = createResponse(this.#aTx.request, rejection.status, rejection.phrase, { toTag: this.a.localTag, headers });
    this.#respondA(res);
    this.recorder.event('refused', `${rejection.status} ${rejection.text}`);
    this.recorder.fail(rejection.status, rejection.phrase, 'edge', rejection.cause);
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
    const targets = setup.targets.map((t) => ({ noResponseMs: t.noResponseMs ?? this.#ctx.inviteTimeoutMs }));
    this.#fire({ type: 'route', plan: { targets, failoverCodes: setup.failoverCodes } });
  }

  /** The attempt whose responses and timers still count (the answered one once confirmed). */
  #liveAttempt(): number | undefined {
    return 'attempt' in this.#fsm ? this.#fsm.attempt : undefined;
  }

  #sendInvite(attempt: number, index: number): void {
    const setup = this.#setup!;
    const target = setup.targets[index];
    const b = new Leg({ localUri: setup.fromUri, remoteUri: setup.toUri, remoteTarget: target.uri, hop: target.hop, local: this.#ctx.port.localFor(target.hop) });
    this.#b = b;
    this.#bLegs.push(b);
    if (target.flow) this.#hops.overFlow(b);
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
    this.recorder.event('route', `attempt ${index + 1} → ${target.uri} over ${target.hop.protocol} ${hostPort(target.hop.address, target.hop.port)}`);
    const settle = this.#expect();
    const tx = this.#ctx.port.sendRequest(invite, target.hop, {
      onResponse: (res) => {
        this.#onBInviteResponse(attempt, b, invite, res);
        if (res.status >= 200) settle();
      },
      onTimeout: () => {
        settle();
        this.#fire({ type: 'timer-b', attempt });
      },
      onTransportError: (detail) => {
        settle();
        this.#fire({ type: 'transport-error', attempt }, { detail });
      },
      onSent: (req) => this.#trace.sent(this.bRole, req, b.hop, b.local),
      onWire: (direction, bytes) => this.#trace.wire(this.bRole, direction, bytes, b.hop, b.local),
    });
    // Traced once sent: the transaction layer has put its Via on the request (the trace and the
    // call's pcap show what went on the wire); its events come later, so the order holds.
    this.#trace.sent(this.bRole, invite, b.hop, b.local);
    this.#invites.push(tx);
    // A transport error reported while sending may already have moved the call to the next attempt.
    if (this.#liveAttempt() === attempt) this.#bTx = tx;
  }

  #onBInviteResponse(attempt: number, leg: Leg, invite: SipRequest, res: SipResponse): void {
    // Also once the call has ended (no attempt is live then): the carrier's 487 after our CANCEL closes the leg.
    if (this.#liveAttempt() === attempt || (this.isEnded() && leg === this.#b)) this.traceIn(this.bRole, res, leg.hop, leg.local);
    const arrival: Arrival = { leg, invite, res };
    if (res.status < 200) return this.#fire({ type: 'invite-1xx', attempt, status: res.status }, arrival);
    if (res.status < 300) return this.#fire({ type: 'invite-2xx', attempt }, arrival);
    this.#fire({ type: 'invite-3xx-6xx', attempt, status: res.status }, arrival);
  }

  /** A response from b to the INVITE, for the caller (leg-relay.ts). */
  #relayed(res: SipResponse): SipResponse {
    return relayToCaller(res, this.#aTx.request, this.a, this.#media, this.#sidHeader());
  }

  /**
   * A response to the INVITE (or re-INVITE) the edge sent on `leg`: the stack's dialog layer
   * makes or refreshes the leg's dialog (tag, target, route set) and ACKs every 2xx, a
   * retransmitted one with the same ACK (RFC 3261 §13.2.2.4).
   */
  #learn(leg: Leg, invite: SipRequest, res: SipResponse): void {
    const role = leg === this.a ? this.aRole : this.bRole;
    // A peer's 2xx without Contact (§12.1.2 wants one) still makes a dialog, its target where the INVITE went.
    const dialog = this.#ctx.port.inviteResponse(invite, res, (dialog) => this.#hops.hopFor(leg, dialog), (ack, hop) => this.#trace.sent(role, ack, hop, leg.local), leg.remoteTarget);
    this.#attach(leg, dialog);
    if (dialog || res.status < 200) return;
    // A 2xx without a To tag makes no dialog but is still ACKed, to where the INVITE went.
    leg.learnTag(res);
    const ack = leg.request('ACK', { cseq: res.headers.cseq()?.seq ?? 1 });
    this.#hops.toward(leg, (hop) => {
      this.#trace.sent(role, ack, hop, leg.local);
      this.#ctx.port.sendStateless(ack, hop);
    });
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
    this.#sendTracedBye(role, leg, bye);
  }

  /** A BYE the call sends; its answer (or the lack of one) is traced, and the record waits for it. */
  #sendTracedBye(role: Role, leg: Leg, bye: SipRequest): void {
    const settle = this.#expect();
    this.#hops.toward(leg, (hop) => {
      this.#ctx.port.sendRequest(bye, hop, {
        onResponse: (r) => {
          this.traceIn(role, r, hop, leg.local);
          if (r.status >= 200) settle();
        },
        onTimeout: settle,
        onTransportError: settle,
        onWire: (direction, bytes) => this.#trace.wire(role, direction, bytes, hop, leg.local),
      });
      this.#trace.sent(role, bye, hop, leg.local);
    });
  }

  /** One more request whose final response the record waits for; the function returned says it came (once). */
  #expect(): () => void {
    this.#outstanding++;
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.#outstanding--;
      const settled = this.#onSettled;
      if (this.#outstanding === 0 && settled) settled();
    };
  }

  /**
   * Calls `done` once no INVITE or BYE the call sent still waits for its final response — the
   * carrier's 200 for the BYE, its 487 after our CANCEL — or after `maxMs`, whichever is first:
   * the call has ended for the caller, and its record should hold how the other leg ended.
   */
  whenSettled(done: () => void, maxMs: number): void {
    if (this.#outstanding === 0) return done();
    let fired = false;
    const once = () => {
      if (fired) return;
      fired = true;
      this.#onSettled = undefined;
      timer.cancel();
      done();
    };
    const timer = this.#ctx.clock.setTimer(maxMs, once);
    this.#onSettled = once;
  }

  /** CANCEL from the caller (RFC 3261 §9.2): 200 for the CANCEL; 487 for the INVITE unless already answered. */
  onCancel(cancel: SipRequest, ok: SipResponse): void {
    this.traceIn(this.aRole, cancel, this.a.hop, this.a.local);
    // The stack answered the CANCEL itself (RFC 3261 §9.2); its 200 is the call's too.
    this.#trace.sent(this.aRole, ok, this.a.hop, this.a.local);
    this.#fire({ type: 'cancel' });
  }

  /** ACK from the caller: for the answer, or for a re-INVITE's 2xx. */
  onAck(request: SipRequest, source: { hop: Hop; local: { address: string; port: number } }): void {
    // The stack's dialog layer has already stopped the 2xx retransmissions (sip-adapter).
    this.traceIn(this.aRole, request, source.hop, source.local);
  }

  #attach(leg: Leg, dialog: Dialog | undefined): void {
    if (!dialog) return;
    leg.attach(dialog);
    this.#ctx.own(dialog, this);
  }

  /**
   * Which leg the dialog layer's `dialog` is, while the call takes requests in it: an ended call,
   * an abandoned attempt's leg or a leg without its other side has none (the edge answers 481).
   */
  sideOf(dialog: Dialog): CallSide | undefined {
    if (this.isEnded() || !this.#b) return undefined;
    if (this.a.has(dialog)) return 'a';
    return this.#b.has(dialog) ? 'b' : undefined;
  }

  /** A request inside the dialog of leg `fromSide` (see sideOf): BYE ends the call; the rest is relayed to the other leg. */
  onInDialog(tx: ServerTx, fromSide: CallSide): void {
    const from = fromSide === 'a' ? this.a : this.#b!;
    const to = fromSide === 'a' ? this.#b! : this.a;
    const fromRole = fromSide === 'a' ? this.aRole : this.bRole;
    const req = tx.request;
    this.traceIn(fromRole, req, tx.source.hop, tx.source.local);
    if (req.method !== 'BYE') return relayInDialog(this.#relayingCall(), this.#media, tx, fromSide, from, to);
    const ok = createResponse(req, 200, 'OK', { toTag: from.localTag, headers: [] });
    this.#trace.sent(fromRole, ok, tx.source.hop, tx.source.local);
    tx.respond(ok);
    this.#fire({ type: 'bye', from: fromSide }, { why: `BYE from the ${fromRole}`, ending: `bye-${fromRole}` });
  }

  #relayingCall(): RelayingCall {
    return (this.#relaying ??= {
      port: this.#ctx.port,
      trace: this.#trace,
      hops: this.#hops,
      recorder: this.recorder,
      aRole: this.aRole,
      bRole: this.bRole,
      onNoAck: this.#onNoAck,
      invites: this.#invites,
      learn: (leg, invite, res) => this.#learn(leg, invite, res),
    });
  }

  /** Ends an answered call from the edge's side: BYE to both legs with the reason (RTP timeout, no ACK). */
  hangUp(why: string, cause = 200): void {
    this.#fire({ type: 'hang-up' }, { why, cause, ending: why });
  }

  #byeBoth(why: string, cause: number): void {
    const reason = `SIP;cause=${cause};text="${why.replace(/"/g, '')}"`;
    for (const leg of [this.a, this.#b]) {
      if (!leg || !leg.remoteTag) continue;
      const bye = leg.request('BYE', { headers: [['Reason', reason]] });
      this.#sendTracedBye(leg === this.a ? this.aRole : this.bRole, leg, bye);
    }
  }

  #end(): void {
    this.#noAnswer?.cancel();
    this.#stopAWire();
    this.recorder.setMedia(this.#media.close());
    this.#forget(this.a);
    for (const b of this.#bLegs) this.#forget(b);
    for (const tx of this.#invites.splice(0)) tx.release();
    this.#ctx.finished(this);
  }
}

function stripTag(nameAddr: string): string {
  return nameAddr.replace(/;\s*tag\s*=\s*[^;>\s]*/i, '');
}
