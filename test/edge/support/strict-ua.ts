import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { parseMsg, pcmaOffer, tag, type Msg } from './raw-uac.js';

/**
 * A SIP user agent that behaves like one on another host (issue 11 item 1): it sends every
 * request inside the dialog (ACK, BYE) to the Contact the far side gave (RFC 3261 §12.2.1.1,
 * no route set), every response to the top Via's sent-by (RFC 3261 §18.2.2), and RTP to the
 * SDP's c=/m= — so a wrong address the edge gives it fails the call instead of passing on a
 * host where every address is local. A wildcard (0.0.0.0, ::) is refused as a destination: no
 * host can send to it. Run as a child (strict-ua-main.ts), inside a network namespace or on a
 * loopback alias, it reports what it was given and what arrived.
 */
export interface AgentConfig {
  readonly role: 'uac' | 'uas';
  /** The address this agent binds and announces (its Via, Contact, SDP). */
  readonly bind: string;
  readonly sipPort?: number;
  /** uac: where the INVITE goes (the edge, as a PBX or carrier is configured with it). */
  readonly edge?: { readonly host: string; readonly port: number };
  readonly ruri?: string;
  readonly from?: string;
  /** This side sends the BYE once RTP has flowed both ways; otherwise it waits for one. */
  readonly hangup: boolean;
  readonly rtpPackets?: number;
  readonly timeoutMs?: number;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface AgentReport {
  readonly errors: string[];
  /** The far side's Contact (in the 200 for a uac, in the INVITE for a uas). */
  contact?: HostPort;
  /** The top Via sent-by of the INVITE the uas received. */
  via?: HostPort;
  /** The far side's SDP: c= address and m= port; o= address. */
  sdp?: HostPort;
  origin?: string;
  callSid?: string;
  finalStatus?: number;
  ackSentTo?: HostPort;
  ackReceived: boolean;
  byeSentTo?: HostPort;
  byeStatus?: number;
  byeReceived: boolean;
  rtpSent: number;
  rtpReceived: number;
}

const WILDCARD = /^(0\.0\.0\.0|::|\[::\]|0*:[0:]*)$/;

/** host:port of a SIP URI (brackets of an IPv6 reference removed). */
export function uriHostPort(uri: string): HostPort | undefined {
  const m = /^sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;>]+)(?::(\d+))?/i.exec(uri.replace(/^<|>.*$/g, ''));
  return m ? { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2] ?? 5060) } : undefined;
}

function sentBy(via: string | undefined): HostPort | undefined {
  const m = /^SIP\/2\.0\/\w+\s+(\[[^\]]+\]|[^:;\s]+)(?::(\d+))?/i.exec(via ?? '');
  return m ? { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2] ?? 5060) } : undefined;
}

function sdpOf(body: string): { media?: HostPort; origin?: string } {
  const c = /^c=IN IP[46] (\S+)/m.exec(body)?.[1];
  const port = /^m=audio (\d+)/m.exec(body)?.[1];
  const origin = /^o=\S+ \S+ \S+ IN IP[46] (\S+)/m.exec(body)?.[1];
  return { ...(c && port ? { media: { host: c, port: Number(port) } } : {}), ...(origin ? { origin } : {}) };
}

