// Builders for synthetic captures: every byte is made here, from the RFC layouts, so the
// tests say exactly what they feed the readers.

export function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

export function ipv6Bytes(ip: string): number[] {
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.flatMap((g) => {
    const v = parseInt(g, 16);
    return [v >> 8, v & 0xff];
  });
}

function checksum16(b: Buffer): number {
  let s = 0;
  for (let i = 0; i + 1 < b.length; i += 2) s += b.readUInt16BE(i);
  if (b.length % 2) s += b[b.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

export function udp(sport: number, dport: number, payload: Buffer | string): Buffer {
  const p = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + p.length, 4);
  return Buffer.concat([h, p]);
}

export function tcp(sport: number, dport: number, seq: number, flags: { syn?: boolean; fin?: boolean; ack?: boolean; psh?: boolean }, payload: Buffer | string = ''): Buffer {
  const p = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const h = Buffer.alloc(20);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt32BE(seq >>> 0, 4);
  h[12] = 5 << 4;
  h[13] = (flags.fin ? 1 : 0) | (flags.syn ? 2 : 0) | (flags.psh ? 8 : 0) | (flags.ack === false ? 0 : 16);
  h.writeUInt16BE(65535, 14);
  return Buffer.concat([h, p]);
}

export function ipv4(src: string, dst: string, proto: number, payload: Buffer, o: { id?: number; fragOffset?: number; mf?: boolean; options?: number[] } = {}): Buffer {
  const opts = Buffer.from(o.options ?? []);
  const ihl = 20 + opts.length;
  const h = Buffer.alloc(ihl);
  h[0] = 0x40 | (ihl / 4);
  h.writeUInt16BE(ihl + payload.length, 2);
  h.writeUInt16BE(o.id ?? 1, 4);
  h.writeUInt16BE((o.mf ? 0x2000 : 0) | ((o.fragOffset ?? 0) / 8), 6);
  h[8] = 64;
  h[9] = proto;
  Buffer.from(ipv4Bytes(src)).copy(h, 12);
  Buffer.from(ipv4Bytes(dst)).copy(h, 16);
  opts.copy(h, 20);
  h.writeUInt16BE(checksum16(h), 10);
  return Buffer.concat([h, payload]);
}

/** IPv6 with optional extension headers given as [type, bytes] (bytes excluding the next-header/length pair). */
export function ipv6(src: string, dst: string, proto: number, payload: Buffer, ext: { type: number; body: Buffer }[] = []): Buffer {
  const chain: Buffer[] = [];
  const types = [...ext.map((e) => e.type), proto];
  ext.forEach((e, i) => {
    if (e.type === 44) {
      const f = Buffer.alloc(8);
      f[0] = types[i + 1];
      e.body.copy(f, 2, 0, 6);
      chain.push(f);
    } else {
      const len = Math.ceil((e.body.length + 2) / 8) * 8;
      const b = Buffer.alloc(len);
      b[0] = types[i + 1];
      b[1] = len / 8 - 1;
      e.body.copy(b, 2);
      chain.push(b);
    }
  });
  const body = Buffer.concat([...chain, payload]);
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(body.length, 4);
  h[6] = types[0];
  h[7] = 64;
  Buffer.from(ipv6Bytes(src)).copy(h, 8);
  Buffer.from(ipv6Bytes(dst)).copy(h, 24);
  return Buffer.concat([h, body]);
}

/** The IPv6 fragment header body: offset (bytes, multiple of 8), M flag, identification. */
export function fragmentHeader(offset: number, more: boolean, id: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUInt16BE(offset | (more ? 1 : 0), 0);
  b.writeUInt32BE(id, 2);
  return b;
}

export function ethernet(etherType: number, payload: Buffer, vlans: { tpid: number; vid: number }[] = []): Buffer {
  const h = Buffer.alloc(12);
  h.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  const tags = vlans.map((v) => {
    const t = Buffer.alloc(4);
    t.writeUInt16BE(v.tpid, 0);
    t.writeUInt16BE(v.vid, 2);
    return t;
  });
  const et = Buffer.alloc(2);
  et.writeUInt16BE(etherType, 0);
  return Buffer.concat([h, ...tags, et, payload]);
}

export interface Rec {
  at: number; // ms since epoch (integer µs precision unless ns given)
  data: Buffer;
  nsFraction?: number; // nanoseconds within the second, for ns files
  origLen?: number;
}

export function pcap(linkType: number, recs: Rec[], o: { littleEndian?: boolean; nanos?: boolean } = {}): Buffer {
  const le = o.littleEndian !== false;
  const w32 = (b: Buffer, v: number, off: number): void => {
    if (le) b.writeUInt32LE(v >>> 0, off);
    else b.writeUInt32BE(v >>> 0, off);
  };
  const w16 = (b: Buffer, v: number, off: number): void => {
    if (le) b.writeUInt16LE(v, off);
    else b.writeUInt16BE(v, off);
  };
  const g = Buffer.alloc(24);
  w32(g, o.nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(g, 2, 4);
  w16(g, 4, 6);
  w32(g, 262144, 16);
  w32(g, linkType, 20);
  const parts: Buffer[] = [g];
  for (const r of recs) {
    const h = Buffer.alloc(16);
    const sec = Math.floor(r.at / 1000);
    const frac = o.nanos ? (r.nsFraction ?? Math.round((r.at - sec * 1000) * 1e6)) : Math.round((r.at - sec * 1000) * 1000);
    w32(h, sec, 0);
    w32(h, frac, 4);
    w32(h, r.data.length, 8);
    w32(h, r.origLen ?? r.data.length, 12);
    parts.push(h, r.data);
  }
  return Buffer.concat(parts);
}

export interface NgInterface {
  linkType: number;
  /** if_tsresol octet (6 = µs, 9 = ns); absent = default µs. */
  tsresol?: number;
}

export interface NgPacket {
  iface: number;
  ticks: bigint; // timestamp in the interface's units
  data: Buffer;
  kind?: 'epb' | 'spb' | 'opb';
}

export function pcapng(ifaces: NgInterface[], packets: NgPacket[], o: { littleEndian?: boolean; extraBlocks?: { type: number; body: Buffer }[] } = {}): Buffer {
  const le = o.littleEndian !== false;
  const u32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    if (le) b.writeUInt32LE(v >>> 0);
    else b.writeUInt32BE(v >>> 0);
    return b;
  };
  const u16 = (v: number): Buffer => {
    const b = Buffer.alloc(2);
    if (le) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return b;
  };
  const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
  const block = (type: number, body: Buffer): Buffer => {
    const len = 12 + body.length;
    return Buffer.concat([u32(type), u32(len), body, u32(len)]);
  };
  const out: Buffer[] = [];
  out.push(block(0x0a0d0d0a, Buffer.concat([u32(0x1a2b3c4d), u16(1), u16(0), Buffer.alloc(8, 0xff)])));
  for (const i of ifaces) {
    const opts = i.tsresol === undefined ? Buffer.alloc(0) : Buffer.concat([u16(9), u16(1), pad(Buffer.from([i.tsresol])), u16(0), u16(0)]);
    out.push(block(1, Buffer.concat([u16(i.linkType), u16(0), u32(0), opts])));
  }
  for (const b of o.extraBlocks ?? []) out.push(block(b.type, pad(b.body)));
  for (const p of packets) {
    const hi = Number(p.ticks >> 32n);
    const lo = Number(p.ticks & 0xffffffffn);
    if (p.kind === 'spb') out.push(block(3, Buffer.concat([u32(p.data.length), pad(p.data)])));
    else if (p.kind === 'opb') out.push(block(2, Buffer.concat([u16(p.iface), u16(0), u32(hi), u32(lo), u32(p.data.length), u32(p.data.length), pad(p.data)])));
    else out.push(block(6, Buffer.concat([u32(p.iface), u32(hi), u32(lo), u32(p.data.length), u32(p.data.length), pad(p.data)])));
  }
  return Buffer.concat(out);
}

export function sipRequest(method: string, callId: string, o: { cseq?: number; branch?: string; sdp?: string; fromTag?: string; toTag?: string } = {}): string {
  const body = o.sdp ?? '';
  return (
    `${method} sip:+911234567890@trunk.example.com SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 10.0.0.1:5060;branch=${o.branch ?? 'z9hG4bK' + callId.replace(/[^A-Za-z0-9]/g, '')}\r\n` +
    `From: <sip:alice@pbx.example.com>;tag=${o.fromTag ?? 'ft1'}\r\n` +
    `To: <sip:+911234567890@trunk.example.com>${o.toTag ? `;tag=${o.toTag}` : ''}\r\n` +
    `Call-ID: ${callId}\r\n` +
    `CSeq: ${o.cseq ?? 1} ${method}\r\n` +
    `Max-Forwards: 70\r\n` +
    (body ? 'Content-Type: application/sdp\r\n' : '') +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

export function sipResponse(status: number, reason: string, method: string, callId: string, o: { cseq?: number; sdp?: string; toTag?: string } = {}): string {
  const body = o.sdp ?? '';
  return (
    `SIP/2.0 ${status} ${reason}\r\n` +
    `Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK${callId.replace(/[^A-Za-z0-9]/g, '')}\r\n` +
    `From: <sip:alice@pbx.example.com>;tag=ft1\r\n` +
    `To: <sip:+911234567890@trunk.example.com>;tag=${o.toTag ?? 'tt1'}\r\n` +
    `Call-ID: ${callId}\r\n` +
    `CSeq: ${o.cseq ?? 1} ${method}\r\n` +
    (body ? 'Content-Type: application/sdp\r\n' : '') +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

export function sdp(ip: string, port: number, pts = '8 101'): string {
  const v6 = ip.includes(':');
  return `v=0\r\no=- 1 1 IN ${v6 ? 'IP6' : 'IP4'} ${ip}\r\ns=-\r\nc=IN ${v6 ? 'IP6' : 'IP4'} ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP ${pts}\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n`;
}

export function rtp(seq: number, ts: number, ssrc: number, pt = 8, payload: Buffer = Buffer.alloc(160, 0xd5)): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = pt;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE(ts >>> 0, 4);
  h.writeUInt32BE(ssrc >>> 0, 8);
  return Buffer.concat([h, payload]);
}

/** An IPv4/UDP packet in Ethernet. */
export function ethUdp4(src: string, sport: number, dst: string, dport: number, payload: Buffer | string): Buffer {
  return ethernet(0x0800, ipv4(src, dst, 17, udp(sport, dport, payload)));
}
