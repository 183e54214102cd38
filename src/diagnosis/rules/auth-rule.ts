import { makeFinding } from '../catalogue.js';
import { AUTH_RETRY_MS, header } from '../call-facts.js';
import type { SipEventEvidence } from '../evidence.js';
import type { Finding } from '../finding.js';
import type { Rule, RuleContext } from './rule.js';

interface Attempt {
  readonly request: SipEventEvidence;
  readonly credentials?: string;
  readonly final?: SipEventEvidence;
}

function param(value: string | undefined, name: string): string | undefined {
  return value ? new RegExp(`${name}\\s*=\\s*"?([^",]*)"?`, 'i').exec(value)?.[1] : undefined;
}

/** The caller's attempts of the opening request, one per CSeq (retransmissions folded), with their final answer. */
export function attempts({ evidence, summary }: RuleContext): Attempt[] {
  const out = new Map<number, Attempt>();
  for (const m of evidence.messages) {
    if (m.kind !== 'request' || m.method !== summary.method || m.src !== summary.caller || out.has(m.cseq)) continue;
    const credentials = header(m, 'authorization') ?? header(m, 'proxy-authorization');
    const final = evidence.messages.find((r) => r.kind === 'response' && r.method === m.method && r.cseq === m.cseq && (r.status ?? 0) >= 200);
    out.set(m.cseq, { request: m, ...(credentials ? { credentials } : {}), ...(final ? { final } : {}) });
  }
  return [...out.values()];
}

const isChallenge = (m: SipEventEvidence | undefined) => m?.status === 401 || m?.status === 407;

function challengeText(m: SipEventEvidence): string {
  const c = header(m, m.status === 407 ? 'proxy-authenticate' : 'www-authenticate');
  const realm = param(c, 'realm');
  const stale = /stale\s*=\s*"?true/i.test(c ?? '');
  return `${m.status} ${m.reason ?? ''}`.trim() + `${realm ? ` realm "${realm}"` : ''}${stale ? ' stale=true' : ''}`;
}

/** RFC 3261 §22.2 / RFC 7616 §3.3: challenge, retry with credentials; a second challenge (not stale) means they are wrong. */
export const authRule: Rule = (ctx) => {
  const list = attempts(ctx);
  const lines: string[] = [];
  let wrong = 0;
  let lastChallenge: SipEventEvidence | undefined;
  for (const a of list) {
    const user = param(a.credentials, 'username');
    const what = `${a.request.method} CSeq ${a.request.cseq}${a.credentials ? ` with credentials${user ? ` for user "${user}"` : ''}` : ' without credentials'}`;
    if (!a.final) continue;
    lines.push(`${what} → ${isChallenge(a.final) ? challengeText(a.final) : `${a.final.status} ${a.final.reason ?? ''}`.trim()}`);
    if (isChallenge(a.final)) {
      lastChallenge = a.final;
      const stale = /stale\s*=\s*"?true/i.test(header(a.final, a.final.status === 407 ? 'proxy-authenticate' : 'www-authenticate') ?? '');
      if (a.credentials && !stale) wrong++;
    }
  }
  const out: Finding[] = [];
  const last = list[list.length - 1];
  // A later attempt with credentials that succeeded proves them right: the extra challenge was a nonce refresh.
  const accepted = list.some((a) => a.credentials && a.final && a.final.status! >= 200 && a.final.status! < 300);
  if (wrong > 0 && lastChallenge && !accepted) {
    out.push(makeFinding('auth.credentials-loop', [...lines, `challenged ${wrong} time(s) after sending credentials`], { code: lastChallenge.status }));
  } else if (last?.final?.status === 403 && last.credentials && list.some((a) => isChallenge(a.final))) {
    out.push(makeFinding('auth.wrong-credentials', [...lines, '403 Forbidden answered the credentials'], { code: 403 }));
  } else if (last && isChallenge(last.final) && !last.credentials && !list.some((a) => a.credentials)) {
    // A capture that ends right after the challenge may not show the retry yet.
    const until = ctx.evidence.observedUntil;
    if (until === undefined || until - last.final!.at >= AUTH_RETRY_MS) {
      out.push(makeFinding('auth.challenge-unanswered', [...lines, `no retry with credentials followed the ${last.final!.status}`], { code: last.final!.status }));
    }
  }
  return out;
};
