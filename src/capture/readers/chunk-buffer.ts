// Accumulates chunks so a push parser can read records that straddle chunk boundaries,
// keeping memory at one record plus the chunks not read yet however large the file.
//
// Chunks are kept as they came; only a record that straddles two of them is copied, into a
// buffer of its own size (ensure). Joining the leftover with each whole new chunk instead
// copied and allocated the entire file once more (bench/diagnose: ~600 MB per run).

export class ChunkBuffer {
  #buf: Uint8Array = new Uint8Array(0);
  #start = 0;
  /** File offset of #buf[0]. */
  #base = 0;
  /** Chunks after #buf, in order, and how many bytes they hold. */
  #queue: Uint8Array[] = [];
  #queued = 0;
  #view: DataView | undefined;
  #viewOf: Uint8Array | undefined;

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.#start >= this.#buf.length && this.#queue.length === 0) {
      this.#base += this.#buf.length;
      this.#buf = chunk;
      this.#start = 0;
      return;
    }
    this.#queue.push(chunk);
    this.#queued += chunk.length;
  }

  /** Bytes buffered from the next unread one on, over every chunk held. */
  get available(): number {
    return this.#buf.length - this.#start + this.#queued;
  }

  /**
   * Makes the next n bytes contiguous in `bytes` from `position`, copying only them when they
   * span chunks. False when fewer than n bytes are buffered (wait for the next chunk).
   */
  ensure(n: number): boolean {
    const here = this.#buf.length - this.#start;
    if (here >= n) return true;
    if (here + this.#queued < n) return false;
    const joined = new Uint8Array(n);
    joined.set(this.#buf.subarray(this.#start), 0);
    let filled = here;
    while (filled < n) {
      const c = this.#queue[0];
      const take = Math.min(c.length, n - filled);
      joined.set(take === c.length ? c : c.subarray(0, take), filled);
      filled += take;
      this.#queued -= take;
      if (take === c.length) this.#queue.shift();
      else this.#queue[0] = c.subarray(take);
    }
    this.#base += this.#start;
    this.#buf = joined;
    this.#start = 0;
    return true;
  }

  /** File offset of the next unread byte. */
  get offset(): number {
    return this.#base + this.#start;
  }
  /** The current contiguous chunk: call ensure(n) first to read n bytes from position. */
  get bytes(): Uint8Array {
    return this.#buf;
  }
  /** A DataView on `bytes`, made once per chunk rather than once per record. */
  get view(): DataView {
    if (this.#viewOf !== this.#buf || this.#view === undefined) {
      this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
      this.#viewOf = this.#buf;
    }
    return this.#view;
  }
  /** Index in bytes of the next unread byte. */
  get position(): number {
    return this.#start;
  }
  /** Steps over n bytes that ensure(n) made readable. */
  consume(n: number): void {
    this.#start += n;
    if (this.#start < this.#buf.length) return;
    this.#base += this.#buf.length;
    this.#start = 0;
    const next = this.#queue.shift();
    if (next === undefined) {
      this.#buf = new Uint8Array(0);
      return;
    }
    this.#queued -= next.length;
    this.#buf = next;
  }
}
