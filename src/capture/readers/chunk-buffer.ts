// Accumulates chunks so a push parser can read records that straddle chunk boundaries,
// keeping memory at one record plus one chunk however large the file.

export class ChunkBuffer {
  #buf: Uint8Array = new Uint8Array(0);
  #start = 0;
  /** File offset of #buf[0]. */
  #base = 0;

  append(chunk: Uint8Array): void {
    if (this.#start >= this.#buf.length) {
      this.#base += this.#buf.length;
      this.#buf = chunk;
      this.#start = 0;
      return;
    }
    const rest = this.#buf.subarray(this.#start);
    const joined = new Uint8Array(rest.length + chunk.length);
    joined.set(rest, 0);
    joined.set(chunk, rest.length);
    this.#base += this.#start;
    this.#buf = joined;
    this.#start = 0;
  }

  get available(): number {
    return this.#buf.length - this.#start;
  }
  /** File offset of the next unread byte. */
  get offset(): number {
    return this.#base + this.#start;
  }
  get bytes(): Uint8Array {
    return this.#buf;
  }
  /** Index in bytes of the next unread byte. */
  get position(): number {
    return this.#start;
  }
  consume(n: number): void {
    this.#start += n;
    if (this.#start >= this.#buf.length) {
      this.#base += this.#buf.length;
      this.#buf = new Uint8Array(0);
      this.#start = 0;
    }
  }
}
