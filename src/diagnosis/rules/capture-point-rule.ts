import { makeFinding } from '../catalogue.js';
import type { RtcpEvidence, RtpStreamEvidence } from '../evidence.js';
import type { Finding } from '../finding.js';
import type { Rule } from './rule.js';

/** Reported loss this small (packets) is not told apart from reordering at the receiver. */
const MIN_REPORTED = 5;
/** …nor below this share of what had been sent when the report was written. */
const MIN_SHARE = 0.01;

const iso = (ms: number): string => new Date(ms).toISOString();
const pct = (n: number, of: number): string => `${((100 * n) / Math.max(of, 1)).toFixed(1)}%`;

interface Report {
  readonly rtcp: RtcpEvidence;
  readonly cumulativeLost: number;
  readonly fractionLost: number;
}

/** The receivers' report blocks about one stream (RFC 3550 §6.4.1: the block names the SSRC it reports on), in time order. */
function reportsOn(s: RtpStreamEvidence, rtcp: readonly RtcpEvidence[]): Report[] {
  const out: Report[] = [];
  for (const r of rtcp) {
    // A report from the stream's own sender is not a receiver's.
    if (r.ssrc === s.ssrc) continue;
    for (const b of r.reports) if (b.ssrc === s.ssrc) out.push({ rtcp: r, cumulativeLost: b.cumulativeLost, fractionLost: b.fractionLost });
  }
  return out.sort((a, b) => a.rtcp.at - b.rtcp.at);
}

/**
 * Where the capture stood, from the receivers' RTCP reports (RFC 3550 §6.4.1 cumulative number of
 * packets lost) against the RTP the capture saw:
 * - the receiver reports loss while the capture saw every packet of the stream → the packets were
 *   lost after the capture point, between it and the receiver;
 * - the capture counts loss but a receiver report written after the stream's last packet says
 *   nothing was lost → the gaps are the capture's own (a dropping capture, a SPAN port that
 *   missed them), not the network's.
 * A stream without reports, or with reports that do not cover what the capture counted, gets
 * nothing: the reports say what the receiver got until they were written, no more.
 */
export const capturePointRule: Rule = ({ evidence }) => {
  const rtcp = evidence.rtcp;
  if (!rtcp?.length || evidence.source !== 'capture') return [];
  const out: Finding[] = [];
  for (const s of evidence.streams) {
    const reps = reportsOn(s, rtcp);
    if (reps.length === 0) continue;
    const expected = s.expected ?? s.packets + s.lost;
    // Negative cumulative loss is duplicates (RFC 3550 A.3); the largest report is the most the receiver missed.
    const worst = reps.reduce((a, b) => (b.cumulativeLost > a.cumulativeLost ? b : a));
    const span = Math.max(s.lastAt - s.firstAt, 1);
    const sentBy = (at: number): number => Math.round(expected * Math.min(1, Math.max(0, (at - s.firstAt) / span)));
    if (s.lost === 0 && worst.cumulativeLost >= MIN_REPORTED && worst.cumulativeLost >= MIN_SHARE * sentBy(worst.rtcp.at)) {
      out.push(makeFinding('capture.loss-after-capture-point', [
        `${s.src} → ${s.dst} SSRC 0x${s.ssrc.toString(16)}: the capture saw all ${s.packets} packets (sequence numbers without a gap)`,
        `the receiver's RTCP ${worst.rtcp.type} from ${worst.rtcp.src} at ${iso(worst.rtcp.at)} reports ${worst.cumulativeLost} lost (${pct(worst.cumulativeLost, sentBy(worst.rtcp.at))} of the ~${sentBy(worst.rtcp.at)} sent by then; ${Math.round(worst.fractionLost * 100)}% in its last interval)`,
        `the packets were lost after the capture point, on the way to ${s.dst}`,
      ]));
      continue;
    }
    const last = reps[reps.length - 1];
    if (s.lost >= MIN_REPORTED && last.rtcp.at >= s.lastAt && last.cumulativeLost <= 0) {
      out.push(makeFinding('capture.loss-only-in-capture', [
        `${s.src} → ${s.dst} SSRC 0x${s.ssrc.toString(16)}: the capture counts ${s.lost} lost of ${expected} (${pct(s.lost, expected)})`,
        `the receiver's RTCP ${last.rtcp.type} from ${last.rtcp.src} at ${iso(last.rtcp.at)}, after the stream's last packet, reports ${last.cumulativeLost} lost: it got them all`,
        'the gaps are the capture\'s own (packets the capture point did not see or dropped), not loss in the network',
      ]));
    }
  }
  return out;
};
