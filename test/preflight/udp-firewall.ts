import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

/**
 * A NAT firewall with a SIP ALG, on loopback, between preflight and the edge — the box the
 * guide's "UDP 10000–40000 open" is about. SIP over UDP goes out from 127.0.0.2 (so the edge
 * sees another address than the host's SDP: NAT); the ALG points the edge's answer SDP at a
 * pinhole of its own, and the RTP rule decides what crosses it:
 * - `blocked`: nothing (a firewall dropping the RTP range both ways);
 * - `outbound-only`: host → relay passes, relay → host is dropped (one-way audio);
 * - `open`: both ways.
 * Test-only: real sockets and datagrams, no mocks; TCP and TLS are not forwarded at all.
 */
export type RtpRule = 'blocked' | 'outbound-only' | 'open';

const OUTSIDE = '127.0.0.2';

export interface Firewall {
  readonly sipPort: number;
  readonly dropped: { toRelay: number; toHost: number };
  close(): void;
}

function bind(address: string): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(0, address, () => resolve(s)));
}

export async function udpFirewall(edgeSipPort: number, rule: RtpRule): Promise<Firewall> {
  const sockets: Socket[] = [];
  const dropped = { toRelay: 0, toHost: 0 };
  const inside = await bind('127.0.0.1');
  sockets.push(inside);
  // One outside socket per inside source (a NAT mapping), made once even if datagrams race.
  const mappings = new Map<string, Promise<Socket>>();

  // The ALG: the answer's audio goes to a pinhole of ours, which relays per the rule.
  const pinhole = async (sdp: string): Promise<string> => {
    const relayPort = Number(/^m=audio (\d+)/m.exec(sdp)?.[1]);
    const relayAddress = /^c=IN IP4 (\S+)/m.exec(sdp)?.[1] ?? '127.0.0.1';
    const near = await bind('127.0.0.1');
    const far = await bind(OUTSIDE);
    sockets.push(near, far);
    let host: RemoteInfo | undefined;
    near.on('message', (m, from) => {
      host = from;
      if (rule === 'blocked') dropped.toRelay++;
      else far.send(m, relayPort, relayAddress);
    });
    far.on('message', (m) => {
      if (rule !== 'open' || !host) dropped.toHost++;
      else near.send(m, host.port, host.address);
    });
    return sdp.replace(/^m=audio \d+/m, `m=audio ${near.address().port}`);
  };

  const rewrite = async (bytes: Buffer): Promise<Buffer> => {
    const text = bytes.toString('latin1');
    const split = text.indexOf('\r\n\r\n');
    if (!text.startsWith('SIP/2.0 2') || split < 0 || !text.includes('m=audio')) return bytes;
    const body = await pinhole(text.slice(split + 4));
    const head = text.slice(0, split).replace(/^(Content-Length|l)\s*:\s*\d+/im, `Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
    return Buffer.from(`${head}\r\n\r\n${body}`, 'latin1');
  };

  inside.on('message', (m, from) => {
    const key = `${from.address}:${from.port}`;
    let outside = mappings.get(key);
    if (!outside) {
      outside = bind(OUTSIDE).then((o) => {
        sockets.push(o);
        o.on('message', (reply) => void rewrite(reply).then((b) => inside.send(b, from.port, from.address)));
        return o;
      });
      mappings.set(key, outside);
    }
    void outside.then((o) => o.send(m, edgeSipPort, '127.0.0.1'));
  });

  return {
    sipPort: inside.address().port,
    dropped,
    close: () => sockets.forEach((s) => s.close()),
  };
}
