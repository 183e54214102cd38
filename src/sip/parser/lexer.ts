import { TrunklineError } from '../../core/index.js';

/**
 * Character classes and small scanners shared by the header and URI parsers. Everything is a
 * hand-written loop over char codes: no regex on the hot path, so no backtracking on hostile
 * input (RFC 4475 §3.1.1.7 longreq, or fuzzed lines of 64 KiB).
 */

/**
 * `charCodeAt.call(text, i)`, not `text.charCodeAt(i)`: the parsers see strings of every
 * representation V8 has (sequential, sliced from the message text, concatenated by the stack,
 * internalized, thin), and looking a method up on such a mix goes megamorphic — in serve the load
 * ICs were ~10 % of the SIP thread (perf, issue 13), and a scan over mixed strings ran 3–4× slower
 * than over one kind. A call of the one builtin compiles to a plain char load whatever the
 * representation, when `charCodeAt` is a constant of the module (a binding imported from another
 * module is not one to the optimizing compiler: each parser module keeps its own). Each site keeps
 * its own call: a site that reads past the end (NaN) stops being compiled that way, and a shared
 * helper would take every site with it. Loops read `length` once.
 */
const charCodeAt = String.prototype.charCodeAt;
// slice and indexOf likewise (2× over mixed representations in a micro; startsWith where used).
const strSlice: (this: string, start?: number, end?: number) => string = String.prototype.slice;
const strIndexOf: (this: string, search: string, position?: number) => number = String.prototype.indexOf;

const TOKEN = new Uint8Array(128);
// RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
for (const c of "-.!%*_+`'~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = 1;
for (let c = 97; c <= 122; c++) TOKEN[c] = 1;

export function isTokenCode(code: number): boolean {
  return code < 128 && TOKEN[code] === 1;
}

export function isToken(text: string): boolean {
  const n = text.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) if (!isTokenCode(charCodeAt.call(text, i))) return false;
  return true;
}

export function isWs(code: number): boolean {
  return code === 32 || code === 9 || code === 13 || code === 10;
}

export function isDigits(text: string): boolean {
  const n = text.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = charCodeAt.call(text, i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Trims SP, HTAB, CR and LF only. String#trim() would also eat U+FEFF and the Unicode spaces,
 * which are legal header content (RFC 4475 §3.1.1.2 has a value starting with a BOM).
 */
export function trimLws(text: string): string {
  let a = 0;
  const n = text.length;
  let b = n;
  while (a < b && isWs(charCodeAt.call(text, a))) a++;
  while (b > a && isWs(charCodeAt.call(text, b - 1))) b--;
  return a === 0 && b === n ? text : strSlice.call(text, a, b);
}

export function skipWs(text: string, i: number): number {
  const n = text.length;
  while (i < n && isWs(charCodeAt.call(text, i))) i++;
  return i;
}

export function badHeader(header: string, why: string, cause?: unknown): TrunklineError {
  return new TrunklineError('SIP_PARSE_BAD_HEADER', `malformed ${header} header: ${why}`, { details: { header }, cause });
}

/**
 * Index just past the closing quote of the quoted-string that opens at `start` (RFC 3261 §25.1
 * quoted-pair = "\" any octet but CR/LF), or -1 when the quote is never closed (RFC 4475 §3.1.2.6).
 */
export function endOfQuoted(text: string, start: number): number {
  const n = text.length;
  for (let i = start + 1; i < n; i++) {
    const c = charCodeAt.call(text, i);
    if (c === 92) i++;
    else if (c === 34) return i + 1;
  }
  return -1;
}

/** The content of a quoted-string with its quoted-pairs resolved. */
export function unquote(quoted: string): string {
  const inner = strSlice.call(quoted, 1, -1);
  if (strIndexOf.call(inner, '\\') < 0) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (ch === '\\' && i + 1 < inner.length) out += inner[++i];
    else out += ch;
  }
  return out;
}

export function quote(text: string): string {
  return `"${text.replace(/["\\]/g, (m) => `\\${m}`)}"`;
}

/**
 * Splits on `sep` outside quoted-strings and outside <…> (RFC 3261 §7.3.1: a comma inside a
 * quoted display name or inside a URI in angle brackets does not separate header values).
 * Elements are trimmed and kept even when empty, so callers can reject `a,,b`. Returns null
 * when a quote is never closed.
 */
export function splitTopLevel(text: string, sep: number): string[] | null {
  // Fast path (most values): no quotes and no angle brackets, so every separator counts.
  if (strIndexOf.call(text, '"') < 0 && strIndexOf.call(text, '<') < 0) {
    // By indexOf, not String#split: split of a string the parser sliced is V8's runtime call.
    const parts: string[] = [];
    const separator = sep === 44 ? ',' : sep === 59 ? ';' : String.fromCharCode(sep);
    let from = 0;
    for (let at = strIndexOf.call(text, separator); at >= 0; at = strIndexOf.call(text, separator, from)) {
      parts.push(trimLws(strSlice.call(text, from, at)));
      from = at + 1;
    }
    parts.push(trimLws(strSlice.call(text, from)));
    return parts;
  }
  const out: string[] = [];
  let start = 0;
  let angle = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = charCodeAt.call(text, i);
    if (c === 34) {
      const end = endOfQuoted(text, i);
      if (end < 0) return null;
      i = end - 1;
    } else if (c === 60) angle = true;
    else if (c === 62) angle = false;
    else if (c === sep && !angle) {
      out.push(trimLws(strSlice.call(text, start, i)));
      start = i + 1;
    }
  }
  out.push(trimLws(strSlice.call(text, start)));
  return out;
}

