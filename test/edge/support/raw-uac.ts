import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';

/**
 * A PBX in a test: a SIP user agent written straight on sockets, sharing no code with our
 * stack, so the edge is judged by what goes over the wire. UDP or TCP (RFC 3261 §18.3
 * Content-Length framing); it answers the edge's requests (BYE, INVITE for inbound calls).
 */
export interface Msg {
  readonly start: string;
  readonly status?: number;
  readonly method?: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
  readonly raw: string;
  header(name: string): string | undefined;
  all(name: string): string[];
}

const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type', k: 'supported' };

export function parseMsg(raw: string): Msg {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split < 0 ? raw.length : split);
  const body = split < 0 ? '' : raw.slice(split + 4);
  const lines = head.split('\r\n');
  const start = lines[0];
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const c = line.indexOf(':');
    if (c < 0) continue;
    const n = line.slice(0, c).trim().toLowerCase();
    headers.push([COMPACT[n] ?? n, line.slice(c + 1).trim()]);
  }
  const m = /^SIP\/2\.0 (\d{3})/.exec(start);
  const all = (name: string) => headers.filter(([n]) => n === name.toLowerCase()).map(([, v]) => v);
  return {
    start, headers, body, raw,
    ...(m ? { status: Number(m[1]) } : { method: start.split(' ')[0] }),
    header: (name: string) => all(name)[0],
    all,
  };
}

export const tag = (v: string | undefined) => /;tag=([^;>\s]+)/.exec(v ?? '')?.[1];

export interface InviteOptions {
  readonly ruri: string;
  readonly from?: string;
  readonly to?: string;
  readonly body?: string;
  readonly contentType?: string;
  readonly extra?: readonly string[];
  /** false: only build and register the attempt (a test then sends a variant with sendRaw). */
  readonly send?: boolean;
}

export class Dialog {
  cseq = 1;
  /** RFC 3261 §12.1.2: the 2xx's Record-Route in reverse, sent as Route on every later request (a proxy in front). */
  routes: string[] = [];
  constructor(
    readonly uac: RawUac,
    readonly callId: string,
    readonly localTag: string,
    readonly from: string,
    readonly to: string,
    readonly ruri: string,
    public remoteTarget: string,
    public remoteTag?: string,
  ) {}
}

export class InviteAttempt {
  readonly responses: Msg[] = [];
  readonly #waiters: (() => void)[] = [];
  constructor(readonly dialog: Dialog, readonly branch: string, readonly request: string) {}

  push(m: Msg): void {
    this.responses.push(m);
    for (const w of this.#waiters.splice(0)) w();
  }

  get final(): Msg | undefined {
    return this.responses.find((r) => r.status! >= 200);
  }

  /** Waits (bounded) for a response matching `pred`. */
  async waitFor(pred: (m: Msg) => boolean, timeoutMs = 5000): Promise<Msg> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.responses.find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching response within ${timeoutMs} ms; got ${this.responses.map((r) => r.start).join(' | ') || 'nothing'}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  waitFinal(timeoutMs = 5000): Promise<Msg> {
    return this.waitFor((m) => m.status! >= 200, timeoutMs);
  }
}

export class RawUac {
  readonly protocol: 'udp' | 'tcp';
  readonly target: { host: string; port: number };
  readonly requests: Msg[] = [];
  /** Answers requests the edge sends us; default 200 OK for BYE/OPTIONS/INFO/UPDATE/re-INVITE. */
  onRequest: (m: Msg, reply: (status: number, reason: string, extra?: readonly string[], body?: string) => void) => void = (m, reply) => {
    if (m.method !== 'ACK') reply(200, 'OK');
  };
  #udp?: UdpSocket;
  #tcp?: Socket;
  #server?: Server;
  #local = { host: '127.0.0.1', port: 0 };
  readonly #attempts = new Map<string, InviteAttempt>();
  readonly #others = new Map<string, (m: Msg) => void>();
  #reqWaiters: (() => void)[] = [];

