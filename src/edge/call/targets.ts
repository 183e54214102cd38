import { isIP } from 'node:net';
import { parseUri, SipResolver } from '../../sip/index.js';
import type { Hop, SipProtocol } from './leg.js';

/**
 * A destination or carrier URI → where to send, in order (RFC 3263 §4: NAPTR → SRV → A/AAAA,
 * with the shortcuts for numeric hosts, explicit ports and transport parameters). Each address
 * is a target of its own, so a timeout or transport error moves to the next (§4.3). A name that
 * does not resolve is reported, so the edge can answer 502 as SPEC §2 says.
 */
export type TargetResolution = { readonly ok: true; readonly hops: readonly Hop[]; readonly uri: string } | { readonly ok: false; readonly uri: string; readonly detail: string };

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

const systemResolver = new SipResolver();

export async function resolveTarget(uri: string, resolver: SipResolver = systemResolver): Promise<TargetResolution> {
  let u;
  try {
    u = parseUri(uri);
  } catch {
    return { ok: false, uri, detail: `"${uri}" is not a SIP URI` };
  }
  if (u.scheme === 'tel') return { ok: false, uri, detail: `"${uri}" is not a SIP URI` };
  const transport = u.params.get('transport') ?? undefined;
  try {
    const found = await resolver.resolve({ host: u.host, secure: u.scheme === 'sips', ...(u.port != null ? { port: u.port } : {}), ...(transport ? { transport } : {}) });
    if (!found.length) return { ok: false, uri, detail: `${u.host} does not resolve (no usable record)` };
    return { ok: true, uri, hops: found.map((t) => ({ protocol: t.protocol, address: t.address, port: t.port })) };
  } catch (err) {
    return { ok: false, uri, detail: `${u.host} does not resolve (${err instanceof Error ? err.message : String(err)})` };
  }
}
