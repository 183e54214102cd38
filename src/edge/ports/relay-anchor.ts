import { join } from 'node:path';
import { systemClock, type Clock } from '../../core/index.js';
import { holdState, mediaEndpoint, parseSdpToChange, reduceCodecsInPlace, rewriteForRelayInPlace, shareParsedSdp } from '../../sdp/index.js';
import { formatAddress, type LegName, type MediaRelay, type MediaSession, type MediaSessionStats } from '../../media/index.js';
import type { Role } from '../call/call.js';
import type { CallSide, MediaAnchor, MediaAnchorFactory, MediaEventKind, RecordingInfo, SipDatagram } from './media-anchor.js';
import { MediaSeries, type MediaSeriesView } from '../record/media-series.js';

/**
 * How long a call's pcap stays open after its media ended: the edge relays the BYE before the
 * far side answers it, so the last 200 OK (and any retransmission within 4×T1 on a lossy path)
 * would otherwise be missing from the recording.
 */
const RECORDING_TAIL_MS = 2000;

/**
 * Media anchoring on the relay (SPEC §3, issue 7 item 1): relay leg A faces the customer, leg
 * B the carrier. An SDP from one side tells the relay where that side wants media
 * (setRemote) and is rewritten so the other side sends to the relay's socket facing it.
 * Re-INVITE/UPDATE go through the same path (new ports re-open the latch; hold pauses timeouts).
 */
export class RelayAnchor implements MediaAnchor {
  readonly #session: MediaSession;
  readonly #legOfA: LegName;
  readonly #pcapPath: string | undefined;
  readonly #addressFor: ((peer: string) => string) | undefined;
  #closedStats: unknown;
  #recording: { startedAt: number; packets: number; bytes: number; active: boolean } | undefined;
  readonly #series = new MediaSeries();
  readonly #clock: Clock;

  /**
   * `pcapPath`: where this call's recording goes when asked for (none: the call cannot be recorded).
   * `addressFor`: the relay's address facing a peer (none: the relay's one address for every leg).
   */
  constructor(session: MediaSession, aRole: Role, pcapPath?: string, clock: Clock = systemClock, addressFor?: (peer: string) => string) {
    this.#session = session;
    this.#legOfA = aRole === 'customer' ? 'A' : 'B';
    this.#pcapPath = pcapPath;
    this.#clock = clock;
    this.#addressFor = addressFor;
  }

  facing(side: CallSide, peer: string): void {
    if (this.#addressFor) this.#session.advertise(this.#leg(side), this.#addressFor(peer));
  }

  /** One sample of each direction's counters, taken at each live refresh and at the close. */
  #sample(s: MediaSessionStats): MediaSeriesView | undefined {
    const totals = (d: MediaSessionStats['directions']['aToB']) => ({ packets: d.stream.packets, lost: d.stream.lost, jitterMs: d.stream.jitterMs });
    this.#series.add(this.#clock.now(), totals(s.directions.aToB), totals(s.directions.bToA));
    return this.#series.view();
  }

