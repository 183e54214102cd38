import { hostPort } from '../core/index.js';

/**
 * Addresses as evidence carries them: "ip:port", "[v6]:port", or a bare host. Private-range
 * classification is what tells a NAT problem from a firewall one, so it is exact: only
 * 172.16.0.0/12 is RFC 1918 — 172.168.x.x is public address space.
 */

export interface Endpoint {
  readonly host: string;
  readonly port?: number;
}

export function parseEndpoint(text: string): Endpoint {
  const t = text.trim();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (v6) return v6[2] ? { host: v6[1].toLowerCase(), port: Number(v6[2]) } : { host: v6[1].toLowerCase() };
  const v4 = /^([^:]+):(\d+)$/.exec(t);
  if (v4) return { host: v4[1].toLowerCase(), port: Number(v4[2]) };
  return { host: t.toLowerCase() };
}

export function hostOf(text: string): string {
  return parseEndpoint(text).host;
}

export function formatEndpoint(host: string, port?: number): string {
  return hostPort(host, port);
}

function ipv4Octets(host: string): number[] | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  const h = mapped ? mapped[1] : host;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  return o.every((n) => n <= 255) ? o : undefined;
}

/** First 16-bit group of an IPv6 address, or undefined when the text is not IPv6. */
function ipv6FirstGroup(host: string): number | undefined {
  if (!host.includes(':')) return undefined;
  const first = host.split('%')[0].split(':')[0];
  if (first === '') return 0; // "::…" starts with zeros
  const n = Number.parseInt(first, 16);
  return Number.isNaN(n) || first.length > 4 ? undefined : n;
}

/**
 * Why an address cannot be reached from the public Internet, or undefined when it can.
 * The label names the range and its RFC, for the evidence line.
 */
export function privateRange(host: string): string | undefined {
  const o = ipv4Octets(host);
  if (o) {
    const [a, b] = o;
    if (a === 10) return 'RFC 1918 private 10.0.0.0/8';
    if (a === 172 && b >= 16 && b <= 31) return 'RFC 1918 private 172.16.0.0/12';
    if (a === 192 && b === 168) return 'RFC 1918 private 192.168.0.0/16';
    if (a === 100 && b >= 64 && b <= 127) return 'RFC 6598 carrier-grade NAT 100.64.0.0/10';
    if (a === 169 && b === 254) return 'RFC 3927 link-local 169.254.0.0/16';
    return undefined;
  }
  const g = ipv6FirstGroup(host);
  if (g === undefined) return undefined;
  if ((g & 0xfe00) === 0xfc00) return 'RFC 4193 IPv6 unique local fc00::/7';
  if ((g & 0xffc0) === 0xfe80) return 'RFC 4291 IPv6 link-local fe80::/10';
  return undefined;
}

export function isPrivateAddress(host: string): boolean {
  return privateRange(hostOf(host)) !== undefined;
}

/** c=0.0.0.0 (RFC 3264 §8.4, the old way to put a stream on hold) or the IPv6 unspecified address. */
export function isUnspecified(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

export function isLoopback(host: string): boolean {
  const o = ipv4Octets(host);
  return o ? o[0] === 127 : host === '::1';
}

function ipv4ToInt(host: string): number | undefined {
  const o = ipv4Octets(host);
  return o ? ((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0 : undefined;
}

/** Whether an IPv4 address lies in an IPv4 CIDR ("203.0.113.0/24", or a bare address for /32). */
export function inCidr(host: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const a = ipv4ToInt(hostOf(host));
  const n = ipv4ToInt(net);
  if (a === undefined || n === undefined || !(bits >= 0 && bits <= 32)) return hostOf(host) === net.toLowerCase() && bitsText === undefined;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (a & mask) === (n & mask);
}
