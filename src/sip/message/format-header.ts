import { isToken, quote } from '../parser/lexer.js';
import { formatHostPort } from './uri.js';

/** Header parameters as they go on the wire: `;name` or `;name=value` (values written as given). */
export function formatParams(params: Iterable<readonly [string, string | null]> | undefined): string {
  let out = '';
  for (const [name, value] of params ?? []) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}

export interface NameAddrInit {
  readonly displayName?: string | null;
  readonly uri: string;
  readonly params?: Iterable<readonly [string, string | null]>;
}

/**
 * A name-addr value (RFC 3261 §20.10): the URI always in <> (so its own `;` and `?` stay its
 * own), the display name quoted unless it is plain tokens.
 */
export function formatNameAddr(init: NameAddrInit): string {
  const dn = init.displayName;
  const display = dn === null || dn === undefined || dn === '' ? '' : `${dn.split(' ').every(isToken) ? dn : quote(dn)} `;
  return `${display}<${init.uri}>${formatParams(init.params)}`;
}

export interface ViaInit {
  readonly transport: string;
  readonly host: string;
  readonly port?: number | null;
  /** RFC 3261 §8.1.1.7: must start with z9hG4bK (core newBranch() does). */
  readonly branch: string;
  /** RFC 3581: ask for the source port (`;rport` without value). */
  readonly rport?: boolean;
  readonly params?: Iterable<readonly [string, string | null]>;
}

/** A via-parm for a request we send: `SIP/2.0/UDP host:port;branch=…[;rport]`. */
export function formatVia(init: ViaInit): string {
  const rport = init.rport ? ';rport' : '';
  return `SIP/2.0/${init.transport.toUpperCase()} ${formatHostPort(init.host, init.port)};branch=${init.branch}${rport}${formatParams(init.params)}`;
}
