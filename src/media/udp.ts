import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { TrunklineError } from '../core/index.js';
import type { MediaErrorCode } from './errors.js';
import type { PortPool } from './port-pool.js';

/**
 * Node's dgram resolves every destination through dns.lookup, which for an IP literal still
 * costs a process.nextTick and a closure per packet; the relay only ever sends to literals,
 * so the lookup answers synchronously (measured in bench/media-relay.ts).
 */
function literalLookup(family: 4 | 6) {
  return (address: string, _opts: unknown, cb: (err: Error | null, address: string, family: number) => void): void => {
    cb(null, address, family);
  };
}

export function createUdpSocket(family: 4 | 6): dgram.Socket {
  const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', lookup: literalLookup(family) as never });
  return socket;
}

function bind(socket: dgram.Socket, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    socket.once('error', onError);
    socket.bind({ port, address: host, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

export function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

export interface BoundPair {
  readonly rtp: dgram.Socket;
  readonly rtcp: dgram.Socket;
  readonly rtpPort: number;
}

/**
 * Binds an even/odd pair from the pool, trying at most `maxAttempts` pairs. A port another
 * process holds (EADDRINUSE, EACCES) is skipped and handed back marked busy; any other failure
 * is an error.
 */
export async function bindPair(pool: PortPool, host: string, maxAttempts: number): Promise<BoundPair> {
  const family = isIP(host) === 6 ? 6 : 4;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const port = pool.take();
    if (port === undefined) break;
    const rtp = createUdpSocket(family);
    // The RTCP socket only once RTP is bound: a search past a block held elsewhere makes one socket per pair tried.
    let rtcp: dgram.Socket | undefined;
    try {
      await bind(rtp, port, host);
      rtcp = createUdpSocket(family);
      await bind(rtcp, port + 1, host);
      return { rtp, rtcp, rtpPort: port };
    } catch (err) {
      await Promise.all([closeSocket(rtp), rtcp ? closeSocket(rtcp) : undefined]);
      const code = (err as NodeJS.ErrnoException).code;
      pool.give(port, true);
      if (code !== 'EADDRINUSE' && code !== 'EACCES') {
        throw new TrunklineError<MediaErrorCode>('MEDIA_BIND_FAILED', `cannot bind ${host}:${port}`, { cause: err, details: { host, port } });
      }
    }
  }
  throw new TrunklineError<MediaErrorCode>('MEDIA_PORTS_EXHAUSTED', 'no free RTP port pair in range', { details: { ...pool.stats() } });
}
