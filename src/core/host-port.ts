/**
 * An address as traces, records, evidence and logs write it: "ip:port", "[v6]:port" (RFC 3986
 * §3.2.2 brackets), or the bare host when there is no port.
 */
export function hostPort(host: string, port?: number | string): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}
