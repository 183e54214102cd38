import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { newCallId, newTag, systemClock } from '../core/index.js';
import {
  answerChallenge, createRequest, createResponse, StreamTransport, TransactionLayer, TransportSet, UdpTransport,
  type Destination, type InboundMessage, type SipRequest, type SipResponse, type Transport, type TransportProtocol,
} from '../sip/index.js';

/**
 * The integrator's side of preflight on our own SIP stack (src/sip): one UDP, TCP and TLS
 * transport on ephemeral ports of the address that routes to the edge, one transaction layer.
 * Requests from the edge (a BYE ending the echo call) are answered 200; nothing else listens.
 */
export interface Exchange {
  /** The final response, or undefined when none came (timeout or transport error). */
  readonly response?: SipResponse;
  /** Provisional responses seen before it. */
  readonly provisional: readonly SipResponse[];
  readonly rttMs: number;
  /** Why there is no response: `timeout` or the transport error's message. */
  readonly error?: string;
  /** The request as sent (Via and all). */
  readonly request: SipRequest;
}

export interface DigestLogin {
  readonly username: string;
  readonly password: string;
}

export class PreflightSip {
  readonly #layer: TransactionLayer;
  readonly #transports: TransportSet;
  readonly localAddress: string;
  readonly edgeAddress: string;
  readonly #inDialog: ((req: SipRequest) => void)[] = [];

  private constructor(layer: TransactionLayer, transports: TransportSet, localAddress: string, edgeAddress: string) {
    this.#layer = layer;
    this.#transports = transports;
    this.localAddress = localAddress;
    this.edgeAddress = edgeAddress;
  }

  /** Resolves the edge host, finds the local address that routes to it and opens the transports. */
  static async open(edgeHost: string, edgePort: number): Promise<PreflightSip> {
    // RFC 6761 §6.3: localhost names are loopback, resolver or not (serve's default sip_domain is pstn.localhost).
    const loopbackName = /(^|\.)localhost\.?$/i.test(edgeHost);
    const edgeAddress = isIP(edgeHost) ? edgeHost : loopbackName ? '127.0.0.1' : (await lookup(edgeHost)).address;
    const localAddress = await routeSource(edgeAddress, edgePort);
    const transports = new TransportSet();
    const holder: { layer?: TransactionLayer; self?: PreflightSip } = {};
    const handlers = { onMessage: (m: InboundMessage) => holder.layer?.receive(m) };
    const opened: Transport[] = [await UdpTransport.listen({ host: localAddress, port: 0, handlers })];
    opened.push(await StreamTransport.listen({ host: localAddress, port: 0, handlers }));
    // A TLS client needs no certificate of its own; the certificate check is tls-check.ts's, so
    // this transport does not refuse the edge's (an expired one must not hide the OPTIONS answer).
    opened.push(await StreamTransport.listen({ host: localAddress, port: 0, handlers, tls: {}, tlsClient: { rejectUnauthorized: false } }));
    for (const t of opened) transports.add(t);
    const layer = new TransactionLayer({
      transports, clock: systemClock, agent: 'trunkline-preflight',
      tu: {
        onRequest: (tx) => {
          holder.self?.notify(tx.request);
          tx.respond(createResponse(tx.request, tx.request.method === 'BYE' ? 200 : 481, undefined, { toTag: tx.request.headers.to()?.tag ?? newTag() }));
        },
        onAck: () => {},
      },
    });
    holder.layer = layer;
    const self = new PreflightSip(layer, transports, localAddress, edgeAddress);
    holder.self = self;
    return self;
  }

  /** The local port of a transport (Contact, SDP, messages). */
  localPort(protocol: TransportProtocol): number {
    return this.#transports.pick(protocol, this.edgeAddress)?.local.port ?? 0;
  }

  onInDialogRequest(f: (req: SipRequest) => void): void {
    this.#inDialog.push(f);
  }

  /** A request from the edge (a BYE ending the echo call) reached us. */
  notify(req: SipRequest): void {
    for (const f of this.#inDialog) f(req);
  }

  /** A request to `to`, waiting for its final response at most `timeoutMs`. */
  send(request: SipRequest, to: Destination, timeoutMs: number): Promise<Exchange> {
    const start = performance.now();
    const provisional: SipResponse[] = [];
    return new Promise((resolve) => {
      let done = false;
      const finish = (r: Omit<Exchange, 'rttMs' | 'provisional' | 'request'>) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve({ ...r, provisional, request, rttMs: Math.round((performance.now() - start) * 10) / 10 });
      };
      const timer = setTimeout(() => finish({ error: 'timeout' }), timeoutMs);
      try {
        this.#layer.sendRequest(request, to, {
          onProvisional: (r) => provisional.push(r),
          onFinal: (r) => finish({ response: r }),
          onTimeout: () => finish({ error: 'timeout' }),
          onTransportError: (e) => finish({ error: e.message }),
        });
      } catch (err) {
        finish({ error: (err as Error).message });
      }
    });
  }

  /** An out-of-dialog request to the edge's domain (RFC 3261 §8.1.1), Contact on `protocol`'s transport. */
  request(method: string, ruri: string, fromUri: string, toUri: string, protocol: TransportProtocol, extra: readonly (readonly [string, string])[] = [], body?: string): SipRequest {
    const host = this.localAddress.includes(':') ? `[${this.localAddress}]` : this.localAddress;
    const headers: (readonly [string, string])[] = [
      ['Max-Forwards', '70'],
      ['From', `<${fromUri}>;tag=${newTag()}`],
      ['To', `<${toUri}>`],
      ['Call-ID', newCallId()],
      ['CSeq', `1 ${method}`],
      ['Contact', `<sip:preflight@${host}:${this.localPort(protocol)};transport=${protocol}>`],
      ['User-Agent', 'trunkline-preflight'],
      ...extra,
    ];
    return createRequest({ method, uri: ruri, headers, ...(body !== undefined ? { body } : {}) });
  }

  /**
   * The same request again with credentials for a 401/407 (RFC 3261 §22.2): same Call-ID and
   * From tag, CSeq + 1, no Via (the layer adds a fresh one).
   */
  withCredentials(previous: SipRequest, challenge: SipResponse, login: DigestLogin): SipRequest | undefined {
    const proxy = challenge.status === 407;
    const value = proxy ? challenge.headers.get('Proxy-Authenticate') : challenge.headers.get('WWW-Authenticate');
    if (!value) return undefined;
    const headers: [string, string][] = [];
    for (const f of previous.headers.fields()) {
      if (f.key === 'via') continue;
      if (f.key === 'cseq') headers.push([f.name, `${(previous.headers.cseq()?.seq ?? 1) + 1} ${previous.method}`]);
      else headers.push([f.name, f.value]);
    }
    headers.push([proxy ? 'Proxy-Authorization' : 'Authorization', answerChallenge(value, login, previous.method, previous.uri)]);
    return createRequest({ method: previous.method, uri: previous.uri, headers, body: previous.body });
  }

  /** ACK for a 2xx, sent without a transaction (RFC 3261 §13.2.2.4). */
  sendStateless(request: SipRequest, to: Destination): Promise<void> {
    return this.#layer.sendStateless(request, to);
  }

  async close(): Promise<void> {
    await this.#transports.close();
  }
}

/**
 * The local address the OS would use to reach the edge: a connected UDP socket learns it
 * without sending anything (connect(2) on a datagram socket only sets the default peer).
 */
export async function routeSource(address: string, port: number): Promise<string> {
  const socket = createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, address, () => resolve());
    });
    return socket.address().address;
  } finally {
    socket.close();
  }
}
