import { ChurnMap, hiddenSlot, hostPort, newCallSid, newTag, type Clock, type Logger } from '../core/index.js';
import { createResponse, SipResolver, type SipRequest } from '../sip/index.js';
import type { Finding } from '../diagnosis/index.js';
import type { CallRecord, CallRecordStore, CallSlots, TraceEntry } from '../store/index.js';
import type { Authenticator } from './admission/authenticate.js';
import type { LoadGauge, OverloadVerdict } from './admission/overload-guard.js';
import { RecordBudget, DEFAULT_REFUSAL_RECORD_BUDGET } from './record/record-budget.js';
import { reject } from './rejections.js';
import { Call, type CallContext, type QueueWait, type Role } from './call/call.js';
import { CallAdmission, userOf } from './admission/call-admission.js';
import { CarrierSources } from './admission/carrier-sources.js';
import { CallRecorder } from './record/call-record.js';
import type { EdgeDirectory } from './ports/directory.js';
import { LiveRecords } from './record/live-records.js';
import { passThroughAnchor, type CallSide, type MediaAnchorFactory } from './ports/media-anchor.js';
import { noEdgeMetrics, type EdgeMetrics } from './metrics.js';
import { isCountersDown, LocalCallSlots } from './admission/admission.js';
import { OrderedSaves } from './record/record-saves.js';
import { FinalRecords } from './record/final-records.js';
import type { RouteTarget } from './call/route.js';
import type { EdgeRequestHandler, EdgeSipPort, RequestSource, ServerTx } from './ports/sip-port.js';
import { Registrar, type BindingStore } from './registrar/registrar.js';
import type { RegistrarLimits } from './registrar/registrar-rules.js';

/**
 * The B2BUA's front door: every request the SIP server receives lands here. New INVITEs are
 * identified (customer or carrier side), admitted or refused as data, and routed; requests
 * inside a dialog go to their call; CANCEL to the INVITE it cancels.
 */
export interface B2buaOptions {
  readonly directory: EdgeDirectory;
  readonly port: EdgeSipPort;
  readonly clock: Clock;
  readonly log: Logger;
  readonly authenticator: Authenticator;
  readonly calls?: CallRecordStore;
  /**
   * The trunks' calls_per_minute and max_concurrent_calls budget: this process alone by
   * default, Redis when several edges count as one (issue 15).
   */
  readonly slots?: CallSlots;
  /** Written on every call record: the node that carries the call (serve --node-id). */
  readonly nodeId?: string;
  /** Every SIP message of every call, both legs, as traced (serve --hep); the final record once the call ends. */
  readonly observer?: CallObserver;
  readonly metrics?: EdgeMetrics;
  readonly media?: MediaAnchorFactory;
  /**
   * Findings for a call's record (the diagnosis engine, wired by app/). `observedUntil` is
   * given for the live record of a call still up: evidence ends now, not at a BYE.
   */
  readonly diagnose?: (record: CallRecord, observedUntil?: number) => readonly Finding[];
  /**
   * An ended call's diagnosis on another thread (serve: app's DiagnosisThread); `diagnose` when it
   * fails. With it, the edge no longer turns each traced message into evidence as it goes: the
   * other thread reads the record's text.
   */
  readonly diagnoseElsewhere?: (record: CallRecord) => Promise<readonly Finding[]>;
  /**
   * An answered call's record is refreshed from the relay's live statistics this often while
   * the call is up, and sooner after a media event (default 2000 ms; 0 turns it off).
   */
  readonly liveRefreshMs?: number;
  /** How long a datagram read now on this UDP socket waited in its receive queue (CallContext.queueWait). */
  readonly queueWait?: QueueWait;
  /** warn-agent of Warning headers (RFC 3261 §20.43): the edge's host name. */
  readonly agent: string;
  /** Carrier gateways for outbound calls, as SIP URIs with priority/weight. */
  readonly carriers: readonly RouteTarget[];
  /**
   * Sources whose requests come from the carrier side: "ip", "ip:port", or a carrier's host name,
   * which stands for its A/AAAA and SRV targets, resolved in the background (CarrierSources).
   */
  readonly carrierSources: readonly string[];
  /** Where `flow` numbers go when the trunk has no flow_uri: the built-in echo flow. */
  readonly echoFlowUri?: string;
  readonly inviteTimeoutMs?: number;
  /** RFC 3263 resolution of FQDN destinations and carriers (default: the machine's DNS). */
  readonly resolver?: SipResolver;
  /** Registrar bindings (issue 11 item 2); absent, every REGISTER is refused with 403 and its finding. */
  readonly registrations?: BindingStore;
  /** Asked before each new call is admitted: under overload the INVITE is refused 503 with Retry-After (SPEC §3). */
  readonly load?: LoadGauge;
  readonly registrarLimits?: Partial<RegistrarLimits>;
  /**
   * The account whose trunks whitelist a source address (issue 11 item 4: a refusal the edge
   * cannot otherwise tie to an account is tied by its source, or names no call sid).
   */
  readonly locateAccount?: (sourceIp: string) => Promise<string | undefined>;
  readonly t1?: number;
  readonly t2?: number;
}

