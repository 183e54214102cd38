import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { parseUri } from '../sip/index.js';
import type { Hop, SipProtocol } from './leg.js';

/**
 * A destination or carrier URI → where to send (RFC 3263 §4 in its simple form: the transport
 * parameter, else UDP; the port, else 5060/5061; an FQDN resolved to an address). A name that
 * does not resolve is reported, so the edge can answer 502 as SPEC §2 says.
 */
export type TargetResolution = { readonly ok: true; readonly hop: Hop; readonly uri: string } | { readonly ok: false; readonly uri: string; readonly detail: string };

export function hopFromUri(uri: string, fallback: SipProtocol = 'udp'): Hop | undefined {
  try {
    const u = parseUri(uri);
    if (u.scheme === 'tel' || isIP(u.host) === 0) return undefined;
    const t = (u.params.get('transport') ?? '').toLowerCase();
    const protocol: SipProtocol = u.scheme === 'sips' ? 'tls' : t === 'tcp' || t === 'tls' || t === 'udp' ? t : fallback;
    return { protocol, address: u.host, port: u.port ?? (protocol === 'tls' ? 5061 : 5060) };
  } catch {
    return undefined;
  }
}

export async function resolveTarget(uri: string): Promise<TargetResolution> {
  let u;
  try {
    u = parseUri(uri);
  } catch {
    return { ok: false, uri, detail: `"${uri}" is not a SIP URI` };
  }
  if (u.scheme === 'tel') return { ok: false, uri, detail: `"${uri}" is not a SIP URI` };
  const t = (u.params.get('transport') ?? '').toLowerCase();
  const protocol: SipProtocol = u.scheme === 'sips' ? 'tls' : t === 'tcp' || t === 'tls' ? t : 'udp';
  const port = u.port ?? (protocol === 'tls' ? 5061 : 5060);
  if (isIP(u.host)) return { ok: true, uri, hop: { protocol, address: u.host, port } };
  try {
    const { address } = await lookup(u.host);
    return { ok: true, uri, hop: { protocol, address, port } };
  } catch (err) {
    return { ok: false, uri, detail: `${u.host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
}
