/**
 * The auth-param list of a Digest challenge or credentials (RFC 3261 §25.1 `challenge` /
 * `credentials`, RFC 7616 §3.3–3.4): `Digest realm="a", nonce="b", nc=00000001, …`.
 * Kept beside digest.ts because the scheme and the quoting rules of auth-params are all
 * that digest needs; names are lower-cased, quoted values unescaped (RFC 3261 §25.1 quoted-pair).
 */
export interface DigestParams {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

export function parseDigestParams(value: string): DigestParams | undefined {
  const text = value.trim();
  const sp = text.search(/\s/);
  if (sp <= 0) return undefined;
  const scheme = text.slice(0, sp);
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  let i = sp;
  const n = text.length;
  while (i < n) {
    while (i < n && /[\s,]/.test(text[i])) i++;
    if (i >= n) break;
    const nameStart = i;
    while (i < n && /[A-Za-z0-9\-_.!%*+`'~]/.test(text[i])) i++;
    const name = text.slice(nameStart, i).toLowerCase();
    while (i < n && /\s/.test(text[i])) i++;
    if (!name || text[i] !== '=') return undefined;
    i++;
    while (i < n && /\s/.test(text[i])) i++;
    let v = '';
    if (text[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const c = text[i];
        if (c === '\\' && i + 1 < n) { v += text[i + 1]; i += 2; continue; }
        if (c === '"') { closed = true; i++; break; }
        v += c;
        i++;
      }
      if (!closed) return undefined;
    } else {
      const start = i;
      while (i < n && text[i] !== ',' && !/\s/.test(text[i])) i++;
      v = text.slice(start, i);
    }
    params[name] = v;
    while (i < n && /\s/.test(text[i])) i++;
    if (i < n && text[i] !== ',') return undefined;
  }
  return { scheme, params };
}

/** Quote a value as an RFC 3261 §25.1 quoted-string. */
export function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
