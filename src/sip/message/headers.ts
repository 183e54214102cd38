import { TrunklineError } from '../../core/index.js';
import { splitTopLevel, trimLws } from '../parser/lexer.js';
import { parseAuthValue, parseCSeq, parseMaxForwards, parseMediaType, parseNameAddr, parseNameAddrList, parseVia, parseViaList, splitList } from '../parser/parse-header.js';
import { canonicalName, headerKey, isListHeader } from './header-names.js';
import type { AuthValue, CSeq, MediaType, NameAddr, Via } from './header-values.js';

// Cache slots of the typed accessors: an array index is cheaper than a Map on the hot path.
const SLOT = {
  'via': 0,
  'from': 1,
  'to': 2,
  'call-id': 3,
  'cseq': 4,
  'max-forwards': 5,
  'content-length': 6,
  'content-type': 7,
  'contact': 8,
  'route': 9,
  'record-route': 10,
  'authorization': 11,
  'proxy-authorization': 12,
  'www-authenticate': 13,
  'proxy-authenticate': 14,
  // Not a header: the top Via alone, for readers that need only it (see topVia).
  'top-via': 15,
} as const;
type Slot = keyof typeof SLOT;
const SLOT_OF_KEY: ReadonlyMap<string, number> = new Map(Object.entries(SLOT));
const NONE = Symbol('absent');

/** One header line as received (folding undone, value trimmed). */
export interface HeaderField {
  /** The name as written on the wire (kept so serialisation changes nothing). */
  readonly name: string;
  /** Lower-case full name: compact forms expanded. */
  readonly key: string;
  readonly value: string;
}

/**
 * The ordered header fields of a message. Names are case-insensitive with compact forms
 * (RFC 3261 §7.3.3); values are parsed on first use and cached until the next mutation, so
 * headers nobody reads cost nothing beyond splitting the lines.
 */
export class SipHeaders implements Iterable<readonly [string, string]> {
  #fields: HeaderField[];
  /** Parsed values by slot (see SLOT); undefined = not parsed yet, NONE = header absent. */
  #cache: unknown[] | undefined;

  constructor(fields?: Iterable<readonly [string, string]>) {
    this.#fields = [];
    if (fields) for (const [name, value] of fields) this.#fields.push({ name, key: headerKey(name), value: trimLws(value) });
  }

  /** Used by the parser: takes ownership of already-normalised fields. */
  static fromFields(fields: HeaderField[]): SipHeaders {
    const h = new SipHeaders();
    h.#fields = fields;
    return h;
  }

  get size(): number {
    return this.#fields.length;
  }

  fields(): readonly HeaderField[] {
    return this.#fields;
  }