function rtp(seq: number): Buffer {
  const b = Buffer.alloc(12 + 160, 0xd5);
  b[0] = 0x80;
  b[1] = 8; // PCMA
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(seq * 160, 4);
  b.writeUInt32BE(0x51ab1e00, 8);
  return b;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hp = (h: string) => (h.includes(':') ? `[${h}]` : h);

export class StrictUa {
  readonly report: AgentReport = { errors: [], ackReceived: false, byeReceived: false, rtpSent: 0, rtpReceived: 0 };
  readonly #c: AgentConfig;
  #sip!: Socket;
  #rtp!: Socket;
  #waiters: { pred: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  #seen: Msg[] = [];
  readonly #localTag = randomBytes(4).toString('hex');

  constructor(config: AgentConfig) {
    this.#c = config;
  }

  async open(): Promise<{ sip: number; rtp: number }> {
    const type = this.#c.bind.includes(':') ? 'udp6' : 'udp4';
    this.#sip = createSocket(type);
    this.#rtp = createSocket(type);
    this.#sip.on('message', (b) => this.#onSip(parseMsg(b.toString('latin1'))));
    this.#rtp.on('message', () => this.report.rtpReceived++);
    this.#sip.bind(this.#c.sipPort ?? 0, this.#c.bind);
    this.#rtp.bind(0, this.#c.bind);
    await Promise.all([once(this.#sip, 'listening'), once(this.#rtp, 'listening')]);
    return { sip: this.#sip.address().port, rtp: this.#rtp.address().port };
  }

  close(): void {
    this.#sip.close();
    this.#rtp.close();
  }

  get #me(): string {
    return `${hp(this.#c.bind)}:${this.#sip.address().port}`;
  }

  #send(socket: Socket, text: string | Buffer, to: HostPort | undefined, what: string): boolean {
    if (!to || WILDCARD.test(to.host) || !to.port) {
      this.report.errors.push(`${what}: no address a host can send to (${JSON.stringify(to)})`);
      return false;
    }
    socket.send(typeof text === 'string' ? Buffer.from(text, 'latin1') : text, to.port, to.host, (err) => {
      if (err) this.report.errors.push(`${what} to ${to.host}:${to.port}: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
    });
    return true;
  }

  #wait(pred: (m: Msg) => boolean, ms: number, what: string): Promise<Msg | undefined> {
    const hit = this.#seen.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.report.errors.push(`timeout waiting for ${what}`);
        resolve(undefined);
      }, ms);
      this.#waiters.push({ pred, resolve: (m) => { clearTimeout(t); resolve(m); } });
    });
  }

  #onSip(m: Msg): void {
    this.#seen.push(m);
    for (const w of [...this.#waiters]) {
      if (w.pred(m)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
    if (m.method === 'ACK') this.report.ackReceived = true;
    if (m.method === 'BYE') {
      this.report.byeReceived = true;
      this.#respond(m, 200, 'OK');
    }
    if (m.status === 200 && this.#c.role === 'uac' && (m.header('cseq') ?? '').endsWith('INVITE') && this.#okSeen) {
      // RFC 3261 §13.2.2.4: a retransmitted 2xx is ACKed again, to the same remote target.
      void this.#ack(m);
    }
  }

  #okSeen = false;

  /** RFC 3261 §18.2.2: a response goes to the top Via's sent-by (received/rport are the edge's business). */
  #respond(req: Msg, status: number, reason: string, extra: readonly string[] = [], body = ''): void {
    const toTag = tag(req.header('to')) ? '' : `;tag=${this.#localTag}`;
    const text = [
      `SIP/2.0 ${status} ${reason}`, ...req.all('via').map((v) => `Via: ${v}`), `From: ${req.header('from')}`, `To: ${req.header('to')}${toTag}`,
      `Call-ID: ${req.header('call-id')}`, `CSeq: ${req.header('cseq')}`, ...extra,
      ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body, 'latin1')}`, '', body,
    ].join('\r\n');
    this.#send(this.#sip, text, sentBy(req.all('via')[0]), `${status} to ${req.method}`);
  }

  async #ack(ok: Msg): Promise<void> {
    const target = /<([^>]+)>/.exec(ok.header('contact') ?? '')?.[1] ?? '';
    const to = uriHostPort(target);
    this.report.ackSentTo = to;
    this.#send(this.#sip, [
      `ACK ${target} SIP/2.0`, `Via: SIP/2.0/UDP ${this.#me};branch=z9hG4bK${randomBytes(6).toString('hex')}`, 'Max-Forwards: 70',
      `From: ${ok.header('from')}`, `To: ${ok.header('to')}`, `Call-ID: ${ok.header('call-id')}`, `CSeq: ${(ok.header('cseq') ?? '1').split(' ')[0]} ACK`, 'Content-Length: 0', '', '',
    ].join('\r\n'), to, 'ACK');
  }

  /** RTP to the far side's SDP address, then a bounded wait for RTP back (both directions flow). */
  async #media(): Promise<void> {
    const n = this.#c.rtpPackets ?? 50;
    for (let i = 0; i < n; i++) {
      if (this.#send(this.#rtp, rtp(i), this.report.sdp, 'RTP')) this.report.rtpSent++;
      else break;
      await sleep(10);
    }
    const deadline = Date.now() + 3000;
    while (this.report.rtpReceived < Math.min(10, n) && Date.now() < deadline) await sleep(20);
  }

  /** BYE to the far side's Contact (the remote target), answered at our own address. */
  async #bye(fields: { callId: string; from: string; to: string; cseq: number }): Promise<void> {
    const target = this.report.contact ? `sip:${hp(this.report.contact.host)}:${this.report.contact.port}` : 'sip:invalid';
    const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
    this.report.byeSentTo = this.report.contact;
    this.#send(this.#sip, [
      `BYE ${target} SIP/2.0`, `Via: SIP/2.0/UDP ${this.#me};branch=${branch}`, 'Max-Forwards: 70',
      `From: ${fields.from}`, `To: ${fields.to}`, `Call-ID: ${fields.callId}`, `CSeq: ${fields.cseq} BYE`, 'Content-Length: 0', '', '',
    ].join('\r\n'), this.report.contact, 'BYE');
    const res = await this.#wait((m) => m.status !== undefined && m.status >= 200 && (m.header('via') ?? '').includes(branch), 4000, '200 to BYE');
    if (res) this.report.byeStatus = res.status;
  }

  async runUac(): Promise<AgentReport> {
    const c = this.#c;
    const callId = `${randomBytes(8).toString('hex')}@agent`;
    const from = `${c.from ?? `<sip:+919876541111@${hp(c.bind)}>`};tag=${this.#localTag}`;
    const rtpPort = this.#rtp.address().port;
    const body = pcmaOffer(c.bind, rtpPort);
    const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
    this.#send(this.#sip, [
      `INVITE ${c.ruri} SIP/2.0`, `Via: SIP/2.0/UDP ${this.#me};branch=${branch}`, 'Max-Forwards: 70', `From: ${from}`, `To: <${c.ruri}>`,
      `Call-ID: ${callId}`, 'CSeq: 1 INVITE', `Contact: <sip:agent@${this.#me}>`, 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(body)}`, '', body,
    ].join('\r\n'), c.edge, 'INVITE');
    const final = await this.#wait((m) => (m.status ?? 0) >= 200 && (m.header('cseq') ?? '').endsWith('INVITE'), c.timeoutMs ?? 8000, 'final response to INVITE');
    if (!final) return this.report;
    this.report.finalStatus = final.status;
    this.report.callSid = final.header('x-trunkline-call-sid');
    if (final.status !== 200) return this.report;
    this.#okSeen = true;
    const contact = /<([^>]+)>/.exec(final.header('contact') ?? '')?.[1];
    if (contact) this.report.contact = uriHostPort(contact);
    const sdp = sdpOf(final.body);
    if (sdp.media) this.report.sdp = sdp.media;
    if (sdp.origin) this.report.origin = sdp.origin;
    await this.#ack(final);
    await this.#media();
    if (c.hangup) await this.#bye({ callId, from, to: final.header('to') ?? '', cseq: 2 });
    else await this.#wait((m) => m.method === 'BYE', 6000, 'BYE from the edge');
    return this.report;
  }

  async runUas(): Promise<AgentReport> {
    const c = this.#c;
    const invite = await this.#wait((m) => m.method === 'INVITE', c.timeoutMs ?? 10_000, 'INVITE');
    if (!invite) return this.report;
    const contact = /<([^>]+)>/.exec(invite.header('contact') ?? '')?.[1];
    if (contact) this.report.contact = uriHostPort(contact);
    this.report.via = sentBy(invite.all('via')[0]);
    const sdp = sdpOf(invite.body);
    if (sdp.media) this.report.sdp = sdp.media;
    if (sdp.origin) this.report.origin = sdp.origin;
    this.report.callSid = invite.header('x-trunkline-call-sid');
    const answer = pcmaOffer(c.bind, this.#rtp.address().port);
    // RFC 3261 §13.3.1.4: the 2xx is retransmitted until the ACK arrives.
    for (let i = 0; i < 8 && !this.report.ackReceived; i++) {
      this.#respond(invite, 200, 'OK', [`Contact: <sip:agent@${this.#me}>`], answer);
      await this.#wait((m) => m.method === 'ACK', 500 * 2 ** Math.min(i, 2), 'ACK').then(() => undefined);
    }
    if (this.report.ackReceived) this.report.errors.splice(0, this.report.errors.length, ...this.report.errors.filter((e) => e !== 'timeout waiting for ACK'));
    await this.#media();
    const to = `${invite.header('from')}`;
    const from = `${invite.header('to')};tag=${this.#localTag}`;
    if (c.hangup) await this.#bye({ callId: invite.header('call-id') ?? '', from, to, cseq: 1 });
    else await this.#wait((m) => m.method === 'BYE', 6000, 'BYE from the edge');
    return this.report;
  }
}
