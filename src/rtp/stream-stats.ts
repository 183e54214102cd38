// Per-direction RTP statistics: RFC 3550 A.1 (sequence validation, extended sequence and
// cycles), A.3 (expected and lost), A.8 (interarrival jitter), plus what the guide's media
// section needs (gaps, SSRC changes, comfort noise, silence inside flowing RTP). Fed one
// packet at a time; allocates nothing per packet (the relay runs it at 100 000+ packets/s).
import { TrunklineError } from '../core/index.js';
import type { RtpErrorCode } from './errors.js';
import { DEFAULT_SILENCE_DBFS, g711FramePower } from './g711.js';
import { PT_COMFORT_NOISE, staticPayloadType, type PayloadTypeInfo } from './payload-types.js';

/** What add() reads of a packet: RtpHeader and RtpHeaderFields both fit. */
export interface RtpPacketInfo {
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly headerLength: number;
  /** Absolute index of the payload in the packet buffer given to add(). */
  readonly payloadOffset: number;
  readonly payloadLength: number;
  readonly paddingLength: number;
}

export interface RtpStreamStatsOptions {
  readonly src: string;
  readonly dst: string;
  /** The address the SDP announced for this sender, when known. */
  readonly sdpAddress?: string;
  readonly latched?: boolean;
  /** Dynamic (or overriding) payload types from SDP a=rtpmap. */
  readonly payloadTypes?: ReadonlyMap<number, PayloadTypeInfo>;
  /** A G.711 frame whose RMS level is below this is silence. Default −50 dBFS. */
  readonly silenceThresholdDbfs?: number;
}

/**
 * One RTP stream as evidence (diagnosis reads this type as its RtpStreamEvidence): declared here,
 * below capture/ and media/ which both measure streams with RtpStreamStats, so that both emit
 * their snapshots as they are. Optional fields are the ones a hand-made or older record may lack.
 */
export interface RtpStreamEvidence {
  readonly src: string;
  readonly dst: string;
  readonly ssrc: number;
  readonly payloadType: number;
  readonly codec?: string;
  readonly packets: number;
  readonly bytes: number;
  /**
   * Packets that never arrived: sequence numbers expected (RFC 3550 A.3) and not received, each
   * counted once — duplicates do not make up for them. Never negative.
   */
  readonly lost: number;
  /**
   * RFC 3550 §6.4.1 cumulative number of packets lost, literally: expected − every packet received,
   * duplicates included, so negative when duplicates outnumber the losses (what an RTCP report
   * carries and tshark's rtp,streams prints). With lost and duplicates, it tells both apart.
   */
  readonly cumulativeLost?: number;
  readonly duplicates?: number;
  readonly reordered?: number;
  readonly jitterMs: number;
  /** Longest arrival gap not explained by silence suppression (see vadMaxGapMs). */
  readonly maxGapMs: number;
  readonly firstAt: number;
  readonly lastAt: number;
  readonly ssrcChanges: number;
  /** Comfort-noise (PT 13) packets: VAD, not loss. */
  readonly comfortNoisePackets?: number;
  /** Longest run of decoded silence inside flowing RTP, when the payload could be decoded. */
  readonly longestSilenceMs?: number;
  /** The address the SDP announced for this stream's sender, when known: differs from src → asymmetric RTP. */
  readonly sdpAddress?: string;
  /** The relay latched to src instead of sdpAddress (symmetric RTP fixed it). */
  readonly latched?: boolean;
  /** Packets the sequence numbers say were sent (RFC 3550 A.3 expected). */
  readonly expected?: number;
  /** Runs of consecutive lost sequence numbers (a gap of n is one run): with lost, the burstiness of the loss. */
  readonly lossBursts?: number;
  /** Voice packets that came later than a fixed jitter buffer of JITTER_BUFFER_MS after the earliest-arriving one would play them. */
  readonly latePackets?: number;
  /** RFC 4733 telephone events (DTMF) carried in this stream, at most MAX_EVENTS. */
  readonly events?: readonly RtpEvent[];
}

