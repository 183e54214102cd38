import ipaddr from 'ipaddr.js';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { WhitelistedIp } from '../store/index.js';
import { invalid } from './error-codes.js';

/**
 * The semantic rules of SPEC §1 that a schema cannot say. Each throws a 1002 whose
 * description names the field and the rule, in Exotel's words where it has some
 * ("Invalid ip", "mask should be in-between 16 and 32"; docs/exotel-api.md).
 */

/** E.164 and valid in its country's numbering plan (full libphonenumber metadata). */
export function e164(field: string, value: string): string {
  if (!/^\+[1-9]\d{1,14}$/.test(value)) throw invalid(field, `Invalid phone number: '${value}' is not an E.164 number (+ then country code and number, at most 15 digits)`);
  const parsed = parsePhoneNumberFromString(value);
  if (!parsed || !parsed.isValid()) throw invalid(field, `Invalid phone number: '${value}' is not a valid number in its country's numbering plan`);
  return parsed.number;
}

/** IPv4 dotted quad and a mask min..32; returns the network (SPEC §1: stored as its network). */
export function ipv4Network(ip: string, mask: number, minMask: number): { ip: string; mask: number } {
  if (!ipaddr.IPv4.isValidFourPartDecimal(ip)) throw invalid('ip', `Invalid ip: '${ip}' is not an IPv4 address in dotted-quad form`);
  if (!Number.isInteger(mask) || mask < minMask || mask > 32) throw invalid('mask', `mask should be in-between ${minMask} and 32 (a whole number); got ${mask}`);
  return { ip: ipaddr.IPv4.networkAddressFromCIDR(`${ip}/${mask}`).toString(), mask };
}

export function inWhitelist(ip: string, networks: readonly WhitelistedIp[]): boolean {
  const addr = ipaddr.IPv4.parse(ip);
  return networks.some((n) => addr.match(ipaddr.IPv4.parse(n.ip), n.mask));
}

// RFC 1123 §2.1 host names: labels of letters, digits and hyphens, not starting or ending
// with a hyphen; a top-level label that is not all digits (so 1.2.3.999 is not a "name").
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
export function isFqdn(host: string): boolean {
  if (host.length > 253) return false;
  const labels = host.replace(/\.$/, '').split('.');
  return labels.length >= 2 && labels.every((l) => LABEL.test(l)) && !/^\d+$/.test(labels[labels.length - 1]);
}

export interface ParsedDestination {
  readonly host: string;
  readonly port: number | null;
  readonly transport: 'udp' | 'tcp' | 'tls';
  readonly isIp: boolean;
  /** `sip:host[:port];transport=…` */
  readonly uri: string;
}

/** `host[:port][;transport=udp|tcp|tls]`, optionally written with a `sip:` scheme. */
export function parseDestination(field: string, raw: string): ParsedDestination {
  const text = raw.trim().replace(/^sips?:/i, '');
  const m = /^([^:;]+)(?::(\d{1,5}))?(?:;transport=([A-Za-z]+))?$/.exec(text);
  if (!m) throw invalid(field, `'${raw}' must look like host:port;transport=tls|tcp|udp`);
  const host = m[1].toLowerCase();
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && (port < 1 || port > 65535)) throw invalid(field, `port ${port} is outside 1–65535`);
  const transport = (m[3] ?? 'udp').toLowerCase();
  if (transport !== 'udp' && transport !== 'tcp' && transport !== 'tls') throw invalid(field, `transport '${m[3]}' must be tls, tcp or udp`);
  const isIp = ipaddr.IPv4.isValidFourPartDecimal(host);
  if (!isIp && !isFqdn(host)) throw invalid(field, 'Destination is not a valid Ip or Fqdn');
  return { host, port, transport, isIp, uri: `sip:${host}${port === null ? '' : `:${port}`};transport=${transport}` };
}

/** SIP causes on which the edge tries the next destination; never 486/600/603 (the callee decided). */
export function failoverCodes(codes: readonly number[]): number[] {
  for (const c of codes) {
    if (c === 486 || c === 600 || c === 603) throw invalid('failover_codes', `${c} is a final answer of the called party and never fails over`);
    if (c < 400 || c > 699) throw invalid('failover_codes', `${c} is not a SIP failure status (400–699)`);
  }
  return [...new Set(codes)].sort((a, b) => a - b);
}

/** Where flow-mode numbers or disaster recovery go: a SIP destination or an http(s) URL. */
export function targetUri(field: string, raw: string): string {
  if (/^https?:\/\//i.test(raw)) {
    try {
      return new URL(raw).toString();
    } catch {
      throw invalid(field, `'${raw}' is not a valid URL`);
    }
  }
  return parseDestination(field, raw).uri;
}
