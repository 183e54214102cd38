import { isIP } from 'node:net';

/** The evidence contract's address form: "ip:port", "[v6]:port" for IPv6. */
export function formatAddress(ip: string, port: number): string {
  return isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** A dual-stack IPv6 socket reports IPv4 peers as ::ffff:a.b.c.d; evidence wants a.b.c.d. */
export function plainIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/** Parses "--rtp-ports 10000-40000". */
export function parsePortRange(text: string): { readonly lo: number; readonly hi: number } | undefined {
  const m = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(text);
  return m ? { lo: Number(m[1]), hi: Number(m[2]) } : undefined;
}
