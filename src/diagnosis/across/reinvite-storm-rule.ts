import { header } from '../call-facts.js';
import { makeFinding } from '../catalogue.js';
import type { SipEventEvidence } from '../evidence.js';
import type { Finding } from '../finding.js';
import type { AcrossRule } from './across.js';

/**
 * A storm: this many re-INVITEs in one dialog within the window. Hold/resume, direct media and a
 * T.38 switch make two to six spread over a call (the corpus's busiest dialog, a fax, has six
 * over 40 s); a glare loop or a runaway session refresh makes them back to back.
 */
const STORM_COUNT = 5;
const STORM_WINDOW_MS = 10_000;
/** The dialog must end (BYE, or a re-INVITE refused for good) this soon after the storm's last re-INVITE. */
const ENDED_WITHIN_MS = 10_000;
/** Final answers to a re-INVITE that end the dialog or mean it is gone (RFC 3261 §12.2.1.2, §14.1). */
const FATAL = (s: number): boolean => s === 408 || s === 481 || (s >= 500 && s !== 503) || s === 403;

const iso = (ms: number): string => new Date(ms).toISOString();

interface ReInvite {
  readonly q: SipEventEvidence;
  readonly final?: SipEventEvidence;
}

/**
 * Calls failing after a re-INVITE storm: a dialog whose re-INVITEs come back to back (a glare loop
 * of 491 Request Pending where both sides retry at once instead of waiting the random 2.1–4 s /
 * 0–2 s of RFC 3261 §14.1, or a session refresh that fires again and again) and that then ends —
 * a BYE, or a re-INVITE refused with 408/481/5xx. The storm is why the call was lost, whatever the
 * BYE's own reason says. A storm with the dialog still up when the capture ended is not reported:
 * a cut-off capture is not a failed call.
 */
export const reinviteStormRule: AcrossRule = ({ calls, summaries }) => {
  const out: (readonly [string, Finding])[] = [];
  calls.forEach((c, i) => {
    const sum = summaries[i];
    if (sum.method !== 'INVITE' || sum.answerAt === undefined) return;
    // Cheap test first: most dialogs hold one INVITE transaction.
    let inDialog = 0;
    for (const m of c.messages) if (m.kind === 'request' && m.method === 'INVITE' && m.toTag) inDialog++;
    if (inDialog < STORM_COUNT) return;
    const reinvites: ReInvite[] = [];
    const seen = new Set<string>();
    for (const q of c.messages) {
      if (q.kind !== 'request' || q.method !== 'INVITE' || !q.toTag) continue;
      const key = `${q.src} ${q.cseq}`;
      if (seen.has(key)) continue; // a retransmission
      seen.add(key);
      const final = c.messages.find((m) => m.kind === 'response' && m.method === 'INVITE' && m.cseq === q.cseq && m.dst === q.src && m.status !== undefined && m.status >= 200 && m.at >= q.at);
      reinvites.push(final ? { q, final } : { q });
    }
    // The densest window of STORM_WINDOW_MS (re-INVITEs are in time order).
    let best: [number, number] = [0, -1];
    for (let lo = 0, hi = 0; hi < reinvites.length; hi++) {
      while (reinvites[hi].q.at - reinvites[lo].q.at > STORM_WINDOW_MS) lo++;
      if (hi - lo > best[1] - best[0]) best = [lo, hi];
    }
    const storm = reinvites.slice(best[0], best[1] + 1);
    if (storm.length < STORM_COUNT) return;
    const first = storm[0].q;
    const last = storm[storm.length - 1].q;
    const bye = c.messages.find((m) => m.kind === 'request' && m.method === 'BYE' && m.at >= first.at);
    const refused = reinvites.find((r) => r.q.at >= first.at && r.final?.status !== undefined && FATAL(r.final.status));
    const endAt = Math.min(bye?.at ?? Infinity, refused?.final?.at ?? Infinity);
    if (!Number.isFinite(endAt) || endAt - last.at > ENDED_WITHIN_MS) return;
    const glare = storm.filter((r) => r.final?.status === 491);
    const senders = [...new Set(storm.map((r) => r.q.src))];
    const codes = new Map<string, number>();
    for (const r of storm) {
      const k = r.final ? `${r.final.status}` : 'no answer';
      codes.set(k, (codes.get(k) ?? 0) + 1);
    }
    const spanS = (last.at - first.at) / 1000;
    const gaps = storm.slice(1).map((r, k) => r.q.at - storm[k].q.at).sort((a, b) => a - b);
    const medianGap = gaps[Math.floor(gaps.length / 2)];
    const reason = bye ? header(bye, 'reason') : undefined;
    const evidence = [
      `${storm.length} re-INVITEs in the dialog between ${iso(first.at)} and ${iso(last.at)} (${spanS.toFixed(1)} s, median ${Math.round(medianGap)} ms apart) from ${senders.join(' and ')}; answered ${[...codes].map(([k, n]) => `${k} ×${n}`).join(', ')}`,
      glare.length
        ? `${glare.length} answered 491 Request Pending: glare, both sides re-INVITEing at once and retrying without the random wait of RFC 3261 §14.1 (2.1–4 s for the Call-ID's owner, 0–2 s for the other)`
        : `none answered 491: the re-INVITEs come from one side again and again (a session refresh or media update in a loop)`,
      refused && (refused.final?.at ?? Infinity) <= (bye?.at ?? Infinity)
        ? `then the re-INVITE CSeq ${refused.q.cseq} was answered ${refused.final?.status} ${refused.final?.reason ?? ''} at ${iso(refused.final?.at ?? 0)}: the dialog is lost`.replace(' :', ':')
        : `then BYE from ${bye?.src} at ${iso(bye?.at ?? 0)}, ${((endAt - last.at) / 1000).toFixed(1)} s after the last re-INVITE${reason ? ` (Reason: ${reason})` : ''}`,
    ];
    out.push([c.callId, makeFinding('dialog.reinvite-storm', evidence)]);
  });
  return { perCall: out };
};
