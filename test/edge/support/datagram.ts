import { createSocket } from 'node:dgram';

/** Sends one datagram to the edge from `from` (a loopback address) and waits (bounded) for the first final response. */
export async function exchange(port: number, text: string, from = '127.0.0.1'): Promise<string> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, from, () => r()));
  try {
    return await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no final response in 5 s')), 5000);
      sock.on('message', (m) => {
        const s = m.toString('latin1');
        if (/^SIP\/2\.0 [2-6]\d\d /.test(s)) {
          clearTimeout(t);
          resolve(s);
        }
      });
      sock.send(Buffer.from(text.replace(/\n/g, '\r\n'), 'latin1'), port, '127.0.0.1');
    });
  } finally {
    sock.close();
  }
}
