import { BoundedMemo } from './bounded-memo.js';

/**
 * An address as traces, records, evidence and logs write it: "ip:port", "[v6]:port" (RFC 3986
 * §3.2.2 brackets), or the bare host when there is no port.
 */
export function hostPort(host: string, port?: number | string): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}

/**
 * One string per address, the first one built (bounded: a scan from many addresses drops the
 * oldest). The key is the value: what is shared is the string itself.
 */
const shared = new BoundedMemo<string>(8192, (text) => text);

/**
 * hostPort(host, port) as one string per address: a call's trace writes the same few addresses
 * on each of its ~12 messages, and a string built per message (two per entry, each a
 * concatenation of three parts) was ~1.5 KB of what every call in progress held (issue 13). The
 * string built for the lookup is dropped young.
 */
export function sharedHostPort(host: string, port: number): string {
  return shared.get(hostPort(host, port));
}
