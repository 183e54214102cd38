import { parseUri, type SipRequest } from '../../sip/index.js';
import type { Registration, RegistrationPlan, RegistrationTransport, RegistrationWrite } from '../../store/index.js';

/**
 * The rules of RFC 3261 §10.3 for one REGISTER, with no I/O: what the Contact and Expires
 * headers ask for (steps 6–7: expiry, the wildcard, 423 below the minimum), and how the request
 * changes the bindings of its address-of-record (step 7: Call-ID and CSeq ordering). The
 * registrar (registrar.ts) runs them inside the store's atomic change.
 */
export interface RegistrarLimits {
  /** RFC 3261 §10.3 step 7: a non-zero expiry below this gets 423 with Min-Expires. */
  readonly minExpires: number;
  /** Longer requests are shortened to this (the registrar MAY, §10.3 step 7). */
  readonly maxExpires: number;
  /** When neither the contact nor the Expires header gives one (§10.2.1.1 lets the registrar pick). */
  readonly defaultExpires: number;
  /** Bindings one address-of-record may hold; a REGISTER that would pass it is refused (403 trunk.too-many-contacts). */
  readonly maxContacts: number;
  /**
   * An inbound INVITE to a registered contact with no response at all (not even 100 Trying) in
   * this long moves on to the next contact: a live PBX answers at once, so silence means a stale
   * registration (a PBX gone without unregistering, a NAT binding closed), and the caller should
   * not wait Timer B for it.
   */
  readonly flowNoResponseMs: number;
}

export const DEFAULT_REGISTRAR_LIMITS: RegistrarLimits = Object.freeze({ minExpires: 60, maxExpires: 3600, defaultExpires: 3600, maxContacts: 10, flowNoResponseMs: 5000 });

export interface RequestedBinding {
  /** The Contact URI as sent. */
  readonly contact: string;
  readonly q: number | null;
  /** Seconds, after the limits; 0 removes the binding. */
  readonly expires: number;
}

export type ContactRequest =
  /** RFC 3261 §10.2.3: no Contact, a query of the current bindings. */
  | { readonly ok: true; readonly kind: 'fetch' }
  /** RFC 3261 §10.2.2: `Contact: *` with `Expires: 0` removes every binding of the address-of-record. */
  | { readonly ok: true; readonly kind: 'remove-all' }
  | { readonly ok: true; readonly kind: 'bindings'; readonly bindings: readonly RequestedBinding[] }
  | { readonly ok: false; readonly cause: 'malformed-request'; readonly detail: string }
  | { readonly ok: false; readonly cause: 'interval-too-brief'; readonly detail: string; readonly minExpires: number };

/** RFC 3261 §20.19 delta-seconds; anything else is malformed. Values past 2^32-1 are taken as that (§20.19). */
function deltaSeconds(text: string | null | undefined): number | undefined | 'bad' {
  if (text === null || text === undefined) return undefined;
  const t = text.trim();
  if (!/^\d{1,10}$/.test(t)) return 'bad';
  return Math.min(Number(t), 4294967295);
}

/** RFC 3261 §20.10 / §25.1 qvalue: "0" [ "." 0*3DIGIT ] / "1" [ "." 0*3("0") ]. */
function qValue(text: string | null | undefined): number | null | 'bad' {
  if (text === null || text === undefined) return null;
  return /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(text.trim()) ? Number(text.trim()) : 'bad';
}

export function readContacts(req: SipRequest, limits: RegistrarLimits): ContactRequest {
  let contacts;
  try {
    contacts = req.headers.contacts();
  } catch {
    return { ok: false, cause: 'malformed-request', detail: 'Contact (RFC 3261 §10.2.2: "*" must stand alone)' };
  }
  const header = deltaSeconds(req.headers.get('Expires'));
  if (header === 'bad') return { ok: false, cause: 'malformed-request', detail: 'Expires (not delta-seconds)' };
  if (contacts === '*') {
    // RFC 3261 §10.2.2 / §10.3 step 6: "*" only with Expires: 0, else 400.
    if (header !== 0) return { ok: false, cause: 'malformed-request', detail: 'Contact (a "*" Contact needs Expires: 0, RFC 3261 §10.2.2)' };
    return { ok: true, kind: 'remove-all' };
  }
  if (contacts.length === 0) return { ok: true, kind: 'fetch' };
  const bindings: RequestedBinding[] = [];
  for (const c of contacts) {
    try {
      const u = parseUri(c.uri);
      if (u.scheme === 'tel') throw new Error('tel');
    } catch {
      return { ok: false, cause: 'malformed-request', detail: `Contact (${c.uri} is not a SIP URI)` };
    }
    const own = deltaSeconds(c.params.get('expires'));
    if (own === 'bad') return { ok: false, cause: 'malformed-request', detail: 'Contact (expires parameter is not delta-seconds)' };
    const q = qValue(c.params.get('q'));
    if (q === 'bad') return { ok: false, cause: 'malformed-request', detail: 'Contact (q parameter is not a qvalue 0…1)' };
    // RFC 3261 §10.3 step 7: the contact's expires parameter, else the Expires header, else the registrar's choice.
    const asked = own ?? header ?? limits.defaultExpires;
    if (asked > 0 && asked < limits.minExpires) {
      return { ok: false, cause: 'interval-too-brief', detail: `${asked} s asked, at least ${limits.minExpires} s`, minExpires: limits.minExpires };
    }
    bindings.push({ contact: c.uri, q, expires: Math.min(asked, limits.maxExpires) });
  }
  return { ok: true, kind: 'bindings', bindings };
}

