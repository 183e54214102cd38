import { isCountersDown } from '../admission/admission.js';
import { hostPort, newCallSid, newTag, type Clock, type Logger } from '../../core/index.js';
import type { Finding } from '../../diagnosis/index.js';
import { createResponse, wireTextOf, type SipRequest, type SipResponse } from '../../sip/index.js';
import type { CallRecord, CallRecordStore, RegistrationOutcome, RegistrationPlan, Registration } from '../../store/index.js';
import type { Authenticator } from '../admission/authenticate.js';
import { CallRecorder } from '../record/call-record.js';
import type { EdgeCause } from '../causes.js';
import type { EdgeDirectory, TrunkView } from '../ports/directory.js';
import { RecordBudget } from '../record/record-budget.js';
import { canonicalAor, contactHeaders, DEFAULT_REGISTRAR_LIMITS, planBindings, readContacts, type RegisterFlow, type RegistrarLimits } from './registrar-rules.js';
import { reject } from '../rejections.js';
import type { ServerTx } from '../ports/sip-port.js';

/**
 * The edge as a registrar (RFC 3261 §10.3) for trunks with credentials and registration_enabled,
 * so a PBX on a dynamic address registers instead of being whitelisted (issue 11 item 2).
 * Identification follows identify-trunk's: the Request-URI domain names the account, the digest
 * user names the trunk (credential user names are unique per account). A REGISTER the edge will
 * not bind is refused as data like every refusal: 403 with a Warning, a Reason and a finding
 * (never a bare 405), and recorded. Bindings keep the flow the REGISTER came on (source address,
 * port, transport, connection), so inbound calls reach a PBX behind NAT without Record-Route.
 */
export interface BindingStore {
  change<R>(trunkSid: string, aor: string, decide: (current: readonly Registration[]) => RegistrationPlan<R>): Promise<RegistrationOutcome<R>>;
  /** Current bindings of the trunk, highest q first (see RegistrationsRepo.current). */
  current(trunkSid: string): Promise<readonly Registration[]>;
}

export interface RegistrarOptions {
  readonly directory: EdgeDirectory;
  readonly authenticator: Authenticator;
  /** Absent: the edge keeps no bindings and refuses every REGISTER with 403 and its finding. */
  readonly bindings?: BindingStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly agent: string;
  readonly limits?: Partial<RegistrarLimits>;
  readonly calls?: CallRecordStore;
  readonly diagnose?: (record: CallRecord) => readonly Finding[];
  /** The account whose trunks whitelist a source address, for refusals no domain ties to one (issue 11 item 4). */
  readonly locateAccount?: (sourceIp: string) => Promise<string | undefined>;
}

/** Refusals worth a record: the plain first challenge of every registration is not one. */
const RECORDED: ReadonlySet<EdgeCause> = new Set(['registration-disabled', 'registration-not-allowed', 'too-many-contacts', 'trunk-inactive', 'auth-failed', 'interval-too-brief', 'malformed-request', 'internal-error', 'counters-unavailable']);

export class Registrar {
  readonly #o: RegistrarOptions;
  readonly #limits: RegistrarLimits;
  readonly #budget = new RecordBudget();
  readonly #pending = new Set<Promise<void>>();

  constructor(options: RegistrarOptions) {
    this.#o = options;
    this.#limits = { ...DEFAULT_REGISTRAR_LIMITS, ...options.limits };
  }