export type Params = ReadonlyMap<string, string | null>;

/** The one empty parameter map shared by every value without parameters (most of them). */
export const EMPTY_MAP: ReadonlyMap<string, never> = new (class extends Map<string, never> {
  override set(): this {
    throw new TypeError('read-only map');
  }
})();

/**
 * generic-param list after a header value (RFC 3261 §25.1: *( SEMI generic-param ), with SWS
 * around ";" and "="). Names are lower-cased (they compare case-insensitively); a quoted value
 * keeps its quotes so that re-serialising it is exact. `;;` (an empty parameter) is an error.
 */
export function parseParams(text: string, header: string): Params {
  // One pass over the characters: no split, no trimmed copies (this runs for every Via,
  // From, To, Contact and Route value).
  const params = new Map<string, string | null>();
  const n = text.length;
  let i = 0;
  for (;;) {
    i = skipWs(text, i);
    const nameStart = i;
    while (i < n && isTokenCode(charCodeAt.call(text, i))) i++;
    if (i === nameStart) throw badHeader(header, i >= n || charCodeAt.call(text, i) === 59 ? 'empty parameter' : 'bad parameter name');
    const name = strSlice.call(text, nameStart, i);
    i = skipWs(text, i);
    let value: string | null = null;
    if (charCodeAt.call(text, i) === 61) {
      i = skipWs(text, i + 1);
      const valueStart = i;
      const first = charCodeAt.call(text, i);
      if (first === 34) {
        const end = endOfQuoted(text, i);
        if (end < 0) throw badHeader(header, 'unterminated quoted string in parameters');
        i = end;
      } else if (first === 91) {
        // gen-value = token / host / quoted-string; host may be an IPv6 reference (RFC 5118 §4.5).
        const end = strIndexOf.call(text, ']', i);
        if (end < 0 || !isHexColonDot(strSlice.call(text, i + 1, end))) throw badHeader(header, `bad value of parameter "${name}"`);
        i = end + 1;
      } else {
        while (i < n && (isTokenCode(charCodeAt.call(text, i)) || charCodeAt.call(text, i) === 58)) i++;
      }
      if (i === valueStart) throw badHeader(header, `bad value of parameter "${name}"`);
      value = strSlice.call(text, valueStart, i);
      i = skipWs(text, i);
    }
    params.set(name.toLowerCase(), value);
    if (i >= n) return params;
    if (charCodeAt.call(text, i) !== 59) throw badHeader(header, `junk after parameter "${name}"`);
    i++;
  }
}

export function isHexColonDot(text: string): boolean {
  const n = text.length;
  if (n < 2) return false;
  let colons = 0;
  for (let i = 0; i < n; i++) {
    const c = charCodeAt.call(text, i);
    if (c === 58) colons++;
    else if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46)) return false;
  }
  return colons >= 2;
}

/** The value of a param with surrounding quotes removed (for callers that want the text). */
export function paramText(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return charCodeAt.call(value, 0) === 34 ? unquote(value) : value;
}
