import { parseMessage, type SipMessage } from '../../../src/sip/index.js';
import type { TransportPort, SentBy } from '../../../src/sip/transport/transport-set.js';
import type { Destination, InboundMessage, TransportProtocol } from '../../../src/sip/transport/transport.js';

/** A transport port that records what the layer sends; `fail` makes the next sends reject. */
export class RecordingTransports implements TransportPort {
  readonly sent: { bytes: Buffer; to: Destination; message: SipMessage }[] = [];
  fail = false;
  readonly failFor = new Set<string>();

  send(bytes: Buffer, to: Destination): Promise<void> {
    if (this.fail || this.failFor.has(to.address)) return Promise.reject(Object.assign(new Error('ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    this.sent.push({ bytes, to, message: parseMessage(bytes, { strict: false }) });
    return Promise.resolve();
  }

  isReliable(protocol: TransportProtocol): boolean {
    return protocol !== 'udp';
  }

  sentBy(to: Destination): SentBy {
    return { transport: to.protocol.toUpperCase() as SentBy['transport'], host: '192.0.2.1', port: 5070 };
  }

  isLocal(host: string, port: number): boolean {
    return host === '192.0.2.1' && port === 5070;
  }

  statuses(): (number | string)[] {
    return this.sent.map((s) => (s.message.kind === 'response' ? s.message.status : s.message.method));
  }
}

export function inbound(text: string, protocol: TransportProtocol = 'udp', remote = { address: '198.51.100.9', port: 5060 }): InboundMessage {
  return {
    bytes: Buffer.from(text.replace(/\n/g, '\r\n')),
    protocol,
    remote: { ...remote, family: remote.address.includes(':') ? 'IPv6' : 'IPv4' },
    local: { address: '192.0.2.1', port: 5070, family: 'IPv4' },
    ...(protocol === 'udp' ? {} : { connectionId: `${protocol}-test` }),
  };
}

export function request(method: string, opts: { branch?: string; cseq?: number; toTag?: string; extra?: string; via?: string; callId?: string; fromTag?: string } = {}): string {
  const via = opts.via ?? `SIP/2.0/UDP 198.51.100.9:5060;branch=${opts.branch ?? 'z9hG4bK-abc'};rport`;
  return `${method} sip:+919876540000@192.0.2.1 SIP/2.0
Via: ${via}
Max-Forwards: 70
From: <sip:alice@198.51.100.9>;tag=${opts.fromTag ?? 'f1'}
To: <sip:+919876540000@192.0.2.1>${opts.toTag ? `;tag=${opts.toTag}` : ''}
Call-ID: ${opts.callId ?? 'call-1@198.51.100.9'}
CSeq: ${opts.cseq ?? 1} ${method}
${opts.extra ?? ''}Content-Length: 0

`;
}
