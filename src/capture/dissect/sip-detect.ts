// Recognising SIP on any port by its start line (RFC 3261 §7.1 Request-Line, §7.2 Status-Line).

const REQUEST_LINE = /^[A-Za-z][A-Za-z0-9._!%*+`'~-]* [^ \r\n]+ SIP\/2\.0\r?\n/;
const STATUS_LINE = /^SIP\/2\.0 [1-6][0-9][0-9][ \r\n]/;
const START_ANYWHERE = /(?:^|\n)(?:[A-Za-z][A-Za-z0-9._!%*+`'~-]* [^ \r\n]+ SIP\/2\.0\r?\n|SIP\/2\.0 [1-6][0-9][0-9][ \r\n])/;

/** Looks at the first bytes only; cheap enough to run on every UDP datagram. */
export function startsWithSip(d: Uint8Array, p = 0, end = d.length): boolean {
  // Skip leading CRLF keep-alives (RFC 3261 §7.5).
  while (p < end && (d[p] === 13 || d[p] === 10)) p++;
  if (end - p < 12) return false;
  const c = d[p];
  const upper = c >= 0x41 && c <= 0x5a;
  const lower = c >= 0x61 && c <= 0x7a;
  if (!upper && !lower) return false;
  // Look at up to the first line (a Request-URI can be long: scan 2 KiB).
  const limit = Math.min(end, p + 2048);
  let nl = p;
  while (nl < limit && d[nl] !== 10) nl++;
  if (nl >= limit) return false;
  const line = latin1(d, p, nl + 1);
  return STATUS_LINE.test(line) || REQUEST_LINE.test(line);
}

function latin1(d: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(d[i]);
  return s;
}

/** Index of the first SIP start line at a line beginning in `text`, or −1. */
export function findSipStart(text: string): number {
  const m = START_ANYWHERE.exec(text);
  if (m === null) return -1;
  return m[0].startsWith('\n') ? m.index + 1 : m.index;
}

/** A TLS record header (RFC 8446 §5.1): handshake/application data/alert, version 3.x. */
export function looksLikeTls(d: Uint8Array, p = 0, end = d.length): boolean {
  return end - p >= 5 && d[p] >= 20 && d[p] <= 23 && d[p + 1] === 3 && d[p + 2] <= 4;
}
