import type { SipResolver } from '../../sip/index.js';
import type { CallSlots } from '../../store/index.js';
import type { Authenticator } from './authenticate.js';
import type { Call, CallTarget } from '../call/call.js';
import { callerE164, checkCaller } from './caller-policy.js';
import { resolveAll } from '../call/call-routing.js';
import type { EdgeDirectory, TrunkView } from '../ports/directory.js';
import { identifyTrunk, needsDigest } from './identify-trunk.js';
import type { MediaAnchorFactory } from '../ports/media-anchor.js';
import { checkNumber } from './number-policy.js';
import { checkInviteBody } from './offer-policy.js';
import { DEFAULT_FAILOVER_CODES, orderTargets, type RouteTarget } from '../call/route.js';
import type { EdgeSipPort, ServerTx } from '../ports/sip-port.js';
import type { BindingStore } from '../registrar/registrar.js';
import { DEFAULT_REGISTRAR_LIMITS, type RegistrarLimits } from '../registrar/registrar-rules.js';
import { registeredTargets } from '../registrar/registered-targets.js';
import { isTrunklineError, type Logger } from '../../core/index.js';

export interface AdmissionOptions {
  readonly directory: EdgeDirectory;
  readonly port: EdgeSipPort;
  readonly log: Logger;
  readonly authenticator: Authenticator;
  readonly media?: MediaAnchorFactory;
  readonly agent: string;
  readonly carriers: readonly RouteTarget[];
  readonly echoFlowUri?: string;
  readonly resolver?: SipResolver;
  readonly registrations?: BindingStore;
  readonly registrarLimits?: Partial<RegistrarLimits>;
  readonly locateAccount?: (sourceIp: string) => Promise<string | undefined>;
}

/**
 * A new call from INVITE to routing: the trunk identified (source ACL or digest), its limits
 * taken, the dialled and calling numbers and the offer checked, the targets resolved and the
 * media anchored; then Call.start. Every refusal is the call's, as data (rejections.ts). A
 * call that ends while an await is under way (CANCEL) stops its admission there.
 */
export class CallAdmission {
  readonly #o: AdmissionOptions;
  readonly #slots: CallSlots;
  readonly #inviteTimeoutMs: number;

  constructor(options: AdmissionOptions, slots: CallSlots, inviteTimeoutMs: number) {
    this.#o = options;
    this.#slots = slots;
    this.#inviteTimeoutMs = inviteTimeoutMs;
  }

  /**
   * A call not yet tied to an account (its identification failed or never ran) is tied by the
   * Request-URI domain of a customer's INVITE, else by its source address when one account's
   * trunks whitelist it.
   */
  async tie(call: Call, host?: string): Promise<void> {
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

  async outbound(call: Call, tx: ServerTx, host: string, dialled: string): Promise<void> {
    const req = tx.request;
    const o = this.#o;
    const id = await identifyTrunk(o.directory, host, tx.source.hop.address);
    if (call.isEnded()) return;
    if (!id.ok) {
      call.recorder.identify({ accountSid: id.accountSid ?? null, trunkSid: id.trunkSid ?? null });
      call.recorder.event('acl', `${id.cause}: ${id.detail}`);
      await this.tie(call);
      return call.refuseCause(id.cause, id.detail);
    }
    let trunk: TrunkView;
    const authz = req.headers.get('Authorization') ?? req.headers.get('Proxy-Authorization');
    if (id.byIp) {
      trunk = id.trunk;
      call.recorder.identify({ accountSid: id.accountSid, trunkSid: trunk.trunkSid });
      call.recorder.event('acl', `source ${tx.source.hop.address} matched trunk ${trunk.trunkSid}`);
      if (needsDigest(trunk)) {
        const v = await o.authenticator.verify([trunk], authz, 'INVITE', req.uri);
        if (!v.ok) return this.#challenge(call, v.cause, v.detail, v.challenges);
        call.recorder.event('auth', `digest ok for ${v.username}`);
      }
    } else {
      call.recorder.identify({ accountSid: id.accountSid });
      const v = await o.authenticator.verify(id.digestCandidates, authz, 'INVITE', req.uri);
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
    const { targets } = await resolveAll(call.recorder, orderTargets(o.carriers), number.e164, 'carrier', o.resolver);
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

  async inbound(call: Call, tx: ServerTx, dialled: string): Promise<void> {
    const req = tx.request;
    const o = this.#o;
    const number = checkNumber(dialled);
    if (!number.ok) return void (await this.tie(call), call.refuseCause(number.cause, number.detail));
    const did = await o.directory.numberByE164(number.e164);
    if (call.isEnded()) return;
    if (!did) return void (await this.tie(call), call.refuseCause('did-not-mapped', number.e164));
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
    const registered = did.mode !== 'flow' && trunk.registrationEnabled ? await registeredTargets(o.registrations, trunk, call.recorder, o.log, Math.min(this.#inviteTimeoutMs, o.registrarLimits?.flowNoResponseMs ?? DEFAULT_REGISTRAR_LIMITS.flowNoResponseMs)) : [];
    const resolved = await resolveAll(call.recorder, candidates, number.e164, 'destination', o.resolver);
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
      // Only MEDIA_PORTS_EXHAUSTED is a full range; any other failure (the call's event names it) must not read as one.
      call.refuseCause('internal-error', isTrunklineError(err, 'MEDIA_PORTS_EXHAUSTED') ? 'media relay has no free ports' : 'media relay could not anchor the call');
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
    if (call.isEnded()) this.releaseSlot(call);
  }

  /** Gives the call's concurrent slot back (the call ended). */
  releaseSlot(call: Call): void {
    const trunkSid = call.countedTrunk;
    if (!trunkSid) return;
    call.countedTrunk = undefined;
    this.#slots.release(trunkSid, call.sid).catch((err: unknown) => this.#o.log.warn({ err, call_sid: call.sid }, 'releasing the call slot failed'));
  }

}

export function userOf(uri: string): string {
  return /^(?:sips?|tel):([^@;>]+)/i.exec(uri)?.[1] ?? '';
}