/**
 * RFC 3261 §19.1.4 URI comparison, reduced to what tells two registered contacts apart:
 * scheme, user (case-sensitive), host (case-insensitive), port and transport.
 */
export function contactKey(uri: string): string {
  try {
    const u = parseUri(uri);
    const transport = (u.params.get('transport') ?? '').toLowerCase();
    return `${u.scheme}:${u.user ?? ''}@${u.host.toLowerCase()}:${u.port ?? ''};${transport}`;
  } catch {
    return uri;
  }
}

/** The address-of-record of the To URI (RFC 3261 §10.3 step 5): `sip:user@host`, host lower-cased. */
export function canonicalAor(toUri: string): { readonly aor: string; readonly user: string; readonly host: string } | undefined {
  try {
    const u = parseUri(toUri);
    if (u.scheme === 'tel' || !u.user) return undefined;
    return { aor: `sip:${u.user}@${u.host.toLowerCase()}`, user: u.user, host: u.host.toLowerCase() };
  } catch {
    return undefined;
  }
}

/** Where and how the REGISTER came: the flow later requests to its contacts go back on (RFC 5626 §4.2 spirit). */
export interface RegisterFlow {
  readonly userName: string;
  readonly callId: string;
  readonly cseq: number;
  readonly address: string;
  readonly port: number;
  readonly transport: RegistrationTransport;
  readonly connectionId: string | null;
  readonly userAgent: string | null;
}

/**
 * RFC 3261 §10.3 step 7 for every contact of the request: a binding with the same Call-ID
 * and a CSeq not higher than the stored one aborts the whole request ('out-of-order'); an
 * expiry of 0 removes the binding; any other adds or refreshes it. For `*`, the same ordering
 * check against every binding, then all are removed.
 */
export function planBindings(current: readonly Registration[], request: ContactRequest & { ok: true }, flow: RegisterFlow, nowMs: number, maxContacts = DEFAULT_REGISTRAR_LIMITS.maxContacts): RegistrationPlan<'out-of-order' | 'too-many-contacts'> {
  const stale = (b: Registration) => b.call_id === flow.callId && flow.cseq <= b.cseq;
  if (request.kind === 'fetch') return { ok: true, put: [], remove: [] };
  if (request.kind === 'remove-all') {
    if (current.some(stale)) return { ok: false, refusal: 'out-of-order' };
    return { ok: true, put: [], remove: current.map((b) => b.id) };
  }
  const put: RegistrationWrite[] = [];
  const remove: number[] = [];
  let added = 0;
  for (const wanted of request.bindings) {
    const key = contactKey(wanted.contact);
    const existing = current.find((b) => contactKey(b.contact) === key);
    if (existing && stale(existing)) return { ok: false, refusal: 'out-of-order' };
    if (wanted.expires === 0) {
      if (existing) remove.push(existing.id);
      continue;
    }
    if (!existing && !put.some((p) => contactKey(p.contact) === key)) added++;
    put.push({
      user_name: flow.userName,
      // The stored spelling stays, so a refresh that writes the host in other case updates the same row.
      contact: existing?.contact ?? wanted.contact,
      q: wanted.q,
      call_id: flow.callId,
      cseq: flow.cseq,
      expires_at_ms: nowMs + wanted.expires * 1000,
      source_address: flow.address,
      source_port: flow.port,
      transport: flow.transport,
      connection_id: flow.connectionId,
      user_agent: flow.userAgent,
    });
  }
  if (current.length - remove.length + added > maxContacts) return { ok: false, refusal: 'too-many-contacts' };
  return { ok: true, put, remove };
}

/** RFC 3261 §10.3 step 8: the 200 lists every current binding with its remaining expiry (and q). */
export function contactHeaders(bindings: readonly Registration[], nowMs: number): string[] {
  return bindings.map((b) => {
    const left = Math.max(0, Math.floor((Date.parse(b.expires_at) - nowMs) / 1000));
    return `<${b.contact}>;expires=${left}${b.q === null ? '' : `;q=${b.q}`}`;
  });
}
