import { makeFinding } from '../catalogue.js';
import { describePosition, streamPosition, type StreamPosition } from '../capture-position.js';
import type { RtcpEvidence, RtpStreamEvidence, StreamEvidence } from '../evidence.js';
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

const routers = (n: number): string => `${n} router${n === 1 ? '' : 's'}`;

/** Where, past the capture point, a receiver's reported loss happened — from how far the receiver was. */
function afterLine(p: StreamPosition, dst: string): string {
  if (p.receiver === undefined) return `the packets were lost after the capture point, on the way to ${dst}`;
  if (p.receiver.hops === 0) {
    return `the packets were lost after the capture point, with no router between it and ${dst}: on the receiver's own link or LAN segment (Wi-Fi, a switch, its firewall) or in the receiver itself`;
  }
  return `the packets were lost after the capture point, on the ${routers(p.receiver.hops)} between it and ${dst} (downstream)`;
}

/** Where loss the capture itself counts happened: before the capture point, from how far the sender was. */
function beforeLines(s: StreamEvidence, p: StreamPosition, expected: number, confirmed: Report | undefined): string[] {
  const sender = p.sender;
  if (sender === undefined) return [];
  const lines = [`${s.src} → ${s.dst} SSRC 0x${s.ssrc.toString(16)}: the capture counts ${s.lost} lost of ${expected} (${pct(s.lost, expected)})`, describePosition(p)];
  if (confirmed) {
    lines.push(`the receiver's RTCP ${confirmed.rtcp.type} from ${confirmed.rtcp.src} at ${iso(confirmed.rtcp.at)} reports ${confirmed.cumulativeLost} lost: it missed them too, so they are not the capture's own gaps`);
  }
  if (sender.hops === 0) {
    lines.push(
      `no router lies between ${sender.host} and the capture point: not loss in the routed network upstream — the packets were lost on ${sender.host}'s own link or LAN segment (Wi-Fi, a switch), never sent by it (a media relay, SBC or gateway that forwards sequence numbers passes on loss from before it)${confirmed ? '' : ', or missed by the capture itself'}`,
    );
  } else {
    lines.push(
      `the packets were lost before the capture point: upstream, on the ${routers(sender.hops)} between ${sender.host} and it${confirmed ? '' : ' (or missed by the capture itself: a receiver report would tell)'}`,
    );
  }
  return lines;
}

/**
 * Where the capture stood, from the receivers' RTCP reports (RFC 3550 §6.4.1 cumulative number of
 * packets lost) against the RTP the capture saw, and from the IP TTLs of the stream and of what its
 * receiver sent back (how many routers lay on each side of the capture point):
 * - the receiver reports loss while the capture saw every packet of the stream → the packets were
 *   lost after the capture point, between it and the receiver (on its own segment when no router
 *   lies between them);
 * - the capture counts loss but a receiver report written after the stream's last packet says
 *   nothing was lost → the gaps are the capture's own (a dropping capture, a SPAN port that
 *   missed them), not the network's;
 * - the capture counts loss and the TTL says how far the sender was → the loss happened before the
 *   capture point, upstream (or left the sender already, when no router lies between them).
 * A stream without reports, or with reports that do not cover what the capture counted, gets no
 * RTCP verdict: the reports say what the receiver got until they were written, no more.
 */
export const capturePointRule: Rule = ({ evidence }) => {
  if (evidence.source !== 'capture') return [];
  const rtcp = evidence.rtcp ?? [];
  const out: Finding[] = [];
  for (const s of evidence.streams) {
    const reps = reportsOn(s, rtcp);
    const expected = s.expected ?? s.packets + s.lost;
    const position = s.ttl ? streamPosition(s, evidence.streams) : {};
    const where = position.sender || position.receiver ? [describePosition(position)] : [];
    if (reps.length > 0) {
      // Negative cumulative loss is duplicates (RFC 3550 A.3); the largest report is the most the receiver missed.
      const worst = reps.reduce((a, b) => (b.cumulativeLost > a.cumulativeLost ? b : a));
      const span = Math.max(s.lastAt - s.firstAt, 1);
      const sentBy = (at: number): number => Math.round(expected * Math.min(1, Math.max(0, (at - s.firstAt) / span)));
      if (s.lost === 0 && worst.cumulativeLost >= MIN_REPORTED && worst.cumulativeLost >= MIN_SHARE * sentBy(worst.rtcp.at)) {
        out.push(makeFinding('capture.loss-after-capture-point', [
          `${s.src} → ${s.dst} SSRC 0x${s.ssrc.toString(16)}: the capture saw all ${s.packets} packets (sequence numbers without a gap)`,
          `the receiver's RTCP ${worst.rtcp.type} from ${worst.rtcp.src} at ${iso(worst.rtcp.at)} reports ${worst.cumulativeLost} lost (${pct(worst.cumulativeLost, sentBy(worst.rtcp.at))} of the ~${sentBy(worst.rtcp.at)} sent by then; ${Math.round(worst.fractionLost * 100)}% in its last interval)`,
          ...where,
          afterLine(position, s.dst),
        ]));
        continue;
      }
      const last = reps[reps.length - 1];
      if (s.lost >= MIN_REPORTED && last.rtcp.at >= s.lastAt && last.cumulativeLost <= 0) {
        out.push(makeFinding('capture.loss-only-in-capture', [
          `${s.src} → ${s.dst} SSRC 0x${s.ssrc.toString(16)}: the capture counts ${s.lost} lost of ${expected} (${pct(s.lost, expected)})`,
          `the receiver's RTCP ${last.rtcp.type} from ${last.rtcp.src} at ${iso(last.rtcp.at)}, after the stream's last packet, reports ${last.cumulativeLost} lost: it got them all`,
          ...where,
          'the gaps are the capture\'s own (packets the capture point did not see or dropped), not loss in the network',
        ]));
        continue;
      }
    }
    if (s.lost >= MIN_REPORTED && s.lost >= MIN_SHARE * expected && position.sender) {
      // A receiver whose largest report counts at least half the capture's count lost them as well.
      const worst = reps.reduce<Report | undefined>((a, b) => (a === undefined || b.cumulativeLost > a.cumulativeLost ? b : a), undefined);
      const confirmed = worst !== undefined && worst.cumulativeLost >= Math.ceil(s.lost / 2) ? worst : undefined;
      out.push(makeFinding('capture.loss-before-capture-point', beforeLines(s, position, expected, confirmed)));
    }
  }
  return out;
};
