/**
 * The IP TTL (IPv6 hop limit) a stream's packets arrived with at the point they were observed.
 * Senders start at a fixed value (64, 128, 255) and each router takes one off, so the TTL says how
 * many routers lie between the sender and the observer, and a lasting change says the path changed.
 */
export interface IpTtlEvidence {
  /** TTL of the first packet. */
  readonly first: number;
  /** TTL of the last packet. */
  readonly last: number;
  readonly min: number;
  readonly max: number;
  /** Packets whose TTL differed from the packet before: 0 on a steady path, 1 for one route change. */
  readonly changes: number;
  /** Arrival time (ms) of the first packet with a TTL other than its predecessor's. */
  readonly firstChangeAt?: number;
}

/** Kept per stream by whoever sees its IP headers: a few comparisons per packet, no allocation. */
export class IpTtlTrack {
  #first = 0;
  #last = 0;
  #min = 256;
  #max = 0;
  #changes = 0;
  #firstChangeAt: number | undefined;

  /** One packet's TTL; 0 (not known, e.g. HEP) is ignored. */
  add(ttl: number, at: number): void {
    if (ttl <= 0) return;
    if (this.#first === 0) this.#first = ttl;
    else if (ttl !== this.#last) {
      this.#changes++;
      this.#firstChangeAt ??= at;
    }
    this.#last = ttl;
    if (ttl < this.#min) this.#min = ttl;
    if (ttl > this.#max) this.#max = ttl;
  }

  /** Undefined when no packet carried a TTL. */
  evidence(): IpTtlEvidence | undefined {
    if (this.#first === 0) return undefined;
    return {
      first: this.#first,
      last: this.#last,
      min: this.#min,
      max: this.#max,
      changes: this.#changes,
      ...(this.#firstChangeAt === undefined ? {} : { firstChangeAt: this.#firstChangeAt }),
    };
  }
}