  *[Symbol.iterator](): Iterator<readonly [string, string]> {
    for (const f of this.#fields) yield [f.name, f.value];
  }

  has(name: string): boolean {
    const key = headerKey(name);
    return this.#fields.some((f) => f.key === key);
  }

  /** Number of header LINES with this name (not of comma-separated values). */
  count(name: string): number {
    const key = headerKey(name);
    let n = 0;
    for (const f of this.#fields) if (f.key === key) n++;
    return n;
  }

  /** The first value: the first line's value, or its first element for list headers (Via, Contact, …). */
  get(name: string): string | undefined {
    const key = headerKey(name);
    const f = this.#fields.find((x) => x.key === key);
    if (!f) return undefined;
    if (!isListHeader(key)) return f.value;
    return this.#split(f)[0];
  }

  /** Every value in order; list headers are split on commas outside quotes and <> (RFC 3261 §7.3.1). */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    const list = isListHeader(key);
    for (const f of this.#fields) {
      if (f.key !== key) continue;
      if (list) out.push(...this.#split(f));
      else out.push(f.value);
    }
    return out;
  }

  #split(f: HeaderField): string[] {
    if (f.value.indexOf(',') < 0) return [f.value];
    const parts = splitTopLevel(f.value, 44);
    if (parts === null) {
      throw new TrunklineError('SIP_PARSE_BAD_HEADER', `malformed ${canonicalName(f.key)} header: unterminated quoted string`, {
        details: { header: canonicalName(f.key) },
      });
    }
    return parts.filter((p) => p.length > 0);
  }

  /** Replaces every line of this header with one line (at the position of the first). */
  set(name: string, value: string): this {
    const key = headerKey(name);
    const idx = this.#fields.findIndex((f) => f.key === key);
    if (idx < 0) this.#fields.push({ name: canonicalName(name), key, value: trimLws(value) });
    else {
      const fields = this.#fields;
      const field = { name: fields[idx].name, key, value: trimLws(value) };
      let more = idx + 1;
      while (more < fields.length && fields[more].key !== key) more++;
      // One line (the stack's own sets: a stamped Via, a To tag): replaced where it is, as append
      // and prepend change the array in place; a flatMap copy of every field per set was ~1 % of
      // serve's SIP thread (issue 13).
      if (more === fields.length) fields[idx] = field;
      else this.#fields = fields.flatMap((f, i) => (f.key !== key ? [f] : i === idx ? [field] : []));
    }
    this.#forget(key);
    return this;
  }

  append(name: string, value: string): this {
    const key = headerKey(name);
    this.#fields.push({ name: canonicalName(name), key, value: trimLws(value) });
    this.#forget(key);
    return this;
  }

  /** Inserts before the first line of this header, or at the top (a proxy's own Via, RFC 3261 §16.6 step 8). */
  prepend(name: string, value: string): this {
    const key = headerKey(name);
    const idx = this.#fields.findIndex((f) => f.key === key);
    this.#fields.splice(idx < 0 ? 0 : idx, 0, { name: canonicalName(name), key, value: trimLws(value) });
    this.#forget(key);
    return this;
  }

  /** Removes every line of this header; returns how many were removed. */
  remove(name: string): number {
    const key = headerKey(name);
    const before = this.#fields.length;
    this.#fields = this.#fields.filter((f) => f.key !== key);
    this.#forget(key);
    return before - this.#fields.length;
  }

  clone(): SipHeaders {
    return SipHeaders.fromFields(this.#fields.slice());
  }

  /**
   * Each slot is computed from its own header's lines alone, so a change drops that header's
   * parse only: the stack stamps a received request's Via and builds responses by changing
   * one header at a time, and each change used to throw away every parsed header (issue 13).
   */
  #forget(key: string): void {
    const index = SLOT_OF_KEY.get(key);
    if (index !== undefined && this.#cache !== undefined) {
      this.#cache[index] = undefined;
      if (index === SLOT.via) this.#cache[SLOT['top-via']] = undefined;
    }
  }

  #memo<T>(slot: Slot, compute: () => T): T {
    const index = SLOT[slot];
    const cache = (this.#cache ??= []);
    const held = cache[index];
    if (held !== undefined) return (held === NONE ? undefined : held) as T;
    const value = compute();
    cache[index] = value === undefined ? NONE : value;
    return value;
  }

  /** The value of a header that may appear once; a second line is an error (RFC 4475 §3.3.8 multi01). */
  #single(key: string, name: string): string | undefined {
    let found: string | undefined;
    for (const f of this.#fields) {
      if (f.key !== key) continue;
      if (found !== undefined) {
        throw new TrunklineError('SIP_PARSE_DUPLICATE_HEADER', `${name} appears more than once`, { details: { header: name } });
      }
      found = f.value;
    }
    return found;
  }

  #lines(key: string): string[] {
    const out: string[] = [];
    for (const f of this.#fields) if (f.key === key) out.push(f.value);
    return out;
  }

