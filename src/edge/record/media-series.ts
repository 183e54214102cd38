/**
 * Per-direction RTP counters over time for the console's charts (issue 14: packets, loss and
 * jitter over time). The relay keeps totals; each live refresh and the close add one sample
 * here. Bounded: past MAX samples every other one is dropped (the last is kept), so a long
 * call keeps an evenly thinned history of at most MAX points per direction, not one per tick.
 */
export type MediaSample = readonly [msSinceFirst: number, packets: number, lost: number, jitterMs: number];

export interface DirectionTotals {
  readonly packets: number;
  readonly lost: number;
  readonly jitterMs: number;
}

export interface MediaSeriesView {
  /** Wall-clock time of the first sample (UTC ISO 8601 with ms). */
  readonly started_at: string;
  readonly customer_to_carrier: readonly MediaSample[];
  readonly carrier_to_customer: readonly MediaSample[];
}

export class MediaSeries {
  static readonly MAX = 240;
  #firstAt: number | undefined;
  #c2c: MediaSample[] = [];
  #k2c: MediaSample[] = [];

  get length(): number {
    return this.#c2c.length;
  }

  add(at: number, c2c: DirectionTotals, k2c: DirectionTotals): void {
    this.#firstAt ??= at;
    const t = Math.max(0, Math.round(at - this.#firstAt));
    const a = sample(t, c2c);
    const b = sample(t, k2c);
    // Nothing moved since the two samples before: one sample already marks where the counters
    // stopped; another would only change the record, and the live refresh writes a record only
    // when something in it changed (a silent call is not rewritten every tick).
    if (flat(this.#c2c, a) && flat(this.#k2c, b)) return;
    this.#c2c.push(a);
    this.#k2c.push(b);
    if (this.#c2c.length > MediaSeries.MAX) {
      this.#c2c = thin(this.#c2c);
      this.#k2c = thin(this.#k2c);
    }
  }

  view(): MediaSeriesView | undefined {
    if (this.#firstAt === undefined) return undefined;
    return { started_at: new Date(this.#firstAt).toISOString(), customer_to_carrier: [...this.#c2c], carrier_to_customer: [...this.#k2c] };
  }
}

function sample(t: number, d: DirectionTotals): MediaSample {
  return [t, d.packets, d.lost, Math.round(d.jitterMs * 100) / 100];
}

/** The last two samples carry the same counters as `s`: the last one only moves forward in time. */
function flat(list: readonly MediaSample[], s: MediaSample): boolean {
  if (list.length < 2) return false;
  const [p, q] = [list[list.length - 2], list[list.length - 1]];
  return p[1] === s[1] && q[1] === s[1] && p[2] === s[2] && q[2] === s[2];
}

function thin(list: readonly MediaSample[]): MediaSample[] {
  return list.filter((_s, i) => i % 2 === 0 || i === list.length - 1);
}