  constructor(protocol: 'udp' | 'tcp', target: { host: string; port: number }, bindHost = '127.0.0.1') {
    this.protocol = protocol;
    this.target = target;
    this.#local = { host: bindHost, port: 0 };
  }

  get local(): { host: string; port: number } {
    return this.#local;
  }

  async open(bindPort = 0): Promise<this> {
    if (this.protocol === 'udp') {
      this.#udp = createSocket(this.#local.host.includes(':') ? 'udp6' : 'udp4');
      this.#udp.on('message', (b) => this.#onMessage(b.toString('latin1')));
      this.#udp.bind(bindPort, this.#local.host);
      await once(this.#udp, 'listening');
      this.#local = { host: this.#local.host, port: this.#udp.address().port };
    } else {
      // A listening socket too, so that the edge can open a connection to us for inbound calls.
      this.#server = createServer((s) => this.#attachStream(s));
      this.#server.listen(bindPort, this.#local.host);
      await once(this.#server, 'listening');
      const addr = this.#server.address();
      this.#local = { host: this.#local.host, port: typeof addr === 'object' && addr ? addr.port : 0 };
    }
    return this;
  }

  async #stream(): Promise<Socket> {
    if (this.#tcp && !this.#tcp.destroyed) return this.#tcp;
    const s = connect({ host: this.target.host, port: this.target.port, localAddress: this.#local.host });
    await once(s, 'connect');
    this.#attachStream(s);
    this.#tcp = s;
    return s;
  }

  readonly #sockets = new Set<Socket>();

  #attachStream(s: Socket): void {
    this.#sockets.add(s);
    s.on('close', () => this.#sockets.delete(s));
    let buf = '';
    s.setEncoding('latin1');
    s.on('error', () => {});
    s.on('data', (chunk: string) => {
      buf += chunk;
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) break;
        const len = Number(/\r\n(?:content-length|l)\s*:\s*(\d+)/i.exec(buf.slice(0, end + 2))?.[1] ?? 0);
        if (buf.length < end + 4 + len) break;
        const raw = buf.slice(0, end + 4 + len);
        buf = buf.slice(end + 4 + len);
        if (!this.#tcp || this.#tcp.destroyed) this.#tcp = s;
        this.#onMessage(raw);
      }
    });
  }

  async sendRaw(text: string): Promise<void> {
    if (this.#udp) {
      this.#udp.send(Buffer.from(text, 'latin1'), this.target.port, this.target.host);
      return;
    }
    (await this.#stream()).write(text, 'latin1');
  }

  /** host:port as a SIP URI writes it (RFC 3261 §25.1: an IPv6 reference in brackets). */
  get #hostport(): string {
    const h = this.#local.host;
    return `${h.includes(':') ? `[${h}]` : h}:${this.#local.port}`;
  }

  get via(): string {
    return `SIP/2.0/${this.protocol.toUpperCase()} ${this.#hostport}`;
  }

  /** The user part of our Contact; a test changes it to move the PBX's target (RFC 3261 §12.2 target refresh). */
  contactUser = 'pbx';

  get contact(): string {
    return `<sip:${this.contactUser}@${this.#hostport}${this.protocol === 'tcp' ? ';transport=tcp' : ''}>`;
  }

  invite(o: InviteOptions): InviteAttempt {
    const callId = `${randomBytes(8).toString('hex')}@pbx`;
    const localTag = randomBytes(4).toString('hex');
    const from = o.from ?? `<sip:+919876541111@${this.#local.host.includes(':') ? `[${this.#local.host}]` : this.#local.host}>`;
    const to = o.to ?? `<${o.ruri}>`;
    const dialog = new Dialog(this, callId, localTag, `${from};tag=${localTag}`, to, o.ruri, o.ruri);
    const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
    const body = o.body ?? '';
    const req = [
      `INVITE ${o.ruri} SIP/2.0`,
      `Via: ${this.via};branch=${branch};rport`,
      'Max-Forwards: 70',
      `From: ${dialog.from}`,
      `To: ${to}`,
      `Call-ID: ${callId}`,
      'CSeq: 1 INVITE',
      `Contact: ${this.contact}`,
      ...(body ? [`Content-Type: ${o.contentType ?? 'application/sdp'}`] : []),
      ...(o.extra ?? []),
      `Content-Length: ${Buffer.byteLength(body, 'latin1')}`,
      '',
      body,
    ].join('\r\n');
    const attempt = new InviteAttempt(dialog, branch, req);
    this.#attempts.set(branch, attempt);
    if (o.send !== false) void this.sendRaw(req);
    return attempt;
  }

  /** RFC 3261 §17.1.1.3 / §13.2.2.4: ACK for a 2xx is its own transaction to the remote target. */
  async ack(attempt: InviteAttempt, ok: Msg): Promise<void> {
    const d = attempt.dialog;
    d.remoteTag = tag(ok.header('to'));
    d.remoteTarget = /<([^>]+)>/.exec(ok.header('contact') ?? '')?.[1] ?? d.ruri;
    d.routes = ok.all('record-route').flatMap((v) => v.split(/,(?=\s*<)/).map((r) => r.trim())).reverse();
    const toHeader = ok.header('to')!;
    await this.sendRaw([
      `ACK ${d.remoteTarget} SIP/2.0`, `Via: ${this.via};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`, 'Max-Forwards: 70',
      ...d.routes.map((r) => `Route: ${r}`),
      `From: ${d.from}`, `To: ${toHeader}`, `Call-ID: ${d.callId}`, 'CSeq: 1 ACK', 'Content-Length: 0', '', '',
    ].join('\r\n'));
  }

  /** RFC 3261 §9.1: CANCEL copies the INVITE's Request-URI, Call-ID, From, To, CSeq number and top Via. */
  async cancel(attempt: InviteAttempt): Promise<Msg> {
    const d = attempt.dialog;
    const p = new Promise<Msg>((resolve) => this.#others.set(`${attempt.branch}|CANCEL`, resolve));
    await this.sendRaw([
      `CANCEL ${d.ruri} SIP/2.0`, `Via: ${this.via};branch=${attempt.branch};rport`, 'Max-Forwards: 70',
      `From: ${d.from}`, `To: ${d.to}`, `Call-ID: ${d.callId}`, 'CSeq: 1 CANCEL', 'Content-Length: 0', '', '',
    ].join('\r\n'));
    return withTimeout(p, 5000, 'CANCEL response');
  }

  /** An in-dialog request (BYE, INFO, OPTIONS, UPDATE, re-INVITE) and its final response. */
  async request(attempt: InviteAttempt, method: string, body = '', extra: readonly string[] = []): Promise<Msg> {
    const d = attempt.dialog;
    const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
    const cseq = ++d.cseq;
    const p = new Promise<Msg>((resolve) => this.#others.set(`${branch}|${method}`, resolve));
    await this.sendRaw([
      `${method} ${d.remoteTarget} SIP/2.0`, `Via: ${this.via};branch=${branch};rport`, 'Max-Forwards: 70', ...d.routes.map((r) => `Route: ${r}`),
      `From: ${d.from}`, `To: ${d.to.replace(/;tag=[^;>]*/, '')};tag=${d.remoteTag}`, `Call-ID: ${d.callId}`, `CSeq: ${cseq} ${method}`,
      `Contact: ${this.contact}`, ...(body ? ['Content-Type: application/sdp'] : []), ...extra,
      `Content-Length: ${Buffer.byteLength(body, 'latin1')}`, '', body,
    ].join('\r\n'));
    const final = await withTimeout(p, 5000, `${method} response`);
    if (method === 'INVITE' && final.status! >= 200 && final.status! < 300) {
      await this.sendRaw([
        `ACK ${d.remoteTarget} SIP/2.0`, `Via: ${this.via};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`, 'Max-Forwards: 70',
        ...d.routes.map((r) => `Route: ${r}`), `From: ${d.from}`, `To: ${final.header('to')}`, `Call-ID: ${d.callId}`, `CSeq: ${cseq} ACK`, 'Content-Length: 0', '', '',
      ].join('\r\n'));
    }
    return final;
  }

  /** Sends a request the test built and resolves with its final response (matched by branch and method). */
  async sendRequest(text: string, branch: string, method: string, timeoutMs = 5000): Promise<Msg> {
    const p = new Promise<Msg>((resolve) => this.#others.set(`${branch}|${method}`, resolve));
    await this.sendRaw(text);
    return withTimeout(p, timeoutMs, `${method} response`);
  }

  async waitRequest(pred: (m: Msg) => boolean, timeoutMs = 5000): Promise<Msg> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.requests.find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching request within ${timeoutMs} ms; got ${this.requests.map((r) => r.start).join(' | ') || 'nothing'}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#reqWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  #onMessage(raw: string): void {
    const m = parseMsg(raw);
    if (m.status !== undefined) {
      const branch = /branch=([^;,\s]+)/.exec(m.header('via') ?? '')?.[1] ?? '';
      const method = (m.header('cseq') ?? '').split(/\s+/)[1];
      const attempt = this.#attempts.get(branch);
      if (attempt && method === 'INVITE') {
        attempt.push(m);
        // RFC 3261 §17.1.1.3: the client transaction ACKs a non-2xx final itself, same branch.
        if (m.status >= 300) {
          void this.sendRaw([
            `ACK ${attempt.dialog.ruri} SIP/2.0`, `Via: ${this.via};branch=${branch};rport`, 'Max-Forwards: 70',
            `From: ${attempt.dialog.from}`, `To: ${m.header('to')}`, `Call-ID: ${attempt.dialog.callId}`, 'CSeq: 1 ACK', 'Content-Length: 0', '', '',
          ].join('\r\n'));
        }
        return;
      }
      if (m.status >= 200) {
        const waiter = this.#others.get(`${branch}|${method}`);
        this.#others.delete(`${branch}|${method}`);
        waiter?.(m);
      }
      return;
    }
    this.requests.push(m);
    for (const w of this.#reqWaiters.splice(0)) w();
    this.onRequest(m, (status, reason, extra = [], body = '') => {
      const toTag = status > 100 && !tag(m.header('to')) ? `;tag=${randomBytes(4).toString('hex')}` : '';
      void this.sendRaw([
        `SIP/2.0 ${status} ${reason}`, ...m.all('via').map((v) => `Via: ${v}`), `From: ${m.header('from')}`, `To: ${m.header('to')}${toTag}`,
        `Call-ID: ${m.header('call-id')}`, `CSeq: ${m.header('cseq')}`, ...extra,
        ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body, 'latin1')}`, '', body,
      ].join('\r\n'));
    });
  }

  async close(): Promise<void> {
    this.#udp?.close();
    this.#tcp?.destroy();
    for (const s of this.#sockets) s.destroy();
    if (this.#server) await new Promise<void>((r) => this.#server!.close(() => r()));
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(`timeout waiting for ${what}`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

export function pcmaOffer(host = '127.0.0.1', port = 40000, codecs = '8 101'): string {
  return [
    'v=0', `o=pbx 1 1 IN ${host.includes(':') ? 'IP6' : 'IP4'} ${host}`, 's=-', `c=IN ${host.includes(':') ? 'IP6' : 'IP4'} ${host}`, 't=0 0', `m=audio ${port} RTP/AVP ${codecs}`,
    'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=sendrecv', '',
  ].join('\r\n');
}