export interface CallObserver {
  trace(entry: TraceEntry, callSid: string): void;
  ended?(record: CallRecord): void;
}

export class B2bua implements EdgeRequestHandler {
  readonly #o: B2buaOptions;
  readonly #active = new ChurnMap<string, Call>();
  #countersDownLogged = -Infinity;
  readonly #ctx: CallContext;
  readonly #metrics: EdgeMetrics;
  readonly #saves: OrderedSaves;
  readonly #live: LiveRecords;
  readonly #finals: FinalRecords;
  /** Overload refusals recorded as calls per window (RecordBudget: 20 per source, 200 in all per 10 s); the rest are only counted. */
  readonly #overloadRecords = new RecordBudget(DEFAULT_REFUSAL_RECORD_BUDGET);
  #unrecordedOverload = 0;
  #unrecordedLogged = Number.NEGATIVE_INFINITY;
  /** Ended calls whose record waits for the other leg's last answers (Call.whenSettled); flush() finishes them at once. */
  readonly #settling = new ChurnMap<Call, () => void>();
  readonly #admission: CallAdmission;
  readonly #registrar: Registrar;
  /** Who is a carrier by source address; its names are resolved in the background. */
  readonly carrierSources: CarrierSources;

  constructor(options: B2buaOptions) {
    this.#o = options;
    const slots = options.slots ?? new LocalCallSlots(options.clock);
    this.#saves = new OrderedSaves(options.calls, options.log);
    this.#live = new LiveRecords({
      clock: options.clock, log: options.log, intervalMs: options.liveRefreshMs ?? 2000,
      ...(options.diagnose ? { diagnose: options.diagnose } : {}),
      save: (record, sid) => this.#saves.save(record, sid),
    });
    this.#finals = new FinalRecords({
      log: options.log, save: (record, sid) => this.#saves.save(record, sid),
      ...(options.diagnose ? { diagnose: (r: CallRecord) => options.diagnose!(r) } : {}),
      ...(options.diagnoseElsewhere ? { diagnoseElsewhere: options.diagnoseElsewhere } : {}),
      ...(options.observer?.ended ? { ended: (r: CallRecord) => options.observer!.ended!(r) } : {}),
    });
    this.#admission = new CallAdmission(options, slots, options.inviteTimeoutMs ?? 32_000);
    this.#metrics = options.metrics ?? noEdgeMetrics;
    this.carrierSources = new CarrierSources(options.carrierSources, { resolver: options.resolver ?? new SipResolver(), clock: options.clock, log: options.log });
    this.#registrar = new Registrar({
      directory: options.directory, authenticator: options.authenticator, clock: options.clock, log: options.log, agent: options.agent,
      ...(options.registrations ? { bindings: options.registrations } : {}), ...(options.registrarLimits ? { limits: options.registrarLimits } : {}),
      ...(options.calls ? { calls: options.calls } : {}), ...(options.diagnose ? { diagnose: (r: CallRecord) => options.diagnose!(r) } : {}),
      ...(options.locateAccount ? { locateAccount: options.locateAccount } : {}),
    });
    this.#ctx = {
      port: options.port,
      clock: options.clock,
      log: options.log,
      metrics: this.#metrics,
      agent: options.agent,
      inviteTimeoutMs: options.inviteTimeoutMs ?? 32_000,
      ...(options.resolver ? { resolver: options.resolver } : {}),
      t1: options.t1 ?? 500,
      t2: options.t2 ?? 4000,
      ...(options.queueWait ? { queueWait: options.queueWait } : {}),
      own: (dialog, call) => OWNER.set(dialog, call),
      finished: (call) => this.#finished(call),
      ending: (call) => this.#admission.releaseSlot(call),
      answered: (call) => {
        void this.#saves.save(call.recorder.toRecord(), call.sid);
        this.#live.start(call);
      },
    };
  }

  get activeCalls(): number {
    return this.#active.size;
  }

  /** A call still up (routing, ringing or answered) by its call_sid: the calls API's recording asks for it. */
  liveCall(callSid: string): Call | undefined {
    return this.#active.get(callSid);
  }

  /**
   * Ended calls' records handed to the store now, those diagnosed on another thread included:
   * the calls API reads after this, so a call sid a SIP answer named is found with its findings.
   * Calls still waiting for the other leg's last answers (≤ 4·T1) are not hurried.
   */
  settleFinals(): Promise<void> {
    return this.#finals.drain();
  }

  /** Resolves once every call record written so far is stored (tests, shutdown). */
  async flush(): Promise<void> {
    for (const finish of [...this.#settling.values()]) finish();
    await this.#finals.drain();
    await Promise.all([this.#saves.flush(), this.#registrar.flush()]);
  }

  /** Ends every call (shutdown). */
  hangUpAll(why = 'edge shutting down'): void {
    for (const call of [...this.#active.values()]) {
      if (call.isAnswered()) call.hangUp(why, 503);
      else call.refuseCause('overload', why);
    }
  }

  onRequest(tx: ServerTx): void {
    try {
      this.#dispatch(tx);
    } catch (err) {
      this.#o.log.error({ err }, 'edge request handler failed');
      try {
        tx.respond(createResponse(tx.request, 500, 'Server Internal Error', { headers: [['Reason', 'SIP;cause=500;text="Internal fault in the edge"']] }));
      } catch {
        // Nothing more can be done for a request we cannot even answer.
      }
    }
  }

  onAck(request: SipRequest, source: RequestSource): void {
    const hit = this.#inDialog(request);
    if (hit?.side === 'a') hit.call.onAck(request, source);
  }

  /** The call and leg of an in-dialog request: the dialog layer matches it (Call-ID, both tags). */
  #inDialog(req: SipRequest): { call: Call; side: CallSide } | undefined {
    const dialog = this.#o.port.dialogFor(req);
    const call = dialog && OWNER.get(dialog);
    const side = call?.sideOf(dialog!);
    return side ? { call: call!, side } : undefined;
  }

  #dispatch(tx: ServerTx): void {
    const req = tx.request;
    if (req.headers.to()?.tag) {
      const hit = this.#inDialog(req);
      // RFC 3261 §12.2.2: a request in a dialog this edge does not have (any more) — the one place it is refused.
      if (!hit) return tx.respond(createResponse(req, 481, 'Call/Transaction Does Not Exist'));
      return hit.call.onInDialog(tx, hit.side);
    }
    if (req.method === 'OPTIONS') {
      // RFC 3261 §11.2: OPTIONS out of a dialog (keep-alives, preflight) gets the capabilities.
      // RFC 3261 §8.2.6.2: a response outside a dialog carries a To tag of ours.
      return tx.respond(createResponse(req, 200, 'OK', { toTag: newTag(), headers: [['Allow', ALLOW], ['Accept', 'application/sdp'], ['Supported', 'timer']] }));
    }
    // RFC 3261 §10: the edge is the registrar of trunks with registration_enabled.
    if (req.method === 'REGISTER') return this.#registrar.onRegister(tx);
    if (req.method !== 'INVITE') return tx.respond(createResponse(req, 405, 'Method Not Allowed', { toTag: newTag(), headers: [['Allow', ALLOW]] }));
    this.#newInvite(tx);
  }

  #newInvite(tx: ServerTx): void {
    const req = tx.request;
    // Under overload, past the record budget, the refusal is answered without a call: a record,
    // its diagnosis and its row per refused INVITE cost what the refusal is there to save.
    const overload = this.#o.load?.overload();
    if (overload && !this.#overloadRecords.take(tx.source.hop.address, this.#o.clock.monotonic()).allowed) return this.#refuseUnrecorded(tx, overload);
    const fromCarrier = this.carrierSources.has(tx.source.hop);
    const aRole: Role = fromCarrier ? 'carrier' : 'customer';
    // A carrier-side INVITE may name its call_sid (the built-in simulator placing a test call for the API).
    const named = fromCarrier ? req.headers.get('X-Trunkline-Call-Sid') : undefined;
    const sid = named && /^[0-9a-f]{32}$/.test(named) ? named : newCallSid();
    const uri = safeUri(req);
    const recorder = new CallRecorder(this.#o.clock, {
      callSid: sid, accountSid: null, trunkSid: null, direction: fromCarrier ? 'inbound' : 'outbound',
      from: req.headers.from() ? userOf(req.headers.from()!.uri) : '', to: uri?.user ?? '',
      sourceAddress: hostPort(tx.source.hop.address, tx.source.hop.port), transport: tx.source.hop.protocol, sipCallId: req.headers.callId() ?? '',
      ...(this.#o.nodeId ? { nodeId: this.#o.nodeId } : {}),
    }, { evidenceAsTraced: this.#o.diagnoseElsewhere === undefined });
    if (this.#o.observer) recorder.onTrace = (entry, callSid) => this.#o.observer!.trace(entry, callSid);
    const call = new Call(this.#ctx, sid, recorder, tx, aRole, passThroughAnchor());
    call.traceIn(aRole, req, tx.source.hop, tx.source.local);
    // SPEC §2 "100 at once for every INVITE": the transaction layer sent it before we ran.
    if (tx.provisional) call.traceOut(aRole, tx.provisional, tx.source.hop, tx.source.local);
    this.#active.set(sid, call);
    this.#metrics.active(1, fromCarrier ? 'inbound' : 'outbound');
    const mf = req.headers.maxForwards() ?? 70;
    if (mf <= 0) return void this.#admission.tie(call).then(() => call.refuseCause('too-many-hops'));
    if (!uri) return void this.#admission.tie(call).then(() => call.refuseCause('malformed-request', 'Request-URI is not a SIP URI'));
    // Before any lookup, media port or carrier attempt: a refusal here is the cheapest answer there is.
    if (overload) return void this.#admission.tie(call, uri.host).then(() => call.refuseCause('overload', overload.detail, overload.retryAfterS));
    const admit = fromCarrier ? this.#admission.inbound(call, tx, uri.user ?? '') : this.#admission.outbound(call, tx, uri.host, uri.user ?? '');
    admit.catch((err: unknown) => {
      if (isCountersDown(err)) {
        this.#countersDown(err, sid);
        call.recorder.event('error', String(err));
        return void this.#admission.tie(call, uri?.host).then(() => call.refuseCause('counters-unavailable', (err as Error).message));
      }
      this.#o.log.error({ err, call_sid: sid }, 'call admission failed');
      call.recorder.event('error', String(err));
      void this.#admission.tie(call, uri?.host).then(() => call.refuseCause('internal-error'));
    });
  }

  /**
   * 503 for an INVITE refused under overload beyond the record budget: the same headers as a
   * recorded refusal but no call sid (no record stands behind it), counted in the metrics and in
   * one log line per window, as the stack's own refusals over their budget are.
   */
  #refuseUnrecorded(tx: ServerTx, overload: OverloadVerdict): void {
    const r = reject('overload', '', this.#o.agent, { detail: overload.detail, retryAfter: overload.retryAfterS });
    const headers = r.headers.filter(([n]) => n.toLowerCase() !== 'x-trunkline-call-sid');
    tx.respond(createResponse(tx.request, r.status, r.phrase, { toTag: newTag(), headers }));
    const direction = this.carrierSources.has(tx.source.hop) ? 'inbound' : 'outbound';
    this.#metrics.callEnded(null, direction, r.status, 'edge');
    this.#unrecordedOverload++;
    const now = this.#o.clock.now();
    if (now - this.#unrecordedLogged < 10_000) return;
    this.#o.log.warn({ refused: this.#unrecordedOverload, detail: overload.detail }, 'overload: INVITEs refused 503 beyond the record budget (answered, not recorded)');
    this.#unrecordedLogged = now;
    this.#unrecordedOverload = 0;
  }

  /** One log line per 10 s of a Redis outage, however many calls it refuses. */
  #countersDown(err: unknown, sid: string): void {
    const now = this.#o.clock.now();
    if (now - this.#countersDownLogged < 10_000) return;
    this.#countersDownLogged = now;
    this.#o.log.warn({ err: (err as Error).message, call_sid: sid }, 'shared counters (Redis) unavailable: new calls are refused with 503 until they answer');
  }

  #finished(call: Call): void {
    this.#live.stop(call.sid);
    this.#active.delete(call.sid);
    this.#admission.releaseSlot(call);
    const record = call.recorder.toRecord();
    this.#metrics.active(-1, record.direction);
    this.#metrics.callEnded(record.trunk_sid, record.direction, record.final_code, record.final_by);
    if (record.setup_ms !== null && !record.answered_at) this.#metrics.setupTime(record.setup_ms / 1000, record.direction);
    const finish = () => {
      if (this.#settling.delete(call)) this.#finals.add(record, call.recorder);
    };
    this.#settling.set(call, finish);
    call.whenSettled(finish, RECORD_SETTLE_T1 * this.#ctx.t1);
  }

}

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REGISTER';

/**
 * The call each of the dialog layer's dialogs belongs to, kept on the dialog: matching a request
 * to a dialog is the layer's (sip/dialog, RFC 3261 §12.2.2); this only says whose it is, and goes
 * with the dialog. Not a WeakMap<Dialog, Call>: its call holds the dialog (Leg.attach), and V8's
 * scavenger keeps an ephemeron's value while the key is reachable — here through that value — so
 * every call, refused ones too, outlived the young generation and was copied to the old one, to
 * die only at the next full GC (issue 13: 15.3 → 3.8 KB promoted per refused INVITE).
 */
const OWNER = hiddenSlot<Call>();

/**
 * How long an ended call's record waits for the other leg's answers to our BYE or CANCEL, in T1:
 * a peer that answers within 4·T1 (2 s) answered the first send or one of its first two resends.
 */
const RECORD_SETTLE_T1 = 4;

function safeUri(req: SipRequest): { user: string | null; host: string } | undefined {
  try {
    const u = req.requestUri;
    return u.scheme === 'tel' ? { user: u.user, host: '' } : { user: u.user, host: u.host };
  } catch {
    return undefined;
  }
}