/** What RtpStreamStats measured: the evidence, every count filled in, plus what the relay and the ladder show. */
export interface RtpStreamSnapshot extends RtpStreamEvidence {
  readonly duplicates: number;
  readonly reordered: number;
  readonly comfortNoisePackets: number;
  readonly expected: number;
  readonly cumulativeLost: number;
  readonly maxJitterMs: number;
  /** When the longest unexplained gap began (ms since the epoch), if there was one. */
  readonly maxGapAt?: number;
  /** Longest gap that followed a CN packet or ended with a marker-bit talkspurt (RFC 3551 §4.1): VAD, not loss. */
  readonly vadMaxGapMs: number;
  readonly markerPackets: number;
  readonly silentPackets: number;
  /** Packets A.1 refused as a jump of the sequence space (not yet confirmed as a restart). */
  readonly invalidSequencePackets: number;
  readonly payloadTypes: readonly { readonly pt: number; readonly encoding?: string; readonly packets: number }[];
  readonly lossBursts: number;
  readonly latePackets: number;
}

/** One RFC 4733 §2.3 named event: its first packet's arrival, code, and duration (from its last packet). */
export interface RtpEvent {
  readonly at: number;
  /** RFC 4733 §3.2 event code: 0–9 digits, 10 *, 11 #, 12–15 A–D, 16 flash. */
  readonly event: number;
  readonly durationMs: number;
  /** An end packet (E bit) was seen. */
  readonly ended: boolean;
}

/**
 * A fixed jitter buffer this deep (ms), the default of common desk phones and gateways: a packet
 * whose transit exceeds the fastest one by more is discarded by such a receiver (counted as late).
 */
export const JITTER_BUFFER_MS = 60;
const MAX_EVENTS = 100;

// RFC 3550 A.1 constants.
const RTP_SEQ_MOD = 0x10000;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
// Duplicate detection remembers this many sequence numbers behind the highest one.
const WINDOW_BITS = 1024;

/**
 * A stream's per-payload-type counts and duplicate window: six objects and ~770 bytes that every
 * relayed call made at setup, for both directions, when most never carry a packet through this
 * code (a failed or refused attempt; issue 13: what a call in progress holds is what a slow moment
 * promotes).
 */
class StreamTables {
  readonly ptCounts = new Uint32Array(128);
  /** Per PT: 0 unknown yet, 1 A-law, 2 µ-law, 3 other, 4 telephone-event (RFC 4733). */
  readonly laws = new Uint8Array(128);
  readonly seen = new Uint32Array(WINDOW_BITS / 32);
}

const NO_COUNTS: Readonly<Uint32Array> = new Uint32Array(128);

export class RtpStreamStats {
  #src: string;
  readonly #dst: string;
  #sdpAddress: string | undefined;
  #latched: boolean | undefined;
  readonly #types: ReadonlyMap<number, PayloadTypeInfo> | undefined;
  readonly #silencePower: number;

  #packets = 0;
  #bytes = 0;
  #firstAt = 0;
  #lastAt = 0;
  #firstSsrc = -1;
  #ssrc = -1;
  #ssrcChanges = 0;
  /** Made at the first packet: most streams of short or failed calls never see one (see StreamTables). */
  #tables: StreamTables | undefined;
  #mainPt = -1;
  #cn = 0;
  #markers = 0;

  // A.1 state of the current SSRC segment.
  #baseExt = 0;
  #maxSeq = 0;
  #cycles = 0;
  #badSeq = RTP_SEQ_MOD + 1;
  #received = 0;
  #lostBefore = 0;
  #expectedBefore = 0;
  #duplicates = 0;
  #reordered = 0;
  #invalid = 0;

  // A.8 state.
  #jitterMs = 0;
  #maxJitterMs = 0;
  #prevArrival = -1;
  #prevTs = 0;

  #lossBursts = 0;
  // Jitter buffer model: media time played since the segment's first voice packet, and the least transit.
  #mediaMs = 0;
  #baseArrival = -1;
  #minTransit = 0;
  #late = 0;
  readonly #events: { at: number; event: number; ts: number; durationMs: number; ended: boolean }[] = [];

  #maxGap = 0;
  #maxGapAt = -1;
  #vadGap = 0;
  #prevWasCn = false;

  #decoded = 0;
  #silent = 0;
  #runStart = -1;
  #runEnd = -1;
  #longestSilence = 0;

