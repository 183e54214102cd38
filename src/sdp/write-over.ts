import type { ParsedMedia, ParsedSdp } from './parse.js';

/**
 * Writes `sdp` — parsed from `original`, then changed by the relay rewrite and the codec
 * reduction — as `original`'s own lines with only what those two change rewritten: o='s
 * address, c=, each m='s port and payload list, a=rtcp, the rtpmap/fmtp/rtcp-fb lines of the
 * payloads the reduction dropped (and an rtpmap it added), ICE candidates (removed), and a
 * session c= the rewrite added. Every other line goes out byte for byte, in the peer's order.
 *
 * Why not sdp-transform's writer: it walks its whole grammar for the session and each m= line
 * and formats every line through regular expressions — 3.8 % of serve's SIP thread at 800
 * calls/s, two bodies a call (issue 13) — and it puts attributes in its own order, where a
 * peer's SDP should reach the other side as the peer wrote it. Returns undefined when
 * `original` does not line up with `sdp` (another count of m= lines): the caller then writes
 * the object.
 */
export function writeOver(original: string, sdp: ParsedSdp): string | undefined {
  const lines = original.split(/\r?\n/);
  let mCount = 0;
  for (const line of lines) if (line.startsWith('m=')) mCount++;
  if (mCount !== sdp.media.length) return undefined;

  const out: string[] = [];
  let section = -1;
  let media: ParsedMedia | undefined;
  let kept: Set<string> | undefined;
  let missingRtpmaps: string[] = [];
  let sessionConnectionWritten = false;
  const sessionNeedsConnection = sdp.connection !== undefined && !lines.some((l, i) => l.startsWith('c=') && i < firstMediaLine(lines));

  const flushRtpmaps = () => {
    for (const l of missingRtpmaps) out.push(l);
    missingRtpmaps = [];
  };

  for (const line of lines) {
    if (line === '') continue;
    const type = line.charCodeAt(0);
    if (section < 0 && sessionNeedsConnection && !sessionConnectionWritten && isAfterSessionConnection(type) && sdp.connection) {
      // RFC 4566 §5: c= comes before b=, t= and everything after them at session level.
      out.push(connectionLine(sdp.connection.version, sdp.connection.ip));
      sessionConnectionWritten = true;
    }
    if (type === 0x6d /* m */) {
      flushRtpmaps();
      section++;
      media = sdp.media[section];
      out.push(mediaLine(line, media));
      kept = new Set(String(media.payloads ?? '').trim().split(/\s+/));
      missingRtpmaps = rtpmapsToAdd(lines, section, media);
      continue;
    }
    if (type === 0x6f /* o */ && section < 0) {
      out.push(originLine(line, sdp));
      continue;
    }
    if (type === 0x63 /* c */) {
      const c = section < 0 ? sdp.connection : media?.connection;
      out.push(c ? connectionLine(c.version, c.ip) : line);
      continue;
    }
    if (type === 0x61 /* a */ && media) {
      const colon = line.indexOf(':');
      const name = colon < 0 ? line.slice(2) : line.slice(2, colon);
      if (name === 'candidate' || name === 'remote-candidates' || name === 'end-of-candidates') continue;
      if (name === 'rtcp' && media.rtcp) {
        out.push(rtcpLine(media.rtcp));
        continue;
      }
      if (name === 'rtpmap' || name === 'fmtp' || name === 'rtcp-fb') {
        const pt = line.slice(colon + 1).split(/\s/, 1)[0];
        if (pt !== '*' && kept && !kept.has(pt)) continue;
        if (name !== 'rtpmap') flushRtpmaps();
      } else flushRtpmaps();
    }
    out.push(line);
  }
  flushRtpmaps();
  return `${out.join('\r\n')}\r\n`;
}

function firstMediaLine(lines: readonly string[]): number {
  const i = lines.findIndex((l) => l.startsWith('m='));
  return i < 0 ? lines.length : i;
}

/** Session-level line types that RFC 4566 §5 puts after c=: b t r z k a m. */
function isAfterSessionConnection(type: number): boolean {
  return type === 0x62 || type === 0x74 || type === 0x72 || type === 0x7a || type === 0x6b || type === 0x61 || type === 0x6d;
}

function connectionLine(version: number, ip: string): string {
  return `c=IN IP${version} ${ip}`;
}

/** The peer's o= with only its address part (nettype addrtype address) replaced: username, session id and version stay as written. */
function originLine(line: string, sdp: ParsedSdp): string {
  const fields = line.slice(2).split(' ');
  if (fields.length < 6) return `o=${sdp.origin.username} ${sdp.origin.sessionId} ${sdp.origin.sessionVersion} ${sdp.origin.netType} IP${sdp.origin.ipVer} ${sdp.origin.address}`;
  return `o=${fields[0]} ${fields[1]} ${fields[2]} ${sdp.origin.netType} IP${sdp.origin.ipVer} ${sdp.origin.address}`;
}

/** The peer's m= with its port and payload list from the object: media type and protocol stay as written. */
function mediaLine(line: string, m: ParsedMedia): string {
  const fields = line.slice(2).split(' ');
  const portField = fields[1] ?? '';
  const slash = portField.indexOf('/');
  // A port count (RFC 4566 m=<media> <port>/<number of ports>) stays as written; a disabled line has none.
  const port = slash >= 0 && m.port !== 0 ? `${m.port}/${portField.slice(slash + 1)}` : String(m.port);
  return `m=${fields[0]} ${port} ${fields[2] ?? m.protocol} ${String(m.payloads ?? fields.slice(3).join(' '))}`;
}

function rtcpLine(rtcp: NonNullable<ParsedMedia['rtcp']>): string {
  return rtcp.address === undefined ? `a=rtcp:${rtcp.port}` : `a=rtcp:${rtcp.port} ${rtcp.netType ?? 'IN'} IP${rtcp.ipVer ?? 4} ${rtcp.address}`;
}

/** rtpmap lines the object has (the reduction adds PCMA's when a peer left it out) that the section's text lacks. */
function rtpmapsToAdd(lines: readonly string[], section: number, m: ParsedMedia): string[] {
  if (!m.rtp || m.rtp.length === 0) return [];
  const written = new Set<string>();
  let s = -1;
  for (const l of lines) {
    if (l.startsWith('m=')) s++;
    else if (s === section && l.startsWith('a=rtpmap:')) written.add(l.slice(9).split(/\s/, 1)[0]);
    else if (s > section) break;
  }
  return m.rtp
    .filter((r) => !written.has(String(r.payload)))
    .map((r) => `a=rtpmap:${r.payload} ${r.codec}/${r.rate ?? 8000}${r.encoding === undefined ? '' : `/${r.encoding}`}`);
}
