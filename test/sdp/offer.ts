/** Builds a small SDP offer from a PBX at 192.168.1.10 with the given extra lines. */
export function offer(lines: string[]): string {
  return ['v=0', 'o=pbx 1 1 IN IP4 192.168.1.10', 's=call', 'c=IN IP4 192.168.1.10', 't=0 0', ...lines].join('\r\n') + '\r\n';
}
