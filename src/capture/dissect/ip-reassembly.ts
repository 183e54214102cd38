// IPv4 (RFC 791 §3.2) and IPv6 (RFC 8200 §4.5) fragment reassembly with bounded memory:
// at most MAX_PENDING datagrams in progress, 64 KiB each, dropped after TIMEOUT_MS of
// capture time (RFC 8200 says 60 s; RFC 791 suggests 15 s; we use 30 s).

const MAX_PENDING = 1024;
const MAX_DATAGRAM = 65535 + 40;
const TIMEOUT_MS = 30_000;

interface Pending {
  readonly firstAt: number;
  parts: { offset: number; data: Uint8Array }[];
  total: number; // known when the last fragment (MF=0) arrived, else -1
  bytes: number;
}

export interface ReassemblyStats {
  fragments: number;
  reassembled: number;
  /** Datagrams given up: timed out, over the size bound, or evicted when too many were pending. */
  incomplete: number;
  overlaps: number;
}

export class IpReassembler {
  readonly #pending = new Map<string, Pending>();
  readonly stats: ReassemblyStats = { fragments: 0, reassembled: 0, incomplete: 0, overlaps: 0 };

  /**
   * Adds one fragment's payload (copied); returns the whole upper-layer payload when this
   * fragment completes the datagram, else undefined.
   */
  add(key: string, at: number, fragmentOffset: number, moreFragments: boolean, data: Uint8Array): Uint8Array | undefined {
    this.stats.fragments++;
    this.#expire(at);
    let p = this.#pending.get(key);
    if (p === undefined) {
      if (this.#pending.size >= MAX_PENDING) {
        // Evict the oldest (Map keeps insertion order).
        const oldest = this.#pending.keys().next().value;
        if (oldest !== undefined) this.#pending.delete(oldest);
        this.stats.incomplete++;
      }
      p = { firstAt: at, parts: [], total: -1, bytes: 0 };
      this.#pending.set(key, p);
    }
    if (fragmentOffset + data.length > MAX_DATAGRAM) {
      this.#pending.delete(key);
      this.stats.incomplete++;
      return undefined;
    }
    p.parts.push({ offset: fragmentOffset, data: data.slice() });
    p.bytes += data.length;
    if (!moreFragments) p.total = fragmentOffset + data.length;
    if (p.total < 0) return undefined;
    // Complete when the parts cover [0, total) without a hole.
    p.parts.sort((a, b) => a.offset - b.offset);
    let covered = 0;
    let overlaps = 0;
    for (const part of p.parts) {
      if (part.offset > covered) return undefined;
      if (part.offset < covered) overlaps++;
      covered = Math.max(covered, part.offset + part.data.length);
    }
    if (covered < p.total) return undefined;
    this.stats.overlaps += overlaps;
    const out = new Uint8Array(p.total);
    for (const part of p.parts) out.set(part.data.subarray(0, Math.max(0, Math.min(part.data.length, p.total - part.offset))), part.offset);
    this.#pending.delete(key);
    this.stats.reassembled++;
    return out;
  }

  #expire(now: number): void {
    for (const [key, p] of this.#pending) {
      if (now - p.firstAt <= TIMEOUT_MS) break;
      this.#pending.delete(key);
      this.stats.incomplete++;
    }
  }

  /** At the end of the capture: whatever is still pending was never completed. */
  finish(): void {
    this.stats.incomplete += this.#pending.size;
    this.#pending.clear();
  }
}