  /** Every Via value, top first (RFC 3261 §20.42). */
  via(): readonly Via[] {
    return this.#memo('via', () => {
      const out: Via[] = [];
      for (const f of this.#fields) if (f.key === 'via') for (const v of parseViaList(f.value)) out.push(v);
      return out;
    });
  }

  /**
   * The top Via (RFC 3261 §18.2.2 routes a response by it), parsing only that value unless every
   * Via is parsed already: a message the stack built or stamped has a fresh Via slot, and the
   * readers after it (response routing, the call's evidence) want the top one alone (issue 13).
   * A malformed lower Via is not seen here; via() still reports it.
   */
  topVia(): Via | undefined {
    const all = this.#cache?.[SLOT.via];
    if (all !== undefined) return all === NONE ? undefined : (all as readonly Via[])[0];
    return this.#memo('top-via', () => {
      const f = this.#fields.find((x) => x.key === 'via');
      if (f === undefined) return undefined;
      return parseVia(f.value.indexOf(',') < 0 ? f.value : splitList(f.value, 'Via')[0]);
    });
  }

  from(): NameAddr | undefined {
    return this.#memo('from', () => {
      const v = this.#single('from', 'From');
      return v === undefined ? undefined : parseNameAddr(v, 'From');
    });
  }

  to(): NameAddr | undefined {
    return this.#memo('to', () => {
      const v = this.#single('to', 'To');
      return v === undefined ? undefined : parseNameAddr(v, 'To');
    });
  }

  callId(): string | undefined {
    return this.#memo('call-id', () => {
      const v = this.#single('call-id', 'Call-ID');
      if (v !== undefined && (v === '' || /\s/.test(v))) {
        throw new TrunklineError('SIP_PARSE_BAD_HEADER', 'malformed Call-ID header', { details: { header: 'Call-ID' } });
      }
      return v;
    });
  }

  cseq(): CSeq | undefined {
    return this.#memo('cseq', () => {
      const v = this.#single('cseq', 'CSeq');
      return v === undefined ? undefined : parseCSeq(v);
    });
  }

  maxForwards(): number | undefined {
    return this.#memo('max-forwards', () => {
      const v = this.#single('max-forwards', 'Max-Forwards');
      return v === undefined ? undefined : parseMaxForwards(v);
    });
  }

  /** Content-Length as declared (the parser has already checked it against the body). */
  contentLength(): number | undefined {
    return this.#memo('content-length', () => {
      const lines = this.#lines('content-length');
      if (lines.length === 0) return undefined;
      const t = lines[0];
      if (!/^[0-9]{1,9}$/.test(t) || lines.some((l) => l !== t)) {
        throw new TrunklineError('SIP_PARSE_BAD_CONTENT_LENGTH', 'malformed Content-Length', { details: { header: 'Content-Length' } });
      }
      return Number(t);
    });
  }

  contentType(): MediaType | undefined {
    return this.#memo('content-type', () => {
      const v = this.#single('content-type', 'Content-Type');
      return v === undefined ? undefined : parseMediaType(v, 'Content-Type');
    });
  }

  /** Contact values, or `'*'` for the REGISTER wildcard (RFC 3261 §10.2.2). */
  contacts(): readonly NameAddr[] | '*' {
    return this.#memo('contact', () => {
      const lines = this.#lines('contact');
      if (lines.length === 1 && lines[0] === '*') return '*' as const;
      return this.#nameAddrs('contact', 'Contact');
    });
  }

  routes(): readonly NameAddr[] {
    return this.#memo('route', () => this.#nameAddrs('route', 'Route'));
  }

  recordRoutes(): readonly NameAddr[] {
    return this.#memo('record-route', () => this.#nameAddrs('record-route', 'Record-Route'));
  }

  #nameAddrs(key: string, name: string): NameAddr[] {
    const out: NameAddr[] = [];
    for (const f of this.#fields) if (f.key === key) for (const v of parseNameAddrList(f.value, name)) out.push(v);
    return out;
  }

  #auth(name: 'Authorization' | 'Proxy-Authorization' | 'WWW-Authenticate' | 'Proxy-Authenticate'): readonly AuthValue[] {
    const key = headerKey(name);
    return this.#memo(key as Slot, () => this.#lines(key).map((l) => parseAuthValue(l, name)));
  }

  authorization(): readonly AuthValue[] {
    return this.#auth('Authorization');
  }

  proxyAuthorization(): readonly AuthValue[] {
    return this.#auth('Proxy-Authorization');
  }

  wwwAuthenticate(): readonly AuthValue[] {
    return this.#auth('WWW-Authenticate');
  }

  proxyAuthenticate(): readonly AuthValue[] {
    return this.#auth('Proxy-Authenticate');
  }
}
