import type { SipResolver } from '../../sip/index.js';
import type { CallTarget } from './call.js';
import type { CallRecorder } from '../record/call-record.js';
import type { RouteTarget } from './route.js';
import { resolveTarget } from './targets.js';

/**
 * From route candidates (carrier gateways, a trunk's destinations) to the call's targets: each
 * URI resolved (RFC 3263) to every address it names, the dialled number in its user part.
 */
/** Each candidate URI → where to send; an FQDN that does not resolve is skipped and noted in the timeline. */
export async function resolveAll(recorder: CallRecorder, candidates: readonly RouteTarget[], user: string, what: string, resolver?: SipResolver): Promise<{ targets: CallTarget[]; unresolved: number }> {
  const targets: CallTarget[] = [];
  let unresolved = 0;
  for (const t of candidates) {
    const r = await resolveTarget(t.uri, resolver);
    // RFC 3263 §4.3: every address of the URI (SRV targets in order) is tried in turn.
    if (r.ok) for (const hop of r.hops) targets.push({ uri: withUser(r.uri, user), hop });
    else {
      unresolved++;
      recorder.event('route', `${what} ${t.uri} skipped: ${r.detail}`);
    }
  }
  return { targets, unresolved };
}

function withUser(uri: string, user: string): string {
  // The carrier / destination URI names the host; the dialled number goes in the user part
  // unless the URI names its own (a flow endpoint such as sip:echo@…).
  if (/^sips?:[^@;>]+@/i.test(uri)) return uri;
  // Sliced, not String#replace with a `$1` pattern: that took V8's runtime path, ~0.5 % of serve's
  // SIP thread (issue 13).
  const scheme = /^sips?:/i.exec(uri);
  return scheme === null ? uri : `${scheme[0]}${user}@${uri.slice(scheme[0].length)}`;
}

