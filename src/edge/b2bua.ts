import { newCallSid, newTag, type Clock, type Logger } from '../core/index.js';
import { createResponse, type SipRequest, type SipResolver } from '../sip/index.js';
import type { Finding } from '../diagnosis/index.js';
import type { CallRecord, CallRecordStore, CallSlots, TraceEntry } from '../store/index.js';
import type { Authenticator } from './authenticate.js';
import { Call, dialogKey, type CallContext, type CallTarget, type Role } from './call.js';
import { CallRecorder } from './call-record.js';
import { callerE164, checkCaller } from './caller-policy.js';
import type { EdgeDirectory, TrunkView } from './directory.js';
import { identifyTrunk, needsDigest } from './identify-trunk.js';
import { LiveRefresh } from './live-refresh.js';
import type { Hop } from './leg.js';
import { passThroughAnchor, type CallSide, type MediaAnchorFactory } from './media-anchor.js';
import { noEdgeMetrics, type EdgeMetrics } from './metrics.js';
import { checkNumber } from './number-policy.js';
import { checkInviteBody } from './offer-policy.js';
import { LocalCallSlots } from './admission.js';
import { DEFAULT_FAILOVER_CODES, orderTargets, type RouteTarget } from './route.js';
import type { EdgeRequestHandler, EdgeSipPort, RequestSource, ServerTx } from './sip-port.js';
import { resolveTarget } from './targets.js';
import { Registrar, type BindingStore } from './registrar.js';
import { DEFAULT_REGISTRAR_LIMITS, type RegistrarLimits } from './registrar-rules.js';
import { registeredTargets } from './registered-targets.js';

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
   * An answered call's record is refreshed from the relay's live statistics this often while
   * the call is up, and sooner after a media event (default 2000 ms; 0 turns it off).
   */
  readonly liveRefreshMs?: number;
  /** warn-agent of Warning headers (RFC 3261 §20.43): the edge's host name. */
  readonly agent: string;
  /** Carrier gateways for outbound calls, as SIP URIs with priority/weight. */
  readonly carriers: readonly RouteTarget[];
  /** Source addresses ("ip" or "ip:port") whose requests come from the carrier side. */
  readonly carrierSources: readonly string[];
  /** Where `flow` numbers go when the trunk has no flow_uri: the built-in echo flow. */
  readonly echoFlowUri?: string;
  readonly inviteTimeoutMs?: number;
  /** RFC 3263 resolution of FQDN destinations and carriers (default: the machine's DNS). */
  readonly resolver?: SipResolver;
  /** Registrar bindings (issue 11 item 2); absent, every REGISTER is refused with 403 and its finding. */
  readonly registrations?: BindingStore;
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

interface Indexed {
  readonly call: Call;
}

export class B2bua implements EdgeRequestHandler {
  readonly #o: B2buaOptions;
  readonly #slots: CallSlots;
  readonly #dialogs = new Map<string, Indexed>();
  readonly #active = new Map<string, Call>();
  readonly #ctx: CallContext;
  readonly #metrics: EdgeMetrics;
  readonly #pendingSaves = new Set<Promise<void>>();
  readonly #lastSave = new Map<string, Promise<void>>();
  readonly #live = new Map<string, LiveRefresh>();
  readonly #registrar: Registrar;