  constructor(options: RtpStreamStatsOptions) {
    this.#src = options.src;
    this.#dst = options.dst;
    this.#sdpAddress = options.sdpAddress;
    this.#latched = options.latched;
    this.#types = options.payloadTypes;
    const dbfs = options.silenceThresholdDbfs ?? DEFAULT_SILENCE_DBFS;
    if (!Number.isFinite(dbfs) || dbfs > 0) {
      throw new TrunklineError<RtpErrorCode>('RTP_INVALID_OPTION', `silence threshold ${dbfs} dBFS is not ≤ 0`, {
        details: { silenceThresholdDbfs: dbfs },
      });
    }
    this.#silencePower = 32768 * 32768 * Math.pow(10, dbfs / 10);
  }

  get packets(): number {
    return this.#packets;
  }
  get lastAt(): number {
    return this.#lastAt;
  }
  /** The ongoing run of silence at `nowMs` (0 when the last frame carried sound). */
  currentSilenceMs(nowMs: number): number {
    return this.#runStart < 0 ? 0 : Math.max(0, nowMs - this.#runStart);
  }

  /** A relay re-latched this stream to another source. */
  setSource(src: string, latched: boolean): void {
    this.#src = src;
    this.#latched = latched;
  }
  setSdpAddress(sdpAddress: string | undefined): void {
    this.#sdpAddress = sdpAddress;
  }

