import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';

/**
 * A DNS server in a test (RFC 1035 over UDP) answering from a zone the test writes: A, AAAA,
 * SRV (RFC 2782) and NAPTR (RFC 3403) records; any other name gets NXDOMAIN. No internet here,
 * so RFC 3263 resolution is tested against this, via node:dns Resolver.setServers.
 */
export type ZoneRecord = (
  | { readonly type: 'A'; readonly address: string }
  | { readonly type: 'AAAA'; readonly address: string }
  | { readonly type: 'SRV'; readonly priority: number; readonly weight: number; readonly port: number; readonly target: string }
  | { readonly type: 'NAPTR'; readonly order: number; readonly preference: number; readonly flags: string; readonly service: string; readonly regexp: string; readonly replacement: string }
) & { /** Seconds (default 60). */ readonly ttl?: number };

const TYPE = { A: 1, AAAA: 28, SRV: 33, NAPTR: 35 } as const;

export class TestDnsServer {
  readonly zone = new Map<string, ZoneRecord[]>();
  /** Every question asked, as "TYPE name" (qtype number for types the zone has no name for). */
  readonly asked: string[] = [];
  readonly #socket: Socket;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('message', (msg, rinfo) => {
      const reply = this.#answer(msg);
      if (reply) socket.send(reply, rinfo.port, rinfo.address);
    });
  }

  static async start(host = '127.0.0.1'): Promise<TestDnsServer> {
    const socket = createSocket('udp4');
    socket.bind(0, host);
    await once(socket, 'listening');
    return new TestDnsServer(socket);
  }

  /** Replaces every record of `name` (a zone change the next lookup after the TTL sees). */
  set(name: string, ...records: ZoneRecord[]): this {
    this.zone.set(name.toLowerCase(), records);
    return this;
  }

  /** "host:port" for Resolver.setServers. */
  get server(): string {
    const a = this.#socket.address();
    return `${a.address}:${a.port}`;
  }

  add(name: string, record: ZoneRecord): this {
    const key = name.toLowerCase();
    this.zone.set(key, [...(this.zone.get(key) ?? []), record]);
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }

  #answer(query: Buffer): Buffer | undefined {
    if (query.length < 12) return undefined;
    let offset = 12;
    const labels: string[] = [];
    while (offset < query.length && query[offset] !== 0) {
      const len = query[offset];
      labels.push(query.subarray(offset + 1, offset + 1 + len).toString('ascii'));
      offset += len + 1;
    }
    offset += 1;
    const qtype = query.readUInt16BE(offset);
    const question = query.subarray(12, offset + 4);
    const name = labels.join('.').toLowerCase();
    const typeName = Object.entries(TYPE).find(([, v]) => v === qtype)?.[0] ?? String(qtype);
    this.asked.push(`${typeName} ${name}`);
    const records = this.zone.get(name);
    const answers = (records ?? []).filter((r) => TYPE[r.type] === qtype).map((r) => rr(r));
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    // QR, opcode 0, AA, RD copied, RA; RCODE 3 (NXDOMAIN) for a name the zone does not have.
    header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | (records ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    return Buffer.concat([header, question, ...answers]);
  }
}

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')])), Buffer.from([0])]);
}

function charString(s: string): Buffer {
  return Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s, 'ascii')]);
}

function rr(r: ZoneRecord): Buffer {
  let rdata: Buffer;
  if (r.type === 'A') rdata = Buffer.from(r.address.split('.').map(Number));
  else if (r.type === 'AAAA') rdata = ipv6Bytes(r.address);
  else if (r.type === 'SRV') {
    const fixed = Buffer.alloc(6);
    fixed.writeUInt16BE(r.priority, 0);
    fixed.writeUInt16BE(r.weight, 2);
    fixed.writeUInt16BE(r.port, 4);
    rdata = Buffer.concat([fixed, encodeName(r.target)]);
  } else {
    const fixed = Buffer.alloc(4);
    fixed.writeUInt16BE(r.order, 0);
    fixed.writeUInt16BE(r.preference, 2);
    rdata = Buffer.concat([fixed, charString(r.flags), charString(r.service), charString(r.regexp), encodeName(r.replacement)]);
  }
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
  head.writeUInt16BE(TYPE[r.type], 2);
  head.writeUInt16BE(1, 4); // class IN
  head.writeUInt32BE(r.ttl ?? 60, 6);
  head.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([head, rdata]);
}

/** An IPv6 address as its 16 bytes (the zone's AAAA records; no embedded IPv4 form). */
function ipv6Bytes(address: string): Buffer {
  const groups = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const [left, right] = address.split('::');
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const all = right === undefined ? l : [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  return Buffer.from(new Uint16Array(all).buffer).swap16();
}
