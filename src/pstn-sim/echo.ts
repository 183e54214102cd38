import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';

/**
 * The simulator's media for one answered call: a UDP socket that sends every packet back to
 * where it came from (RTP on the even port; RTCP on the odd one is left alone), so a caller
 * hears the path both ways. Counts what it saw for tests.
 */
export class EchoEndpoint {
  readonly #socket: Socket;
  readonly #echo: boolean;
  packets = 0;

  private constructor(socket: Socket, echo: boolean) {
    this.#socket = socket;
    this.#echo = echo;
    socket.on('message', (msg, rinfo) => {
      this.packets++;
      if (this.#echo) this.#socket.send(msg, rinfo.port, rinfo.address);
    });
    socket.on('error', () => {});
    // Like the clock's timers, the simulator's media must never keep a CLI or test process alive.
    socket.unref();
  }

  static async open(host: string, echo: boolean): Promise<EchoEndpoint> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.bind(0, host);
    await once(socket, 'listening');
    return new EchoEndpoint(socket, echo);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  close(): void {
    try {
      this.#socket.close();
    } catch {
      // Already closed.
    }
  }
}

/** The simulator's SDP: PCMA and telephone-event, at its echo endpoint (RFC 3264 answer to any offer with PCMA). */
export function simSdp(host: string, port: number, sessionVersion = 1): string {
  const ip = host.includes(':') ? 'IP6' : 'IP4';
  return [
    'v=0', `o=pstn-sim 1 ${sessionVersion} IN ${ip} ${host}`, 's=trunkline PSTN simulator', `c=IN ${ip} ${host}`, 't=0 0',
    `m=audio ${port} RTP/AVP 8 101`, 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=ptime:20', 'a=sendrecv', '',
  ].join('\r\n');
}
