/**
 * A parsed sip:, sips: (RFC 3261 §19.1) or tel: (RFC 3966) URI. Text parts are %-decoded;
 * `raw` keeps the URI exactly as received, which is what a proxy forwards and what
 * serialisation writes (so parse → serialise never changes a byte of a URI).
 */
export interface SipUri {
  readonly scheme: 'sip' | 'sips' | 'tel';
  /** userinfo user part, %-decoded; for tel: the number (visual separators kept). */
  readonly user: string | null;
  readonly password: string | null;
  /** Host name, IPv4 address, or IPv6 address WITHOUT the brackets of the IPv6 reference; '' for tel. */
  readonly host: string;
  readonly port: number | null;
  /** uri-parameters, names lower-cased and %-decoded; a flag parameter (`;lr`) maps to null. */
  readonly params: ReadonlyMap<string, string | null>;
  /** URI headers after `?`, %-decoded (e.g. `?Route=%3Csip:x%3E` → Route: <sip:x>). */
  readonly headers: ReadonlyMap<string, string>;
  readonly raw: string;
}

/** `host[:port]` as it goes on the wire: IPv6 addresses inside brackets (RFC 3261 §25.1 IPv6reference). */
export function formatHostPort(host: string, port: number | null | undefined): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port === null || port === undefined ? h : `${h}:${port}`;
}

// RFC 3261 §25.1 unreserved / user-unreserved / param-unreserved: what may stay unescaped.
const USER_SAFE = /[^A-Za-z0-9\-_.!~*'()&=+$,;?/]/g;
const PARAM_SAFE = /[^A-Za-z0-9\-_.!~*'()[\]/:&+$]/g;
const HEADER_SAFE = /[^A-Za-z0-9\-_.!~*'()[\]/?:+$]/g;

function escape(text: string, unsafe: RegExp): string {
  return text.replace(unsafe, (ch) =>
    [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/** Builds the text of a URI from its parts (for URIs we create; received ones keep `raw`). */
export function formatUri(uri: Omit<SipUri, 'raw'> | SipUri): string {
  let out = `${uri.scheme}:`;
  if (uri.scheme === 'tel') out += uri.user ?? '';
  else {
    if (uri.user !== null) {
      out += escape(uri.user, USER_SAFE);
      if (uri.password !== null) out += `:${escape(uri.password, USER_SAFE)}`;
      out += '@';
    }
    out += formatHostPort(uri.host, uri.port);
  }
  for (const [name, value] of uri.params) {
    out += `;${escape(name, PARAM_SAFE)}${value === null ? '' : `=${escape(value, PARAM_SAFE)}`}`;
  }
  let sep = '?';
  for (const [name, value] of uri.headers) {
    out += `${sep}${escape(name, HEADER_SAFE)}=${escape(value, HEADER_SAFE)}`;
    sep = '&';
  }
  return out;
}
