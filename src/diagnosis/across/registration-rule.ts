import { header } from '../call-facts.js';
import { hostOf } from '../address.js';
import { makeFinding } from '../catalogue.js';
import type { Finding } from '../finding.js';
import { uriUser, type AcrossRule } from './across.js';

/** What one REGISTER transaction left behind for its address-of-record (RFC 3261 §10.3). */
interface Binding {
  readonly at: number;
  readonly kind: 'registered' | 'removed' | 'refused';
  /** registered: when the binding lapses (at + expires). */
  readonly until?: number;
  readonly registrar: string;
  readonly text: string;
}

/** RFC 3261 §10.2.1.1 / §10.3 step 8: the 200 OK lists the bindings with their expires; else the Expires header. */
function grantedExpires(request: { headers?: Readonly<Record<string, readonly string[]>> }, ok: { headers?: Readonly<Record<string, readonly string[]>> }): number | undefined {
  for (const c of ok.headers?.['contact'] ?? []) {
    const m = /;\s*expires\s*=\s*(\d+)/i.exec(c);
    if (m) return Number(m[1]);
  }
  const e = header(ok as never, 'expires') ?? header(request as never, 'expires');
  if (e !== undefined && /^\s*\d+\s*$/.test(e)) return Number(e);
  for (const c of request.headers?.['contact'] ?? []) {
    const m = /;\s*expires\s*=\s*(\d+)/i.exec(c);
    if (m) return Number(m[1]);
  }
  return undefined;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Codes an INVITE gets when the called user has no reachable registration. */
const NOT_REGISTERED_CODES = new Set([404, 410, 480]);

/**
 * An INVITE answered 404/410/480 to a user whose own REGISTER in the capture was refused, removed
 * (Expires 0) or had lapsed before the INVITE: the registrar had no binding, so the call could not
 * reach the user. The registration is the fault to fix, not the call.
 */
export const registrationRule: AcrossRule = ({ calls, summaries }) => {
  const byUser = new Map<string, Binding[]>();
  calls.forEach((c, i) => {
    const sum = summaries[i];
    if (sum.method !== 'REGISTER') return;
    for (const q of c.messages) {
      if (q.kind !== 'request' || q.method !== 'REGISTER') continue;
      const user = uriUser(q.to);
      if (!user) continue;
      const final = c.messages.find((m) => m.kind === 'response' && m.method === 'REGISTER' && m.cseq === q.cseq && m.status !== undefined && m.status >= 200);
      if (!final || final.status === undefined) continue;
      let b: Binding | undefined;
      if (final.status < 300) {
        const expires = grantedExpires(q, final);
        b = expires === 0
          ? { at: final.at, kind: 'removed', registrar: q.dst, text: `REGISTER for ${user} from ${q.src} at ${iso(q.at)} removed the binding (Expires 0), answered ${final.status}` }
          : { at: final.at, kind: 'registered', until: expires === undefined ? undefined : final.at + expires * 1000, registrar: q.dst,
              text: `REGISTER for ${user} from ${q.src} at ${iso(q.at)} answered ${final.status}${expires === undefined ? '' : `, binding for ${expires} s (until ${iso(final.at + expires * 1000)})`}` };
      } else if (final.status !== 401 && final.status !== 407) {
        b = { at: final.at, kind: 'refused', registrar: q.dst, text: `REGISTER for ${user} from ${q.src} at ${iso(q.at)} refused: ${final.status}${final.reason ? ` ${final.reason}` : ''}` };
      } else if (!c.messages.some((m) => m.kind === 'request' && m.method === 'REGISTER' && m.cseq > q.cseq)) {
        b = { at: final.at, kind: 'refused', registrar: q.dst, text: `REGISTER for ${user} from ${q.src} at ${iso(q.at)} challenged ${final.status} and never sent again with credentials` };
      }
      if (!b) continue;
      const list = byUser.get(user);
      if (list) list.push(b);
      else byUser.set(user, [b]);
    }
  });
  if (byUser.size === 0) return {};
  for (const list of byUser.values()) list.sort((a, b) => a.at - b.at);
  const out: (readonly [string, Finding])[] = [];
  calls.forEach((c, i) => {
    const sum = summaries[i];
    if (sum.method !== 'INVITE' || sum.finalCode === undefined || !NOT_REGISTERED_CODES.has(sum.finalCode) || !sum.request || !sum.final) return;
    const user = uriUser(sum.request.requestUri) ?? uriUser(sum.request.to);
    const bindings = user ? byUser.get(user) : undefined;
    if (!user || !bindings) return;
    const inviteHost = hostOf(sum.request.dst);
    // The registrar the INVITE reached (or that user's registrar, whichever the capture shows).
    const before = bindings.filter((b) => b.at <= sum.request!.at && (hostOf(b.registrar) === inviteHost || bindings.every((x) => hostOf(x.registrar) !== inviteHost)));
    const last = before[before.length - 1];
    if (!last) return;
    const lapsed = last.kind === 'registered' && last.until !== undefined && last.until < sum.request.at;
    if (last.kind === 'registered' && !lapsed) return;
    const why = last.kind === 'refused'
      ? 'its registration was refused, so the registrar holds no binding for it'
      : last.kind === 'removed'
        ? 'it had unregistered'
        : `its binding had expired ${((sum.request.at - (last.until ?? 0)) / 1000).toFixed(1)} s before the INVITE, with no refresh seen`;
    out.push([c.callId, makeFinding('register.callee-not-registered', [
      `INVITE to ${user} from ${sum.request.src} at ${iso(sum.request.at)} answered ${sum.final.status}${sum.final.reason ? ` ${sum.final.reason}` : ''} by ${sum.final.src}`,
      last.text,
      `${user} could not be reached because ${why}`,
    ], { code: sum.finalCode })]);
  });
  return { perCall: out };
};
