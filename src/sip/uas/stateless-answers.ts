import { newTag } from '../../core/index.js';
import { createResponse, type SipRequest, type SipResponse } from '../message/message.js';

/** What this element accepts, for the answers RFC 3261 §8.2 and §11 require of a UAS. */
export interface UasPolicy {
  /** Methods accepted here; listed in Allow (RFC 3261 §20.5). */
  readonly allow: readonly string[];
  /** Methods this element recognises; a recognised method outside `allow` gets 405, any other 501. */
  readonly known?: readonly string[];
  /** Option tags we support (RFC 3261 §20.37); a Require outside this list gets 420. */
  readonly supported: readonly string[];
  /** Body types accepted (RFC 3261 §20.1). */
  readonly accept: readonly string[];
  readonly acceptEncoding?: readonly string[];
  readonly acceptLanguage?: readonly string[];
  /** True when host:port is one of our own listening addresses: a Via naming us means a loop. */
  readonly isLocal?: (host: string, port: number) => boolean;
  /** Server header value (RFC 3261 §20.35). */
  readonly server?: string;
}

/** RFC 3261 §27.4 and the methods of the extensions a trunk meets. */
export const KNOWN_METHODS: readonly string[] = Object.freeze([
  'INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE',
]);

export interface StatelessAnswer {
  readonly response: SipResponse;
  /** Why, in words, for the log line and the call record. */
  readonly why: string;
}

function answer(request: SipRequest, status: number, reason: string, headers: [string, string][], why: string, policy: UasPolicy): StatelessAnswer {
  if (policy.server) headers.push(['Server', policy.server]);
  // RFC 3261 §8.2.6.2: a UAS adds a To tag to every response but 100 when the request had none.
  return { response: createResponse(request, status, reason, { toTag: newTag(), headers }), why };
}

/**
 * The checks of RFC 3261 §8.2 a UAS makes before the request reaches the application, in the
 * RFC's order: method (§8.2.1: 501, 405 + Allow), Max-Forwards (§16.3 step 3: 483; OPTIONS is
 * answered as the final recipient, as §16.3 allows), loop (§16.3 step 4 / §8.2.2.2: 482 when a Via
 * names us), extensions (§8.2.2.3: 420 + Unsupported, never for ACK or CANCEL). Returns the answer,
 * or undefined when the request may go on. Content-Type (415) is left to the application, which
 * explains it with a finding.
 */
export function checkRequest(request: SipRequest, policy: UasPolicy): StatelessAnswer | undefined {
  const method = request.method;
  if (method === 'ACK') return undefined;
  const allow = policy.allow.join(', ');
  const known = policy.known ?? KNOWN_METHODS;
  if (!policy.allow.includes(method)) {
    if (!known.includes(method)) return answer(request, 501, 'Not Implemented', [['Allow', allow]], `method ${method} is not implemented`, policy);
    return answer(request, 405, 'Method Not Allowed', [['Allow', allow]], `method ${method} is not allowed here`, policy);
  }
  const mf = request.headers.maxForwards();
  if (mf === 0 && method !== 'OPTIONS') return answer(request, 483, 'Too Many Hops', [], 'Max-Forwards reached 0', policy);
  if (policy.isLocal) {
    // The top Via is the sender's; any Via below naming us means the request went out and came back.
    const vias = request.headers.via();
    for (const via of vias.slice(1)) {
      if (policy.isLocal(via.host, via.port ?? (via.transport === 'TLS' ? 5061 : 5060))) {
        return answer(request, 482, 'Loop Detected', [], `the request already passed through ${via.host}:${via.port ?? ''}`, policy);
      }
    }
  }
  if (method !== 'CANCEL') {
    const required = request.headers.getAll('Require').map((t) => t.trim()).filter(Boolean);
    const unsupported = required.filter((t) => !policy.supported.some((s) => s.toLowerCase() === t.toLowerCase()));
    if (unsupported.length) {
      return answer(request, 420, 'Bad Extension', [['Unsupported', unsupported.join(', ')]], `unsupported extension ${unsupported.join(', ')}`, policy);
    }
  }
  return undefined;
}

/** RFC 3261 §11.2: the 200 to OPTIONS lists Allow, Accept, Accept-Encoding, Accept-Language, Supported. */
export function answerOptions(request: SipRequest, policy: UasPolicy): SipResponse {
  const headers: [string, string][] = [
    ['Allow', policy.allow.join(', ')],
    ['Accept', policy.accept.join(', ')],
    ['Accept-Encoding', (policy.acceptEncoding ?? ['identity']).join(', ')],
    ['Accept-Language', (policy.acceptLanguage ?? ['en']).join(', ')],
  ];
  if (policy.supported.length) headers.push(['Supported', policy.supported.join(', ')]);
  return answer(request, 200, 'OK', headers, 'OPTIONS', policy).response;
}
