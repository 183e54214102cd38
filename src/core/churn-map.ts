/**
 * Maps and sets for entries that come and go all the time — one per call, leg, dialog, pending
 * save — whose values lead to a call's objects. Same API as Map and Set (the part the edge uses);
 * what differs is that the table under them is started anew when it empties, and after every
 * few deletions otherwise (FRESH_AFTER_DELETES).
 *
 * Why (issue 13): V8 allocates the table that replaces a Map's or Set's full or sparse table in
 * the generation of the table it replaces, and a replaced table keeps the entries it held and a
 * link to its successor. Once one of a map's tables is old — a full GC promotes every young
 * object, the map's table with them — every later table of that map is born old, every one it
 * drops is old garbage the scavenger still scans until the next full GC, and the values those
 * held (each call passing through the map) are kept alive by it and copied to the old
 * generation. On serve at 800 calls/s (bench/edge-cps, `--node-arg --trace-gc-nvp`): from the
 * first mark-compact of a step, promoted bytes went from ~5 to ~40 MB/s and stayed there, with a
 * mark-compact every 3–6 s; with the edge's per-call tables on these (a fresh table after 1 024
 * deletions), ~7–8 MB/s and one every ~15 s — but a sustained 1 000 calls/s still saw surges of
 * 50–70 MB/s for seconds, fewer with a fresh table every 32 deletions. A new Map's table is young
 * again; a table a map drops while young dies young.
 */
export const FRESH_AFTER_DELETES = 32;

export class ChurnMap<K, V> implements Iterable<[K, V]> {
  #map = new Map<K, V>();
  #deletes = 0;
  readonly #freshAfter: number;

  /**
   * `freshAfterDeletes`: how many deletions a table may see before the next insertion starts a
   * new one. Few, so that a table rarely lives through two scavenges when the map never empties
   * (calls overlapping under load): each start copies the live entries, cheap for tables of a few
   * calls; a large table of its own (a memo of thousands) passes about its size.
   */
  constructor(freshAfterDeletes = FRESH_AFTER_DELETES) {
    this.#freshAfter = freshAfterDeletes;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  set(key: K, value: V): this {
    // Copied at an insertion, not at a deletion: a loop deleting what it iterates keeps walking the map it started on.
    if (this.#deletes >= this.#freshAfter) {
      this.#map = new Map(this.#map);
      this.#deletes = 0;
    }
    this.#map.set(key, value);
    return this;
  }

  delete(key: K): boolean {
    if (!this.#map.delete(key)) return false;
    if (this.#map.size === 0) this.clear();
    else this.#deletes++;
    return true;
  }

  clear(): void {
    this.#map = new Map();
    this.#deletes = 0;
  }

  keys(): IterableIterator<K> {
    return this.#map.keys();
  }

  values(): IterableIterator<V> {
    return this.#map.values();
  }

  entries(): IterableIterator<[K, V]> {
    return this.#map.entries();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.#map.entries();
  }
}

/** ChurnMap's rule for a set (its members are the keys of a ChurnMap). */
export class ChurnSet<T> implements Iterable<T> {
  readonly #members = new ChurnMap<T, true>();

  get size(): number {
    return this.#members.size;
  }

  has(value: T): boolean {
    return this.#members.has(value);
  }

  add(value: T): this {
    this.#members.set(value, true);
    return this;
  }

  delete(value: T): boolean {
    return this.#members.delete(value);
  }

  clear(): void {
    this.#members.clear();
  }

  values(): IterableIterator<T> {
    return this.#members.keys();
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this.#members.keys();
  }
}
