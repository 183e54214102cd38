import { hiddenSlot, type Writable } from '../core/index.js';
import { sipEventOf } from '../capture/index.js';
import type { CallEvidence, SipEventEvidence } from '../diagnosis/index.js';
import { onTheWireAt, type CallRecord, type TraceEntry } from '../store/index.js';
import { tracedEvidence } from '../edge/index.js';

/**
 * A call record as evidence for the diagnosis engine (SPEC §4: the same engine serves edge
 * records). `observedUntil`: for the live record of a call still up, evidence ends now.
 * Each traced message goes through capture's conversion, the one a captured frame takes, so a
 * live call and a capture of it read the same: the edge converts its own calls' messages as
 * it traces them (tracedEvidence); a record read back from the store is parsed from its text.
 */
export function evidenceOf(record: CallRecord, observedUntil?: number): CallEvidence {
  const media = record.media as { streams?: CallEvidence['streams'] } | null;
  const leg = record.direction === 'outbound' ? 'customer' : 'carrier';
  const messages: SipEventEvidence[] = [];
  for (const t of record.trace) {
    if (t.leg !== leg) continue;
    const ev = traceEvidence(t);
    if (ev !== undefined) messages.push(ev);
  }
  // Field by field, not with keys after conditional spreads (the runtime's path, core's Writable).
  const evidence: Writable<CallEvidence> = { callId: record.sip_call_id, source: 'edge', direction: record.direction, messages, streams: media?.streams ?? [] };
  const until = record.ended_at ? Date.parse(record.ended_at) : observedUntil;
  if (until !== undefined) evidence.observedUntil = until;
  if (record.edge_cause) evidence.edgeCause = record.edge_cause;
  evidence.mediaObserved = media !== null && media !== undefined;
  return evidence;
}

/**
 * A live record is diagnosed again every refresh with the same trace entries (the recorder
 * hands out the same objects) plus a few new ones: each is converted once, not on every refresh.
 * null: the entry holds no SIP message.
 */
const CONVERTED = hiddenSlot<SipEventEvidence | null>();

/** One traced message of the caller's leg as SIP evidence (what the PBX or carrier saw of the edge). */
export function traceEvidence(t: TraceEntry): SipEventEvidence | undefined {
  let ev = tracedEvidence(t) ?? CONVERTED.get(t);
  if (ev === undefined) {
    // The recorder keeps each message as latin1 text of its bytes: back to the bytes as sent.
    ev = sipEventOf(Buffer.from(t.message, 'latin1'), { at: onTheWireAt(t), src: t.src, dst: t.dst, transport: t.transport })?.event ?? null;
    CONVERTED.set(t, ev);
  }
  return ev ?? undefined;
}
