// rtpengine's ng control protocol: "<cookie> <bencoded dict>" over UDP (bench/media-relay.ts drives it).
import dgram from 'node:dgram';

export type Bval = string | number | Bval[] | { [k: string]: Bval };

export function bencode(v: Bval): Buffer {
  if (typeof v === 'number') return Buffer.from(`i${v}e`);
  if (typeof v === 'string') return Buffer.concat([Buffer.from(`${Buffer.byteLength(v)}:`), Buffer.from(v)]);
  if (Array.isArray(v)) return Buffer.concat([Buffer.from('l'), ...v.map(bencode), Buffer.from('e')]);
  const keys = Object.keys(v).sort();
  return Buffer.concat([Buffer.from('d'), ...keys.flatMap((k) => [bencode(k), bencode(v[k])]), Buffer.from('e')]);
}

export function bdecode(buf: Buffer, pos = { i: 0 }): Bval {
  const c = String.fromCharCode(buf[pos.i]);
  if (c === 'i') {
    const end = buf.indexOf(0x65, pos.i);
    const n = Number(buf.subarray(pos.i + 1, end).toString());
    pos.i = end + 1;
    return n;
  }
  if (c === 'l' || c === 'd') {
    pos.i++;
    const items: Bval[] = [];
    while (buf[pos.i] !== 0x65) items.push(bdecode(buf, pos));
    pos.i++;
    if (c === 'l') return items;
    const o: Record<string, Bval> = {};
    for (let i = 0; i < items.length; i += 2) o[items[i] as string] = items[i + 1];
    return o;
  }
  const colon = buf.indexOf(0x3a, pos.i);
  const len = Number(buf.subarray(pos.i, colon).toString());
  const s = buf.subarray(colon + 1, colon + 1 + len).toString();
  pos.i = colon + 1 + len;
  return s;
}

export class NgClient {
  readonly #sock = dgram.createSocket('udp4');
  readonly #pending = new Map<string, (v: Record<string, Bval>) => void>();
  #n = 0;
  constructor(readonly port: number) {
    this.#sock.on('message', (msg) => {
      const sp = msg.indexOf(0x20);
      const cookie = msg.subarray(0, sp).toString();
      this.#pending.get(cookie)?.(bdecode(msg.subarray(sp + 1)) as Record<string, Bval>);
      this.#pending.delete(cookie);
    });
  }
  /** ng protocol: "<cookie> <bencoded dict>" over UDP; the reply echoes the cookie. Retried on loss. */
  async command(dict: Record<string, Bval>): Promise<Record<string, Bval>> {
    const cookie = `c${++this.#n}`;
    const packet = Buffer.concat([Buffer.from(`${cookie} `), bencode(dict)]);
    for (let attempt = 0; attempt < 5; attempt++) {
      const reply = new Promise<Record<string, Bval> | undefined>((resolve) => {
        const t = setTimeout(() => resolve(undefined), 2000);
        this.#pending.set(cookie, (v) => (clearTimeout(t), resolve(v)));
      });
      this.#sock.send(packet, this.port, '127.0.0.1');
      const r = await reply;
      if (r) {
        if (r.result !== 'ok' && r.result !== 'pong') throw new Error(`rtpengine ${String(dict.command)}: ${JSON.stringify(r)}`);
        return r;
      }
    }
    throw new Error(`rtpengine did not answer ${String(dict.command)}`);
  }
  close(): void {
    this.#sock.close();
  }
}
