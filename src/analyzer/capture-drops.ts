/**
 * Where the capture stood, from the capture's own counters: a pcapng file whose Interface
 * Statistics Blocks say the interface or the capturing software dropped packets (isb_ifdrop +
 * isb_osdrop) missed traffic that was on the wire. Gaps and loss counted in that file may be the
 * capture's, not the network's: a finding for the capture, naming the streams whose loss it puts in doubt.
 */
import type { CaptureSummary } from '../capture/index.js';
import { makeFinding, type AcrossFinding, type CallEvidence } from '../diagnosis/index.js';

const fileOf = (m: CallEvidence['messages'][number]): unknown => (m as { readonly file?: unknown }).file;

export function captureDropFindings(calls: readonly CallEvidence[], summary: CaptureSummary): AcrossFinding[] {
  const out: AcrossFinding[] = [];
  summary.files.forEach((f, i) => {
    if (!f.droppedByCapture) return;
    const lossy = calls.filter((c) => c.streams.some((s) => s.lost > 0) && c.messages.some((m) => fileOf(m) === i));
    const streams = lossy.flatMap((c) => c.streams.filter((s) => s.lost > 0).map((s) => `${s.src} → ${s.dst} (${s.lost} lost)`));
    const share = f.packets > 0 ? ` — ${((100 * f.droppedByCapture) / (f.packets + f.droppedByCapture)).toFixed(1)}% of what crossed the interface` : '';
    out.push({
      finding: makeFinding('capture.dropped-packets', [
        `${f.name}: the capture itself dropped ${f.droppedByCapture} packets (pcapng interface statistics, isb_ifdrop + isb_osdrop) while it wrote ${f.packets}${share}`,
        streams.length
          ? `RTP loss counted in this file may be the capture's, not the network's: ${streams.slice(0, 6).join(', ')}${streams.length > 6 ? `, and ${streams.length - 6} more` : ''}`
          : 'no RTP stream in this file shows loss; missing SIP messages (a request with no answer) may still be the capture\'s',
      ]),
      callIds: lossy.map((c) => c.callId),
    });
  });
  return out;
}