  /** RFC 4855 §3: encoding names are case-insensitive ("pcma" in the wild). Cached per PT. */
  #kind(pt: number, info: PayloadTypeInfo | undefined): number {
    const cached = this.#tables!.laws[pt];
    if (cached !== 0) return cached;
    const enc = info?.encoding.toUpperCase();
    const v = enc === 'PCMA' ? 1 : enc === 'PCMU' ? 2 : enc === 'TELEPHONE-EVENT' ? 4 : 3;
    this.#tables!.laws[pt] = v;
    return v;
  }

  /** RFC 4733 §2.3: event(8) E|R|volume(6) duration(16); one event = one RTP timestamp. */
  #event(arrivalMs: number, h: RtpPacketInfo, packet: Uint8Array, clock: number): void {
    if (h.payloadLength < 4) return;
    const o = h.payloadOffset;
    const code = packet[o];
    const ended = (packet[o + 1] & 0x80) !== 0;
    const durationMs = (((packet[o + 2] << 8) | packet[o + 3]) * 1000) / clock;
    const last = this.#events[this.#events.length - 1];
    if (last !== undefined && last.ts === h.timestamp && last.event === code) {
      if (durationMs > last.durationMs) last.durationMs = durationMs;
      last.ended ||= ended;
    } else if (this.#events.length < MAX_EVENTS) {
      this.#events.push({ at: arrivalMs, event: code, ts: h.timestamp, durationMs, ended });
    }
  }

  #info(pt: number): PayloadTypeInfo | undefined {
    return this.#types?.get(pt) ?? staticPayloadType(pt);
  }

  /** Feeds one packet: arrival time in ms, its parsed header and the buffer the header indexes. */
  add(arrivalMs: number, h: RtpPacketInfo, packet: Uint8Array): void {
    const pt = h.payloadType;
    this.#tables ??= new StreamTables();
    if (this.#packets === 0) {
      this.#firstAt = arrivalMs;
      this.#firstSsrc = h.ssrc;
      this.#ssrc = h.ssrc;
      this.#initSeq(h.sequenceNumber);
    } else if (h.ssrc !== this.#ssrc) {
      // A new synchronisation source on the same 5-tuple: its sequence space starts afresh.
      this.#ssrcChanges++;
      this.#closeSegment();
      this.#ssrc = h.ssrc;
      this.#initSeq(h.sequenceNumber);
      this.#prevArrival = -1;
      this.#baseArrival = -1;
    } else if (!this.#updateSeq(h.sequenceNumber)) {
      this.#countPacket(arrivalMs, h, pt);
      return;
    }
    this.#countPacket(arrivalMs, h, pt);
    if (pt === PT_COMFORT_NOISE) {
      this.#cn++;
      this.#extendSilence(arrivalMs, 0);
      return;
    }
    const info = this.#info(pt);
    const clock = info?.clockRate ?? 8000;
    const kind = this.#kind(pt, info);
    if (kind === 4) {
      this.#event(arrivalMs, h, packet, clock);
      return;
    }
    if (this.#mainPt < 0) this.#mainPt = pt;
    // RFC 3550 A.8: D(i-1,i) = (Rj - Ri) - (Sj - Si), J += (|D| - J)/16; computed in ms.
    if (pt === this.#mainPt) {
      if (this.#prevArrival >= 0) {
        const dTsMs = (((h.timestamp - this.#prevTs) | 0) * 1000) / clock;
        const d = arrivalMs - this.#prevArrival - dTsMs;
        this.#jitterMs += (Math.abs(d) - this.#jitterMs) / 16;
        if (this.#jitterMs > this.#maxJitterMs) this.#maxJitterMs = this.#jitterMs;
        // Transit relative to the segment's first packet; a receiver's fixed buffer plays each
        // packet JITTER_BUFFER_MS after the fastest transit, so a slower one misses its slot.
        this.#mediaMs += dTsMs;
        const transit = arrivalMs - this.#baseArrival - this.#mediaMs;
        if (transit < this.#minTransit) this.#minTransit = transit;
        else if (transit - this.#minTransit > JITTER_BUFFER_MS) this.#late++;
      } else {
        this.#baseArrival = arrivalMs;
        this.#mediaMs = 0;
        this.#minTransit = 0;
      }
      this.#prevArrival = arrivalMs;
      this.#prevTs = h.timestamp;
    }
    const law = kind === 1 ? 'alaw' : kind === 2 ? 'ulaw' : undefined;
    if (law !== undefined) {
      const n = h.payloadLength;
      const power = g711FramePower(law, packet, h.payloadOffset, n);
      this.#decoded++;
      if (power < this.#silencePower) {
        this.#silent++;
        this.#extendSilence(arrivalMs, (n * 1000) / clock);
      } else {
        this.#runStart = -1;
      }
    }
  }

  #countPacket(arrivalMs: number, h: RtpPacketInfo, pt: number): void {
    if (this.#packets > 0) {
      const gap = arrivalMs - this.#lastAt;
      // RFC 3551 §4.1 / RFC 3389: after CN, or before a marker-bit talkspurt, a pause is VAD.
      if (this.#prevWasCn || h.marker) {
        if (gap > this.#vadGap) this.#vadGap = gap;
      } else if (gap > this.#maxGap) {
        this.#maxGap = gap;
        this.#maxGapAt = this.#lastAt;
      }
    }
    this.#prevWasCn = pt === PT_COMFORT_NOISE;
    this.#packets++;
    this.#bytes += h.headerLength + h.payloadLength + h.paddingLength;
    this.#lastAt = arrivalMs;
    this.#tables!.ptCounts[pt]++;
    if (h.marker) this.#markers++;
  }

  #extendSilence(at: number, durMs: number): void {
    if (this.#runStart < 0) this.#runStart = at;
    this.#runEnd = at + durMs;
    const len = this.#runEnd - this.#runStart;
    if (len > this.#longestSilence) this.#longestSilence = len;
  }

  #initSeq(seq: number): void {
    // RFC 3550 A.1 init_seq.
    this.#baseExt = seq;
    this.#maxSeq = seq;
    this.#cycles = 0;
    this.#badSeq = RTP_SEQ_MOD + 1;
    this.#received = 1;
    this.#tables!.seen.fill(0);
    this.#mark(seq);
  }

  #closeSegment(): void {
    const expected = this.#cycles + this.#maxSeq - this.#baseExt + 1;
    this.#expectedBefore += expected;
    this.#lostBefore += Math.max(0, expected - this.#received);
  }

  #mark(ext: number): void {
    const i = ext & (WINDOW_BITS - 1);
    this.#tables!.seen[i >>> 5] |= 1 << (i & 31);
  }
  #isMarked(ext: number): boolean {
    const i = ext & (WINDOW_BITS - 1);
    return (this.#tables!.seen[i >>> 5] & (1 << (i & 31))) !== 0;
  }
  #clear(ext: number): void {
    const i = ext & (WINDOW_BITS - 1);
    this.#tables!.seen[i >>> 5] &= ~(1 << (i & 31));
  }

  /** RFC 3550 A.1 update_seq; false when the packet is not counted (a jump awaiting confirmation, or a duplicate). */
  #updateSeq(seq: number): boolean {
    const udelta = (seq - this.#maxSeq) & 0xffff;
    const maxExt = this.#cycles + this.#maxSeq;
    if (udelta === 0) {
      this.#duplicates++;
      return false;
    }
    if (udelta < MAX_DROPOUT) {
      // In order, with a permissible gap.
      if (seq < this.#maxSeq) this.#cycles += RTP_SEQ_MOD;
      if (udelta > 1) this.#lossBursts++;
      const ext = this.#cycles + seq;
      if (ext - maxExt >= WINDOW_BITS) this.#tables!.seen.fill(0);
      else for (let e = maxExt + 1; e < ext; e++) this.#clear(e);
      this.#maxSeq = seq;
      this.#received++;
      this.#mark(ext);
      return true;
    }
    if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // The sequence number made a very large jump.
      if (seq === this.#badSeq) {
        // Two sequential packets: the source restarted without telling us (A.1).
        this.#closeSegment();
        this.#initSeq((seq - 1) & 0xffff);
        this.#updateSeq(seq);
        this.#received = 2;
        this.#invalid--;
        return true;
      }
      this.#badSeq = (seq + 1) & 0xffff;
      this.#invalid++;
      return false;
    }
    // Duplicate or reordered packet (behind the highest sequence number).
    let ext = this.#cycles + seq;
    if (seq > this.#maxSeq) ext -= RTP_SEQ_MOD;
    if (maxExt - ext < WINDOW_BITS && ext >= this.#baseExt && this.#isMarked(ext)) {
      this.#duplicates++;
      return false;
    }
    this.#reordered++;
    if (ext >= this.#baseExt) {
      this.#received++;
      this.#mark(ext);
    }
    return true;
  }

  /** The statistics so far, as a plain object shaped like diagnosis' RtpStreamEvidence. */
  snapshot(): RtpStreamSnapshot {
    const expectedNow = this.#packets === 0 ? 0 : this.#cycles + this.#maxSeq - this.#baseExt + 1;
    const lost = this.#packets === 0 ? 0 : this.#lostBefore + Math.max(0, expectedNow - this.#received);
    const expected = this.#expectedBefore + expectedNow;
    const payloadTypes: { pt: number; encoding?: string; packets: number }[] = [];
    const counts = this.#tables?.ptCounts ?? NO_COUNTS;
    for (let pt = 0; pt < 128; pt++) {
      const n = counts[pt];
      if (n === 0) continue;
      const enc = this.#info(pt)?.encoding;
      payloadTypes.push(enc === undefined ? { pt, packets: n } : { pt, encoding: enc, packets: n });
    }
    const mainPt = this.#mainPt >= 0 ? this.#mainPt : payloadTypes[0]?.pt ?? 0;
    const codec = this.#info(mainPt)?.encoding;
    return {
      src: this.#src,
      dst: this.#dst,
      ssrc: this.#firstSsrc < 0 ? 0 : this.#firstSsrc,
      payloadType: mainPt,
      ...(codec === undefined ? {} : { codec }),
      packets: this.#packets,
      bytes: this.#bytes,
      lost,
      duplicates: this.#duplicates,
      reordered: this.#reordered,
      jitterMs: round3(this.#jitterMs),
      maxGapMs: round3(this.#maxGap),
      firstAt: this.#firstAt,
      lastAt: this.#lastAt,
      ssrcChanges: this.#ssrcChanges,
      comfortNoisePackets: this.#cn,
      ...(this.#decoded > 0 || this.#cn > 0 ? { longestSilenceMs: round3(this.#longestSilence) } : {}),
      ...(this.#sdpAddress === undefined ? {} : { sdpAddress: this.#sdpAddress }),
      ...(this.#latched === undefined ? {} : { latched: this.#latched }),
      expected,
      cumulativeLost: expected - this.#packets,
      maxJitterMs: round3(this.#maxJitterMs),
      ...(this.#maxGapAt >= 0 ? { maxGapAt: this.#maxGapAt } : {}),
      vadMaxGapMs: round3(this.#vadGap),
      markerPackets: this.#markers,
      silentPackets: this.#silent,
      invalidSequencePackets: this.#invalid,
      payloadTypes,
      lossBursts: Math.min(this.#lossBursts, lost),
      latePackets: this.#late,
      ...(this.#events.length > 0 ? { events: this.#events.map((e) => ({ at: e.at, event: e.event, durationMs: round3(e.durationMs), ended: e.ended })) } : {}),
    };
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
