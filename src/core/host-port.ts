/**
 * An address as traces, records, evidence and logs write it: "ip:port", "[v6]:port" (RFC 3986
 * §3.2.2 brackets), or the bare host when there is no port.
 */
export function hostPort(host: string, port?: number | string): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}

/** Entries kept by sharedHostPort before it starts over (a scan from many addresses must not grow it without end). */
const SHARED_MAX = 8192;
let sharedCount = 0;
const shared = new Map<string, Map<number, string>>();

/**
 * hostPort(host, port) as one string per address: a call's trace writes the same few addresses
 * on each of its ~12 messages, and a string built per message (two per entry, each a
 * concatenation of three parts) was ~1.5 KB of what every call in progress held (issue 13).
 */
export function sharedHostPort(host: string, port: number): string {
  const known = shared.get(host)?.get(port);
  if (known !== undefined) return known;
  if (sharedCount >= SHARED_MAX) {
    shared.clear();
    sharedCount = 0;
  }
  let ports = shared.get(host);
  if (ports === undefined) {
    ports = new Map<number, string>();
    shared.set(host, ports);
  }
  // Joined: one flat string, not a concatenation that keeps its parts (see sip keys.ts).
  const text = [host.includes(':') ? `[${host}]` : host, String(port)].join(':');
  ports.set(port, text);
  sharedCount++;
  return text;
}
