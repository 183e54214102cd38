// Per-direction TCP reassembly (RFC 9293 sequence space): in-order delivery of segment
// payloads despite reordering and retransmission, bounded buffering, and gaps (lost or
// uncaptured segments) reported so the consumer can resynchronise.

const MAX_PENDING_BYTES = 1 << 20;
const MAX_PENDING_SEGMENTS = 256;

export interface StreamConsumer {
  /** Contiguous bytes of the stream, in order; `at` is the time of the segment that carried the last of them. */
  data(bytes: Uint8Array, at: number, frame: number): void;
  /** Bytes were skipped (never captured): framing must resynchronise. */
  gap(missing: number): void;
}

export interface TcpStats {
  segments: number;
  retransmitted: number;
  outOfOrder: number;
  gaps: number;
  gapBytes: number;
}

interface Segment {
  readonly seq: number;
  readonly data: Uint8Array;
  readonly at: number;
  readonly frame: number;
}

/** Serial-number arithmetic: a − b as a signed 32-bit distance. */
function diff(a: number, b: number): number {
  return (a - b) | 0;
}

export class TcpFlow {
  #next: number | undefined;
  #pending: Segment[] = [];
  #pendingBytes = 0;
  readonly #consumer: StreamConsumer;
  readonly #stats: TcpStats;
  readonly #onGap: ((missing: number, at: number, frame: number, since: number | undefined) => void) | undefined;
  /** Time of the last bytes delivered: a hole lies between it and the segment after the hole. */
  #lastAt: number | undefined;
  finished = false;

  /** onGap: bytes given up on, with the time and frame of the segment after them and the time of the bytes before. */
  constructor(consumer: StreamConsumer, stats: TcpStats, onGap?: (missing: number, at: number, frame: number, since: number | undefined) => void) {
    this.#consumer = consumer;
    this.#stats = stats;
    this.#onGap = onGap;
  }

  /** One segment: its sequence number, SYN/FIN flags and payload. */
  segment(seq: number, syn: boolean, fin: boolean, payload: Uint8Array, at: number, frame: number): void {
    this.#stats.segments++;
    if (syn) {
      // A new connection on a known 4-tuple starts a fresh byte stream.
      if (this.#next !== undefined && this.#next !== ((seq + 1) >>> 0)) {
        this.#pending = [];
        this.#pendingBytes = 0;
        this.#consumer.gap(0);
      }
      // The SYN takes one sequence number; data starts after it.
      this.#next = (seq + 1) >>> 0;
      seq = this.#next;
    }
    if (payload.length > 0) {
      if (this.#next === undefined) this.#next = seq; // the capture started mid-stream
      const d = diff(seq, this.#next);
      if (d <= 0) {
        if (d + payload.length <= 0) {
          this.#stats.retransmitted++;
        } else {
          // Partly new: keep only the part beyond what was delivered.
          if (d < 0) this.#stats.retransmitted++;
          this.#deliver(payload.subarray(-d), at, frame);
          this.#drain(at, frame);
        }
      } else {
        this.#stats.outOfOrder++;
        this.#hold({ seq, data: payload.slice(), at, frame });
      }
    }
    if (fin) this.finished = true;
  }

  #deliver(bytes: Uint8Array, at: number, frame: number): void {
    this.#next = ((this.#next ?? 0) + bytes.length) >>> 0;
    this.#lastAt = at;
    this.#consumer.data(bytes, at, frame);
  }

  #hold(s: Segment): void {
    if (this.#pending.some((p) => p.seq === s.seq && p.data.length >= s.data.length)) {
      this.#stats.retransmitted++;
      return;
    }
    this.#pending.push(s);
    this.#pendingBytes += s.data.length;
    this.#pending.sort((a, b) => diff(a.seq, b.seq));
    if (this.#pendingBytes > MAX_PENDING_BYTES || this.#pending.length > MAX_PENDING_SEGMENTS) this.#skipGap();
  }

  /** Delivers held segments that have become contiguous, at the time of the segment that closed the hole. */
  #drain(at: number, frame: number): void {
    while (this.#pending.length > 0 && this.#next !== undefined) {
      const s = this.#pending[0];
      const d = diff(s.seq, this.#next);
      if (d > 0) return;
      this.#pending.shift();
      this.#pendingBytes -= s.data.length;
      if (d + s.data.length > 0) this.#deliver(s.data.subarray(-d), Math.max(at, s.at), frame);
    }
  }

  /** Gives up on the missing bytes before the first held segment. */
  #skipGap(): void {
    const s = this.#pending[0];
    if (s === undefined || this.#next === undefined) return;
    const missing = diff(s.seq, this.#next);
    if (missing > 0) {
      this.#stats.gaps++;
      this.#stats.gapBytes += missing;
      this.#onGap?.(missing, s.at, s.frame, this.#lastAt);
      this.#consumer.gap(missing);
      this.#next = s.seq;
    }
    this.#drain(s.at, s.frame);
  }

  /** End of capture: deliver what is held, across gaps. */
  flush(): void {
    while (this.#pending.length > 0) this.#skipGap();
  }
}