  constructor(options: B2buaOptions) {
    this.#o = options;
    this.#slots = options.slots ?? new LocalCallSlots(options.clock);
    this.#metrics = options.metrics ?? noEdgeMetrics;
    this.#registrar = new Registrar({
      directory: options.directory, authenticator: options.authenticator, clock: options.clock, log: options.log, agent: options.agent,
      ...(options.registrations ? { bindings: options.registrations } : {}), ...(options.registrarLimits ? { limits: options.registrarLimits } : {}),
      ...(options.calls ? { calls: options.calls } : {}), ...(options.diagnose ? { diagnose: (r: CallRecord) => options.diagnose!(r) } : {}),
      ...(options.observer ? { onTrace: (e: TraceEntry, sid: string) => options.observer!.trace(e, sid) } : {}),
      ...(options.locateAccount ? { locateAccount: options.locateAccount } : {}),
    });
    this.#ctx = {
      port: options.port,
      clock: options.clock,
      log: options.log,
      metrics: this.#metrics,
      agent: options.agent,
      inviteTimeoutMs: options.inviteTimeoutMs ?? 32_000,
      t1: options.t1 ?? 500,
      t2: options.t2 ?? 4000,
      index: (key, call) => this.#dialogs.set(key, { call }),
      unindex: (key) => this.#dialogs.delete(key),
      finished: (call) => this.#finished(call),
      answered: (call) => {
        void this.#save(call.recorder.toRecord(), call.sid);
        this.#startLive(call);
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

  /** Resolves once every call record written so far is stored (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.#pendingSaves, this.#registrar.flush()]);
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
    const hit = this.#byDialog(request);
    if (hit?.side === 'a') hit.call.onAck(request, source);
  }

  #byDialog(req: SipRequest): { call: Call; side: CallSide } | undefined {
    const callId = req.headers.callId() ?? '';
    const toTag = req.headers.to()?.tag;
    if (!toTag) return undefined;
    const hit = this.#dialogs.get(dialogKey(callId, toTag));
    if (!hit) return undefined;
    const side: CallSide = hit.call.a.callId === callId && hit.call.a.localTag === toTag ? 'a' : 'b';
    return { call: hit.call, side };
  }

  #dispatch(tx: ServerTx): void {
    const req = tx.request;
    const hit = this.#byDialog(req);
    if (hit) return hit.call.onInDialog(tx, hit.side);
    if (req.headers.to()?.tag) return tx.respond(createResponse(req, 481, 'Call/Transaction Does Not Exist'));
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

  #isCarrier(hop: Hop): boolean {
    const s = this.#o.carrierSources;
    return s.includes(hop.address) || s.includes(`${hop.address}:${hop.port}`);
  }

  #newInvite(tx: ServerTx): void {
    const req = tx.request;
    const fromCarrier = this.#isCarrier(tx.source.hop);
    const aRole: Role = fromCarrier ? 'carrier' : 'customer';
    // A carrier-side INVITE may name its call_sid (the built-in simulator placing a test call for the API).
    const named = fromCarrier ? req.headers.get('X-Trunkline-Call-Sid') : undefined;
    const sid = named && /^[0-9a-f]{32}$/.test(named) ? named : newCallSid();
    const uri = safeUri(req);
    const recorder = new CallRecorder(this.#o.clock, {
      callSid: sid, accountSid: null, trunkSid: null, direction: fromCarrier ? 'inbound' : 'outbound',
      from: req.headers.from() ? userOf(req.headers.from()!.uri) : '', to: uri?.user ?? '',
      sourceAddress: addr(tx.source.hop.address, tx.source.hop.port), transport: tx.source.hop.protocol, sipCallId: req.headers.callId() ?? '',
      ...(this.#o.nodeId ? { nodeId: this.#o.nodeId } : {}),
    });
    if (this.#o.observer) recorder.onTrace = (entry, callSid) => this.#o.observer!.trace(entry, callSid);
    const call = new Call(this.#ctx, sid, recorder, tx, aRole, passThroughAnchor());
    call.traceIn(aRole, req, tx.source.hop, tx.source.local);
    this.#active.set(sid, call);
    this.#metrics.active(1, fromCarrier ? 'inbound' : 'outbound');
    // SPEC §2 "100 at once for every INVITE": the transaction layer sent it before we ran.
    const mf = req.headers.maxForwards() ?? 70;
    if (mf <= 0) return void this.#tie(call).then(() => call.refuseCause('too-many-hops'));
    if (!uri) return void this.#tie(call).then(() => call.refuseCause('malformed-request', 'Request-URI is not a SIP URI'));
    const admit = fromCarrier ? this.#admitInbound(call, tx, uri.user ?? '') : this.#admitOutbound(call, tx, uri.host, uri.user ?? '');
    admit.catch((err: unknown) => {
      this.#o.log.error({ err, call_sid: sid }, 'call admission failed');
      call.recorder.event('error', String(err));
      void this.#tie(call, uri?.host).then(() => call.refuseCause('internal-error'));
    });
  }

  /**
   * A call not yet tied to an account (its identification failed or never ran) is tied by the
   * Request-URI domain of a customer's INVITE, else by its source address when one account's
   * trunks whitelist it.
   */
  async #tie(call: Call, host?: string): Promise<void> {
    if (call.recorder.accountSid) return;
    if (host && call.aRole === 'customer') {
      const named = await this.#o.directory.accountByDomain(host.toLowerCase()).catch(() => undefined);
      if (named && !call.recorder.accountSid) return call.recorder.identify({ accountSid: named });
    }
    const locate = this.#o.locateAccount;
    if (!locate) return;
    const ip = call.a.hop.address;
    const account = await locate(ip).catch(() => undefined);
    if (!account || call.recorder.accountSid) return;
    call.recorder.identify({ accountSid: account });
    call.recorder.event('account', `tied to account ${account}: its trunks whitelist the source ${ip}`);
  }

  async #admitOutbound(call: Call, tx: ServerTx, host: string, dialled: string): Promise<void> {
    const req = tx.request;
    const o = this.#o;
    const id = await identifyTrunk(o.directory, host, tx.source.hop.address);
    if (call.isEnded()) return;
    if (!id.ok) {
      call.recorder.identify({ accountSid: id.accountSid ?? null, trunkSid: id.trunkSid ?? null });
      call.recorder.event('acl', `${id.cause}: ${id.detail}`);
      await this.#tie(call);
      return call.refuseCause(id.cause, id.detail);
    }
    let trunk: TrunkView;
    const authz = req.headers.get('Authorization') ?? req.headers.get('Proxy-Authorization');
    if (id.byIp) {
      trunk = id.trunk;
      call.recorder.identify({ accountSid: id.accountSid, trunkSid: trunk.trunkSid });
      call.recorder.event('acl', `source ${tx.source.hop.address} matched trunk ${trunk.trunkSid}`);
      if (needsDigest(trunk)) {
        const v = o.authenticator.verify([trunk], authz, 'INVITE', req.uri);
        if (!v.ok) return this.#challenge(call, v.cause, v.detail, v.challenges);
        call.recorder.event('auth', `digest ok for ${v.username}`);
      }
    } else {
      call.recorder.identify({ accountSid: id.accountSid });
      const v = o.authenticator.verify(id.digestCandidates, authz, 'INVITE', req.uri);
      if (!v.ok) return this.#challenge(call, v.cause, v.detail, v.challenges);
      trunk = v.trunk;
      call.recorder.identify({ trunkSid: trunk.trunkSid });
      call.recorder.event('auth', `digest ok for ${v.username} (trunk ${trunk.trunkSid})`);
    }
    // Both limits in one step, so that across nodes exactly the limit passes (issue 15).
    const slot = await this.#slots.admit({ trunkSid: trunk.trunkSid, callSid: call.sid, callsPerMinute: trunk.callsPerMinute, maxConcurrent: trunk.maxConcurrentCalls || null });
    if (!slot.ok) {
      return slot.limit === 'rate'
        ? call.refuseCause('rate-limited', `${trunk.callsPerMinute} calls/min`, slot.retryAfter)
        : call.refuseCause('concurrency-limited', `${trunk.maxConcurrentCalls} concurrent calls`, slot.retryAfter);
    }
    this.#holdSlot(call, trunk.trunkSid);
    if (call.isEnded()) return;
    const number = checkNumber(dialled);
    if (!number.ok) return call.refuseCause(number.cause, number.detail);
    const fromUser = req.headers.from() ? userOf(req.headers.from()!.uri) : '';
    const callerNumber = callerE164(fromUser);
    const caller = checkCaller(trunk, fromUser, callerNumber ? await o.directory.numberByE164(callerNumber) : undefined);
    if (!caller.ok) return call.refuseCause('caller-not-mapped', caller.detail);
    if (caller.aliased) call.recorder.event('caller', `external alias ${caller.caller} presented instead of ${fromUser}`);
    call.recorder.identify({ from: caller.caller, to: number.e164 });
    const offer = checkInviteBody(req.headers.get('Content-Type'), req.body.toString('utf8'), trunk.secureTrunking);
    if (!offer.ok) return call.refuseCause(offer.cause, offer.detail);
    for (const w of offer.warnings) call.recorder.event('codec', `codec ahead of PCMA: ${w.ahead.join(', ')}`);
    const { targets } = await resolveAll(call, orderTargets(o.carriers), number.e164, 'carrier', o.resolver);
    await this.#learnAddresses(call, targets);
    if (call.isEnded()) return;
    if (!(await this.#anchor(call, trunk))) return;
    const carrierHost = targets[0]?.hop.address ?? 'carrier.invalid';
    call.start({
      fromUri: `<sip:${caller.caller}@${o.agent}>`,
      toUri: `<sip:${number.e164}@${carrierHost}>`,
      offer: req.body.toString('utf8'),
      targets,
      failoverCodes: trunk.failoverCodes.length ? trunk.failoverCodes : DEFAULT_FAILOVER_CODES,
      maxForwards: (req.headers.maxForwards() ?? 70) - 1,
      onTimeout: 'carrier-timeout',
      onTransportError: 'no-carrier',
      onNoTarget: 'no-carrier',
    });
  }

  async #admitInbound(call: Call, tx: ServerTx, dialled: string): Promise<void> {
    const req = tx.request;
    const o = this.#o;
    const number = checkNumber(dialled);
    if (!number.ok) return void (await this.#tie(call), call.refuseCause(number.cause, number.detail));
    const did = await o.directory.numberByE164(number.e164);
    if (call.isEnded()) return;
    if (!did) return void (await this.#tie(call), call.refuseCause('did-not-mapped', number.e164));
    call.recorder.identify({ accountSid: did.accountSid, trunkSid: did.trunkSid, to: number.e164 });
    if (did.removed) return call.refuseCause('did-removed', number.e164);
    if (did.status !== 'active') return call.refuseCause('did-inactive', number.e164);
    const trunk = await o.directory.trunk(did.trunkSid);
    if (!trunk) return call.refuseCause('did-not-mapped', number.e164);
    if (trunk.status !== 'active') return call.refuseCause('trunk-inactive', trunk.trunkSid);
    const offer = checkInviteBody(req.headers.get('Content-Type'), req.body.toString('utf8'), trunk.secureTrunking);
    if (!offer.ok) return call.refuseCause(offer.cause, offer.detail);
    // An inbound call is not refused for the trunk's limits, but it counts towards its concurrent calls.
    await this.#slots.admit({ trunkSid: trunk.trunkSid, callSid: call.sid, callsPerMinute: null, maxConcurrent: null });
    this.#holdSlot(call, trunk.trunkSid);
    if (call.isEnded()) return;
    const fromUser = req.headers.from() ? userOf(req.headers.from()!.uri) : 'anonymous';
    let candidates: RouteTarget[];
    if (did.mode === 'flow') {
      const flow = trunk.flowUri ?? o.echoFlowUri;
      candidates = flow ? [{ uri: flow, priority: 0, weight: 1 }] : [];
      call.recorder.event('route', `flow mode → ${flow ?? 'no flow endpoint'}`);
    } else {
      candidates = orderTargets(trunk.destinations, Math.random, trunk.disasterRecoveryUri);
    }
    // Issue 11 item 2: a trunk that takes registrations tries its registered contacts first, then its destination URIs.
    const registered = did.mode !== 'flow' && trunk.registrationEnabled ? await registeredTargets(o.registrations, trunk, call.recorder, o.log, Math.min(this.#ctx.inviteTimeoutMs, o.registrarLimits?.flowNoResponseMs ?? DEFAULT_REGISTRAR_LIMITS.flowNoResponseMs)) : [];
    const resolved = await resolveAll(call, candidates, number.e164, 'destination', o.resolver);
    if (call.isEnded()) return;
    const targets = [...registered, ...resolved.targets];
    if (targets.length === 0 && resolved.unresolved > 0) return call.refuseCause('fqdn-unresolvable', `${resolved.unresolved} destination(s)`);
    await this.#learnAddresses(call, targets);
    if (call.isEnded()) return;
    if (!(await this.#anchor(call, trunk))) return;
    call.start({
      fromUri: `<sip:${fromUser}@${o.agent}>`,
      toUri: `<sip:${number.e164}@${trunk.domainName}>`,
      offer: req.body.toString('utf8'),
      targets,
      failoverCodes: trunk.failoverCodes.length ? trunk.failoverCodes : DEFAULT_FAILOVER_CODES,
      maxForwards: (req.headers.maxForwards() ?? 70) - 1,
      onTimeout: 'destination-timeout',
      onTransportError: 'destination-unreachable',
      onNoTarget: trunk.registrationEnabled && did.mode !== 'flow' ? 'no-registered-contact' : 'no-destination',
    });
  }

  /**
   * Issue 11: before the edge writes its address anywhere a peer will use it (Contact of the
   * answer, Via and Contact of the INVITE, SDP), the route towards the caller and every target
   * is learnt, so each side is given the local address its packets really leave from.
   */
  async #learnAddresses(call: Call, targets: readonly CallTarget[]): Promise<void> {
    const port = this.#o.port;
    if (!port.prepare) return;
    await Promise.all([call.a.hop, ...targets.map((t) => t.hop)].map((hop) => port.prepare!(hop).catch(() => undefined)));
    call.a.local = { address: port.localFor(call.a.hop).address, port: call.a.local.port };
  }

  /** Takes relay ports for an admitted call; false when the call ended meanwhile or the relay failed (500). */
  async #anchor(call: Call, trunk: TrunkView): Promise<boolean> {
    if (call.isEnded()) return false;
    const factory = this.#o.media;
    if (!factory) return true;
    try {
      const rtpTimeout = trunk.rtpTimeoutSeconds;
      const anchor = await factory.create(call.sid, call.aRole, (detail) => {
        call.recorder.edgeCause('rtp-timeout');
        call.recorder.event('rtp-timeout', detail);
        call.hangUp('RTP timeout', 408);
      }, rtpTimeout === null || rtpTimeout === undefined ? {} : { rtpTimeoutMs: rtpTimeout * 1000 });
      if (rtpTimeout !== null && rtpTimeout !== undefined) call.recorder.event('media', `RTP timeout ${rtpTimeout === 0 ? 'off' : `${rtpTimeout} s`} (trunk setting rtp_timeout)`);
      if (call.isEnded()) {
        anchor.close();
        return false;
      }
      call.setMedia(anchor);
      anchor.facing?.('a', call.a.hop.address);
      // Trunk setting record_calls: the pcap starts with the INVITE (replayed from the trace).
      if (trunk.recordCalls) call.startRecording();
      return true;
    } catch (err) {
      this.#o.log.error({ err, call_sid: call.sid }, 'media relay could not anchor the call');
      call.recorder.event('error', `media relay: ${String(err)}`);
      call.refuseCause('internal-error', 'media relay has no free ports');
      return false;
    }
  }

  #challenge(call: Call, cause: 'auth-required' | 'auth-failed', detail: string, challenges: readonly string[]): void {
    call.recorder.event('auth', `${cause}: ${detail}`);
    call.refuseWith(cause, detail, challenges.map((c) => ['WWW-Authenticate', c] as const));
  }

  /** The call holds a concurrent slot of its trunk until it ends; one that ended while admitted gives it back at once. */
  #holdSlot(call: Call, trunkSid: string): void {
    call.countedTrunk = trunkSid;
    if (call.isEnded()) this.#releaseSlot(call);
  }

  #releaseSlot(call: Call): void {
    const trunkSid = call.countedTrunk;
    if (!trunkSid) return;
    call.countedTrunk = undefined;
    this.#slots.release(trunkSid, call.sid).catch((err: unknown) => this.#o.log.warn({ err, call_sid: call.sid }, 'releasing the call slot failed'));
  }

  /**
   * Issue 7 item 4, media faults detected while the call is up: the answered call's record is
   * refreshed from the relay's live statistics and its SIP trace and diagnosed by the same
   * engine as the final record, on a bounded schedule (LiveRefresh), until the call ends.
   */
  #startLive(call: Call): void {
    const interval = this.#o.liveRefreshMs ?? 2000;
    const media = call.media;
    if (interval <= 0 || !media.live || call.isEnded() || this.#live.has(call.sid)) return;
    let written = '';
    const refresh: LiveRefresh = new LiveRefresh({
      clock: this.#o.clock,
      intervalMs: interval,
      minGapMs: Math.min(500, interval),
      run: async () => {
        const stats = await media.live!();
        // The call may have ended while the relay answered: its final record is queued and stays the last write.
        if (refresh.stopped || call.isEnded()) return;
        call.recorder.setMedia(stats);
        let record = call.recorder.toRecord();
        if (this.#o.diagnose) {
          try {
            call.recorder.setFindings(this.#o.diagnose(record, this.#o.clock.now()));
            record = call.recorder.toRecord();
          } catch (err) {
            this.#o.log.warn({ err, call_sid: call.sid }, 'live diagnosis failed');
          }
        }
        // Nothing new (no RTP moving, no message): no write.
        const mark = JSON.stringify([record.media, record.findings, record.trace.length, record.events.length]);
        if (mark === written) return;
        written = mark;
        // Waiting for the write keeps one live write per call at a time: a slow store slows the
        // refresh down instead of growing a queue of stale records.
        await this.#save(record, call.sid);
      },
      onError: (err) => this.#o.log.warn({ err, call_sid: call.sid }, 'live call record refresh failed'),
    });
    this.#live.set(call.sid, refresh);
    media.onMediaEvent?.(() => refresh.poke());
    // A hold or resume (re-INVITE/UPDATE) changes what the media rules may conclude: show it soon, not at the next tick.
    call.recorder.onEvent = (kind) => {
      if (kind === 'reinvite') refresh.poke();
    };
    refresh.start();
  }

  #finished(call: Call): void {
    // No live refresh starts after this; one under way sees the call ended and does not write.
    this.#live.get(call.sid)?.stop();
    this.#live.delete(call.sid);
    this.#active.delete(call.sid);
    this.#releaseSlot(call);
    let record = call.recorder.toRecord();
    this.#metrics.active(-1, record.direction);
    this.#metrics.callEnded(record.trunk_sid, record.direction, record.final_code, record.final_by);
    if (record.setup_ms !== null && !record.answered_at) this.#metrics.setupTime(record.setup_ms / 1000, record.direction);
    if (this.#o.diagnose) {
      try {
        call.recorder.setFindings(this.#o.diagnose(record));
        record = call.recorder.toRecord();
      } catch (err) {
        this.#o.log.warn({ err, call_sid: call.sid }, 'diagnosis failed');
      }
    }
    void this.#save(record, call.sid);
    try {
      this.#o.observer?.ended?.(record);
    } catch (err) {
      this.#o.log.warn({ err, call_sid: call.sid }, 'call observer failed');
    }
  }

  /** Saves in order per call: the final record never loses to the in-progress one written at answer. */
  #save(record: CallRecord, sid: string): Promise<void> {
    const store = this.#o.calls;
    if (!store) return Promise.resolve();
    const before = this.#lastSave.get(sid) ?? Promise.resolve();
    const p = before.then(() => store.save(record)).catch((err: unknown) => this.#o.log.error({ err, call_sid: sid }, 'saving the call record failed'));
    this.#lastSave.set(sid, p);
    this.#pendingSaves.add(p);
    void p.finally(() => {
      this.#pendingSaves.delete(p);
      if (this.#lastSave.get(sid) === p) this.#lastSave.delete(sid);
    });
    return p;
  }
}

/** Each candidate URI → where to send; an FQDN that does not resolve is skipped and noted in the timeline. */
async function resolveAll(call: Call, candidates: readonly RouteTarget[], user: string, what: string, resolver?: SipResolver): Promise<{ targets: CallTarget[]; unresolved: number }> {
  const targets: CallTarget[] = [];
  let unresolved = 0;
  for (const t of candidates) {
    const r = await resolveTarget(t.uri, resolver);
    // RFC 3263 §4.3: every address of the URI (SRV targets in order) is tried in turn.
    if (r.ok) for (const hop of r.hops) targets.push({ uri: withUser(r.uri, user), hop });
    else {
      unresolved++;
      call.recorder.event('route', `${what} ${t.uri} skipped: ${r.detail}`);
    }
  }
  return { targets, unresolved };
}

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REGISTER';

function safeUri(req: SipRequest): { user: string | null; host: string } | undefined {
  try {
    const u = req.requestUri;
    return u.scheme === 'tel' ? { user: u.user, host: '' } : { user: u.user, host: u.host };
  } catch {
    return undefined;
  }
}

function userOf(uri: string): string {
  return /^(?:sips?|tel):([^@;>]+)/i.exec(uri)?.[1] ?? '';
}

function withUser(uri: string, user: string): string {
  // The carrier / destination URI names the host; the dialled number goes in the user part
  // unless the URI names its own (a flow endpoint such as sip:echo@…).
  if (/^sips?:[^@;>]+@/i.test(uri)) return uri;
  return uri.replace(/^(sips?):/i, `$1:${user}@`);
}

function addr(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