  startRecording(at: number): void {
    if (this.#recording || this.#pcapPath === undefined || this.#closedStats !== undefined) return;
    this.#session.startRecording(this.#pcapPath);
    this.#recording = { startedAt: at, packets: 0, bytes: 0, active: true };
  }

  recordSip(m: SipDatagram): void {
    if (this.#recording?.active) this.#session.recordSip(m);
  }

  async recording(): Promise<RecordingInfo | undefined> {
    const r = this.#recording;
    if (!r || this.#pcapPath === undefined) return undefined;
    if (r.active) {
      const now = (await this.#session.statsAsync()).recording;
      if (now && r.active) Object.assign(r, { packets: now.packets, bytes: now.bytes ?? r.bytes });
    }
    return { path: this.#pcapPath, ...r };
  }

  #leg(side: CallSide): LegName {
    return side === 'a' ? this.#legOfA : this.#legOfA === 'A' ? 'B' : 'A';
  }

  /**
   * One parse per body (issue 13: an offer was parsed, reduced, written, parsed again, copied,
   * rewritten and written): the object is reduced and rewritten where it is, written once, and
   * handed on to the readers of the text written (the evidence summary of the traced message).
   */
  rewrite(from: CallSide, sdp: string, kind: 'offer' | 'answer'): string {
    const parsed = parseSdpToChange(sdp);
    if (kind === 'offer') reduceCodecsInPlace(parsed);
    const fromLeg = this.#leg(from);
    const toLeg: LegName = fromLeg === 'A' ? 'B' : 'A';
    const audioIndex = parsed.media.findIndex((m) => m.type === 'audio' && m.port !== 0);
    const endpoint = mediaEndpoint(parsed, audioIndex);
    if (endpoint) this.#session.setRemote(fromLeg, endpoint);
    if (audioIndex >= 0) this.#session.setHold(holdState(parsed, audioIndex).held);
    const info = toLeg === 'A' ? this.#session.legA : this.#session.legB;
    const text = rewriteForRelayInPlace(parsed, {
      address: info.localAddress,
      media: parsed.media.map((_m, i) => (i === audioIndex ? { rtpPort: info.rtpPort, rtcpPort: info.rtcpPort } : null)),
    }, sdp);
    shareParsedSdp(text, parsed);
    return text;
  }

  answered(): void {
    this.#session.answered();
  }

  close(): unknown {
    if (this.#closedStats !== undefined) return this.#closedStats;
    const s: MediaSessionStats = this.#session.stats();
    const rec = this.#recording;
    if (rec && s.recording) Object.assign(rec, { packets: s.recording.packets, bytes: s.recording.bytes ?? rec.bytes });
    if (rec) this.#session.once('recorded', () => (rec.active = false));
    void this.#session.close('call ended', RECORDING_TAIL_MS);
    this.#closedStats = mediaSummary(s, this.#legOfA, rec, this.#sample(s));
    return this.#closedStats;
  }

  /** The record's media while the call is up: the same shape as close(), from statsAsync (worker or native engines answer later). */
  async live(): Promise<unknown> {
    if (this.#closedStats !== undefined) return this.#closedStats;
    const s = await this.#session.statsAsync();
    const rec = this.#recording;
    if (this.#closedStats !== undefined) return this.#closedStats;
    return mediaSummary(s, this.#legOfA, rec && { startedAt: rec.startedAt, packets: s.recording?.packets ?? rec.packets }, this.#sample(s));
  }

  onMediaEvent(listener: (kind: MediaEventKind) => void): void {
    for (const kind of MEDIA_EVENTS) this.#session.on(kind, () => listener(kind));
  }
}

const MEDIA_EVENTS = ['latch', 'flow', 'drop', 'timeout'] as const;

/** What the call record keeps of the relay's statistics (GET …/calls/{call_sid} shows it; the diagnosis reads `streams`). */
function mediaSummary(s: MediaSessionStats, legOfA: LegName, rec: { readonly startedAt: number; readonly packets: number } | undefined, series: MediaSeriesView | undefined) {
  return {
    legs: s.legs,
    held: s.held,
    timed_out: s.timedOut,
    directions: {
      customer_to_carrier: summarise(s.directions.aToB),
      carrier_to_customer: summarise(s.directions.bToA),
    },
    streams: streamsSeenBy(s, legOfA),
    // Samples [ms since the first, packets, lost, jitter ms] per direction, for charts over time.
    ...(series ? { series } : {}),
    ...(rec ? { recording: { started_at: new Date(rec.startedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'), packets: rec.packets } } : {}),
  };
}

function summarise(d: MediaSessionStats['directions']['aToB']) {
  const st = d.stream;
  return {
    packets: st.packets, bytes: st.bytes, lost: st.lost, jitter_ms: st.jitterMs, max_gap_ms: st.maxGapMs,
    first_at: st.packets ? new Date(st.firstAt).toISOString() : null, last_at: st.packets ? new Date(st.lastAt).toISOString() : null,
    ssrc_changes: st.ssrcChanges, forwarded: d.forwardedPackets, drops: d.drops, source: d.source ?? null, sdp_address: d.sdpAddress ?? null,
  };
}

/**
 * The call's RTP streams as seen on the leg of side a (the INVITE's sender), whose SIP the
 * diagnosis reads: the stream relayed from the far side leaves the relay's socket on this leg
 * towards the peer, so that is its src/dst there. Left as the relay received it, its addresses
 * would be the far leg's, which this leg's SDP never named, and the rules could not tell the
 * two directions apart (one-way audio would be missed or invented).
 */
function streamsSeenBy(s: MediaSessionStats, near: LegName): MediaSessionStats['streams'] {
  const nearInfo = near === 'A' ? s.legs.A : s.legs.B;
  const nearDir = near === 'A' ? s.directions.aToB : s.directions.bToA;
  const nearSocket = formatAddress(nearInfo.localAddress, nearInfo.rtpPort);
  const peer = nearDir.source ?? nearDir.sdpAddress;
  return s.streams.map((st) => {
    if (st.dst === nearSocket || !peer) return st;
    // The far leg's SDP address and latching concern the other leg's SIP, not this one.
    const { sdpAddress: _sdp, latched: _latched, ...rest } = st;
    return { ...rest, src: nearSocket, dst: peer };
  });
}

/**
 * Anchors every call on `relay`; `rtpTimeoutMs` ends a call whose media stops both ways;
 * with `recordingsDir`, a call can be recorded to `<recordingsDir>/<call_sid>.pcap`.
 */
export function relayMedia(relay: MediaRelay, options: { rtpTimeoutMs?: number; recordingsDir?: string; clock?: Clock; addressFor?: (peer: string) => string } = {}): MediaAnchorFactory {
  return {
    async create(callSid, aRole, onTimeout, perCall = {}) {
      // The trunk's rtp_timeout setting wins over the factory's, which wins over the relay's default.
      const rtpTimeoutMs = perCall.rtpTimeoutMs ?? options.rtpTimeoutMs;
      const session = await relay.createSession(callSid, rtpTimeoutMs === undefined ? {} : { rtpTimeoutMs });
      session.on('timeout', (ev) => onTimeout(`RTP timeout: no media for ${Math.round(ev.silentMs)} ms`));
      return new RelayAnchor(session, aRole, options.recordingsDir === undefined ? undefined : join(options.recordingsDir, `${callSid}.pcap`), options.clock, options.addressFor);
    },
  };
}