  /** Resolves once every refusal record written so far is stored. */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  onRegister(tx: ServerTx): void {
    this.#handle(tx).catch((err: unknown) => {
      if (isCountersDown(err)) return void this.#refuse(tx, 'counters-unavailable', (err as Error).message);
      this.#o.log.error({ err }, 'REGISTER handling failed');
      void this.#refuse(tx, 'internal-error', String(err));
    });
  }

  async #handle(tx: ServerTx): Promise<void> {
    const o = this.#o;
    const req = tx.request;
    let host: string;
    try {
      const u = req.requestUri;
      if (u.scheme === 'tel') return this.#refuse(tx, 'malformed-request', 'Request-URI is not a SIP URI');
      host = u.host.toLowerCase();
    } catch {
      return this.#refuse(tx, 'malformed-request', 'Request-URI is not a SIP URI');
    }
    // RFC 3261 §10.3 step 1: only domains the edge holds bindings for (an account's trunk domain).
    const accountSid = await o.directory.accountByDomain(host);
    if (!accountSid) return this.#refuse(tx, 'registration-disabled', `domain "${host}" is no trunk domain here`);
    const trunks = (await o.directory.trunksOfAccount(accountSid)).filter((t) => t.credentials.length > 0);
    if (trunks.length === 0) return this.#refuse(tx, 'registration-disabled', 'no trunk of the account has credentials to register with', { accountSid });
    // RFC 3261 §10.3 step 3: authenticate (§22), with the same digest server and realm as calls.
    const authz = req.headers.get('Authorization') ?? req.headers.get('Proxy-Authorization');
    const v = await o.authenticator.verify(trunks, authz, 'REGISTER', req.uri);
    if (!v.ok) {
      return this.#refuse(tx, v.cause, v.detail, { accountSid }, v.challenges.map((c) => ['WWW-Authenticate', c] as const));
    }
    const trunk = v.trunk;
    const ids = { accountSid, trunkSid: trunk.trunkSid };
    if (trunk.status !== 'active') return this.#refuse(tx, 'trunk-inactive', trunk.trunkSid, ids);
    if (!trunk.registrationEnabled) return this.#refuse(tx, 'registration-disabled', `trunk ${trunk.trunkSid} has registration_enabled false`, ids);
    if (!o.bindings) return this.#refuse(tx, 'registration-disabled', 'this edge keeps no registrations', ids);
    // RFC 3261 §10.3 steps 5–6: the authenticated user may bind only its own address-of-record on this account.
    const to = req.headers.to();
    const aor = to ? canonicalAor(to.uri) : undefined;
    if (!aor) return this.#refuse(tx, 'malformed-request', 'To (the address-of-record must be a sip: URI with a user)', ids);
    if (aor.user !== v.username || (aor.host !== host && (await o.directory.accountByDomain(aor.host)) !== accountSid)) {
      return this.#refuse(tx, 'registration-not-allowed', `${aor.aor} by user "${v.username}"`, ids);
    }
    const contacts = readContacts(req, this.#limits);
    if (!contacts.ok) {
      // RFC 3261 §10.3 step 7 / §20.23: the 423 says the shortest expiry the edge takes.
      const extra = contacts.cause === 'interval-too-brief' ? [['Min-Expires', String(contacts.minExpires)] as const] : [];
      return this.#refuse(tx, contacts.cause, contacts.detail, ids, extra);
    }
    const flow = flowOf(tx, v.username);
    const now = o.clock.now();
    const outcome = await o.bindings.change(trunk.trunkSid, aor.aor, (current) => planBindings(current, contacts, flow, now, this.#limits.maxContacts));
    if (!outcome.ok && outcome.refusal === 'too-many-contacts') {
      return this.#refuse(tx, 'too-many-contacts', `${aor.aor} keeps at most ${this.#limits.maxContacts}`, ids);
    }
    if (!outcome.ok) {
      // RFC 3261 §10.3 step 7: a request older than the binding's (same Call-ID, lower CSeq) fails and changes nothing.
      return tx.respond(createResponse(req, 500, 'Server Internal Error', {
        toTag: newTag(), headers: [['Retry-After', '1'], ['Reason', 'SIP;cause=500;text="REGISTER out of order: CSeq not above the binding\'s (RFC 3261 §10.3 step 7)"']],
      }));
    }
    this.#logChange(trunk, aor.aor, contacts.kind, outcome.bindings, flow);
    // RFC 3261 §10.3 step 8: 200 with every current binding and its expiry, and a Date.
    // Remaining time counted from when the request was decided, so a binding just made shows the expiry it was given.
    const headers: [string, string][] = contactHeaders(outcome.bindings, now).map((c) => ['Contact', c]);
    headers.push(['Date', new Date(o.clock.now()).toUTCString()]);
    tx.respond(createResponse(req, 200, 'OK', { toTag: newTag(), headers }));
  }

  #logChange(trunk: TrunkView, aor: string, kind: string, bindings: readonly Registration[], flow: RegisterFlow): void {
    if (kind === 'fetch') return;
    this.#o.log.info(
      { trunk_sid: trunk.trunkSid, aor, bindings: bindings.length, source: `${flow.address}:${flow.port}`, transport: flow.transport },
      `registration of ${aor}: ${bindings.length} binding(s) from ${flow.transport} ${flow.address}:${flow.port}`,
    );
  }

  /**
   * A refusal as data: the cause's status, Reason/Warning, finding and call sid; recorded like a
   * refused call. Issue 11 item 4: the sid is sent only with a record an account can look up — a
   * REGISTER to no known domain is tied to the account whose trunks whitelist its source, or
   * answered without a sid and not recorded.
   */
  async #refuse(tx: ServerTx, cause: EdgeCause, detail: string, known: { accountSid?: string; trunkSid?: string } = {}, extra: readonly (readonly [string, string])[] = []): Promise<void> {
    const o = this.#o;
    const req = tx.request;
    let ids = known;
    if (!ids.accountSid && o.locateAccount && RECORDED.has(cause)) {
      const located = await o.locateAccount(tx.source.hop.address).catch(() => undefined);
      if (located) ids = { ...ids, accountSid: located };
    }
    const record = RECORDED.has(cause) && ids.accountSid !== undefined && o.calls !== undefined && this.#budget.take(tx.source.hop.address, o.clock.monotonic()).allowed;
    const callSid = newCallSid();
    const r = reject(cause, callSid, o.agent, { detail });
    const headers = [...extra, ...r.headers.filter(([n]) => record || n !== 'X-Trunkline-Call-Sid')];
    const res = createResponse(req, r.status, r.phrase, { toTag: newTag(), headers });
    tx.respond(res);
    if (record) this.#record(tx, res, callSid, cause, r.text, ids);
  }

  #record(tx: ServerTx, res: SipResponse, callSid: string, cause: EdgeCause, text: string, ids: { accountSid?: string; trunkSid?: string }): void {
    const o = this.#o;
    const req: SipRequest = tx.request;
    const { hop, local } = tx.source;
    const remote = hostPort(hop.address, hop.port);
    const here = hostPort(local.address, local.port);
    const user = /^(?:sips?):([^@;>]+)/i.exec(req.headers.to()?.uri ?? '')?.[1] ?? '';
    const recorder = new CallRecorder(o.clock, {
      // A REGISTER comes from the customer side, like an outbound call's INVITE.
      callSid, accountSid: ids.accountSid ?? null, trunkSid: ids.trunkSid ?? null, direction: 'outbound',
      from: user, to: user, sourceAddress: remote, transport: hop.protocol, sipCallId: req.headers.callId() ?? '',
    });
    recorder.event('register', `REGISTER refused: ${res.status} ${text}`);
    recorder.trace({ leg: 'customer', direction: 'in', transport: hop.protocol, src: remote, dst: here, message: wireTextOf(req) });
    recorder.trace({ leg: 'customer', direction: 'out', transport: hop.protocol, src: here, dst: remote, message: wireTextOf(res) });
    recorder.fail(res.status, res.reason, 'edge', cause);
    if (o.diagnose) {
      try {
        recorder.setFindings(o.diagnose(recorder.toRecord()));
      } catch (err) {
        o.log.warn({ err, call_sid: callSid }, 'diagnosis failed');
      }
    }
    const p = o.calls!.save(recorder.toRecord()).catch((err: unknown) => o.log.error({ err, call_sid: callSid }, 'saving the REGISTER refusal failed'));
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }
}

function flowOf(tx: ServerTx, userName: string): RegisterFlow {
  const req = tx.request;
  const hop = tx.source.hop;
  return {
    userName,
    callId: req.headers.callId() ?? '',
    cseq: req.headers.cseq()?.seq ?? 0,
    address: hop.address,
    port: hop.port,
    transport: hop.protocol,
    connectionId: hop.connectionId ?? null,
    userAgent: req.headers.get('User-Agent') ?? null,
  };
}
