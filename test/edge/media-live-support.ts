import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { RawUac, pcmaOffer, type InviteAttempt, type Msg } from './support/raw-uac.js';
import { serve, type Served } from './support/serve.js';

/**
 * Live media scenarios against a real `trunkline serve`: a trunk provisioned through the API
 * (whitelisting 127.0.0.1, one caller number), a raw PBX on UDP and a real RTP socket on loopback.
 */
export const CALLER = '+919876541111';
export const ECHO = '+919876540000';
/** The simulator rings 1 s, answers, and sends no RTP (not an echo number). */
export const SILENT_CARRIER = '+919876541234';

export interface Finding {
  readonly id: string;
  readonly severity: string;
  readonly evidence: readonly string[];
}
export interface CallView {
  readonly status: string;
  readonly edge_cause: string | null;
  readonly findings: readonly Finding[];
  readonly media: { directions: Record<'customer_to_carrier' | 'carrier_to_customer', { packets: number; source: string | null; sdp_address: string | null }> } | null;
}

export interface LiveEdge {
  readonly s: Served;
  readonly domain: string;
  readonly trunkSid: string;
  readonly pbx: RawUac;
  stop(): Promise<void>;
}

export async function liveEdge(extra: readonly string[] = []): Promise<LiveEdge> {
  const s = await serve(extra);
  try {
    const trunk = await s.api<{ trunk_sid: string; domain_name: string }>('POST', `/v2/accounts/${s.account}/trunks`, { trunk_name: 'pbx_media', nso_code: 'ANY-ANY', domain_name: `${s.account}.pstn.localhost` });
    if (trunk.status !== 200) throw new Error(`trunk create: ${JSON.stringify(trunk.json)}`);
    const { trunk_sid: trunkSid, domain_name: domain } = trunk.json.response.data;
    for (const [path, body] of [['whitelisted-ips', { ip: '127.0.0.1', mask: 32 }], ['phone-numbers', { phone_number: CALLER, mode: 'pstn' }]] as const) {
      const r = await s.api('POST', `/v2/accounts/${s.account}/trunks/${trunkSid}/${path}`, body);
      if (r.status !== 200) throw new Error(`${path}: ${JSON.stringify(r.json)}`);
    }
    const pbx = await new RawUac('udp', { host: '127.0.0.1', port: s.sip }).open();
    return {
      s, domain, trunkSid, pbx,
      stop: async () => {
        await pbx.close();
        await s.stop();
      },
    };
  } catch (err) {
    await s.stop();
    throw err;
  }
}

/** The edge with a raw UAS of the test as its only carrier (--carrier): the test decides who sends RTP. */
export interface CarrierEdge {
  readonly e: LiveEdge;
  readonly carrier: RawUac;
  /** The carrier's RTP socket: announced in its 200 OK. */
  readonly carrierRtp: Socket & { received: number };
  /** Where the edge told the carrier to send RTP in the latest INVITE (the relay's leg facing the carrier). */
  relayForCarrier(): number;
  stop(): Promise<void>;
}

export async function liveEdgeWithCarrier(extra: readonly string[] = []): Promise<CarrierEdge> {
  // The carrier's sockets are bound before serve is told where they are: a port found free, let go
  // and bound again after serve is up can be taken by then (EADDRINUSE). Its target, the edge's
  // SIP port, is filled in once serve has one (as next-hop.test's gateways).
  const carrier = await new RawUac('udp', { host: '127.0.0.1', port: 0 }).open();
  let carrierRtp: (Socket & { received: number }) | undefined;
  try {
    carrierRtp = await rtpSocket();
    // liveEdge stops its serve itself when its own setup fails.
    const e = await liveEdge(['--carrier', `sip:127.0.0.1:${carrier.local.port};transport=udp`, ...extra]);
    carrier.target.port = e.s.sip;
    const rtp = carrierRtp;
    let relayPort = 0;
    carrier.onRequest = (m, reply) => {
      if (m.method === 'ACK') return;
      if (m.method !== 'INVITE') return reply(200, 'OK');
      relayPort = Number(/m=audio (\d+)/.exec(m.body)?.[1]);
      reply(200, 'OK', [`Contact: <sip:carrier@127.0.0.1:${carrier.local.port}>`], pcmaOffer('127.0.0.1', rtp.address().port));
    };
    return {
      e, carrier, carrierRtp: rtp,
      relayForCarrier: () => relayPort,
      stop: async () => {
        rtp.close();
        await carrier.close();
        await e.stop();
      },
    };
  } catch (err) {
    carrierRtp?.close();
    await carrier.close();
    throw err;
  }
}

export interface Answered {
  readonly inv: InviteAttempt;
  readonly ok: Msg;
  readonly sid: string;
  /** The relay's RTP port the PBX must send to (from the 200 OK's SDP). */
  readonly relayPort: number;
}

export async function call(e: LiveEdge, to: string, sdpHost: string, sdpPort: number): Promise<Answered> {
  const inv = e.pbx.invite({ ruri: `sip:${to}@${e.domain}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer(sdpHost, sdpPort) });
  const ok = await inv.waitFinal(5000);
  if (ok.status !== 200) throw new Error(`call to ${to} got ${ok.status}: ${ok.raw}`);
  await e.pbx.ack(inv, ok);
  const relayPort = Number(/m=audio (\d+)/.exec(ok.body)?.[1]);
  return { inv, ok, sid: ok.header('x-trunkline-call-sid')!, relayPort };
}

export async function rtpSocket(): Promise<Socket & { received: number }> {
  const sock = createSocket('udp4') as Socket & { received: number };
  sock.received = 0;
  sock.on('message', () => sock.received++);
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  return sock;
}

/** RFC 3550 §5.1 header + 160 bytes of G.711 A-law (20 ms); `fill` 0xD5 is A-law idle (silence). */
export function rtpPacket(seq: number, ssrc: number, fill: (i: number) => number): Buffer {
  const b = Buffer.alloc(12 + 160);
  b[0] = 0x80;
  b[1] = 8;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 160) >>> 0, 4);
  b.writeUInt32BE(ssrc, 8);
  for (let i = 0; i < 160; i++) b[12 + i] = fill(seq * 160 + i);
  return b;
}

/** ITU-T G.711 A-law encoding of one 16-bit sample (the standard segment search). */
export function linearToAlaw(sample: number): number {
  let pcm = sample >> 3;
  const mask = pcm >= 0 ? 0xd5 : 0x55;
  if (pcm < 0) pcm = -pcm - 1;
  const ends = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];
  const seg = ends.findIndex((e) => pcm <= e);
  if (seg < 0) return 0x7f ^ mask;
  const aval = (seg << 4) | ((seg < 2 ? pcm >> 1 : pcm >> seg) & 0x0f);
  return aval ^ mask;
}

/** 440 Hz at about -10 dBFS, sample index i at 8 kHz: audio, not silence. */
export const tone = (i: number): number => linearToAlaw(Math.round(10000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
export const silence = (): number => 0xd5;

/** Sends `count` packets paced 20 ms apart (setTimeout pacing; counts, not timing, are asserted). */
export async function sendRtp(sock: Socket, port: number, count: number, fill: (i: number) => number, ssrc = 0x5eed0001): Promise<void> {
  for (let seq = 0; seq < count; seq++) {
    sock.send(rtpPacket(seq, ssrc, fill), port, '127.0.0.1');
    await sleep(20);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The call as the calls API shows it, once it is completed (bounded wait). */
export async function completedCall(e: LiveEdge, sid: string, timeoutMs = 8000): Promise<CallView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await e.s.api<CallView>('GET', `/v2/accounts/${e.s.account}/calls/${sid}`);
    if (r.status === 200 && r.json.response.data.status === 'completed') return r.json.response.data;
    if (Date.now() > deadline) throw new Error(`call ${sid} not completed in ${timeoutMs} ms: ${JSON.stringify(r.json).slice(0, 400)}`);
    await sleep(100);
  }
}

/** The edge ended the call itself: its SIP trace has a BYE to each leg carrying the RTP timeout Reason (RFC 3326). */
export async function assertRtpTimeoutByes(e: LiveEdge, sid: string): Promise<void> {
  const trace = await e.s.api<{ messages: { leg: string; direction: string; summary: string; message: string }[] }>('GET', `/v2/accounts/${e.s.account}/calls/${sid}/trace`);
  const byes = trace.json.response.data.messages.filter((m) => m.direction === 'out' && m.summary.startsWith('BYE '));
  assert.deepEqual(byes.map((m) => m.leg).sort(), ['carrier', 'customer']);
  for (const m of byes) assert.match(m.message, /\r\nReason: SIP;cause=\d{3};text="RTP timeout"\r\n/i);
}

export function finding(view: CallView, id: string): Finding | undefined {
  return view.findings.find((f) => f.id === id);
}

/** Streams RTP every 20 ms until stopped (the call stays up meanwhile; at most a minute); returns the stopper. */
export function stream(sock: Socket, port: () => number, fill: (i: number) => number, ssrc: number): () => Promise<void> {
  let on = true;
  const done = (async () => {
    for (let seq = 0; on && seq < 3000; seq++) {
      sock.send(rtpPacket(seq, ssrc, fill), port(), '127.0.0.1');
      await sleep(20);
    }
  })();
  return async () => {
    on = false;
    await done;
  };
}

/** Polls GET …/calls/{sid} until `seen` holds (bounded); the view it held in. */
export async function liveView(e: LiveEdge, sid: string, what: string, seen: (v: CallView) => boolean, timeoutMs = 12_000): Promise<CallView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await e.s.api<CallView>('GET', `/v2/accounts/${e.s.account}/calls/${sid}`);
    if (r.status === 200 && seen(r.json.response.data)) return r.json.response.data;
    if (Date.now() > deadline) throw new Error(`${what} not shown within ${timeoutMs} ms: ${JSON.stringify(r.json).slice(0, 600)}`);
    await sleep(100);
  }
}

/** Polls until finding `id` shows while the streams run, then stops them (whether it showed or not). */
export async function seenWhileStreaming(e: LiveEdge, sid: string, id: string, stops: readonly (() => Promise<void>)[]): Promise<CallView> {
  try {
    return await liveView(e, sid, `${id} while the call is up`, (v) => finding(v, id) !== undefined);
  } finally {
    await Promise.all(stops.map((s) => s()));
  }
}

/** After the end: the completed record holds `id`, and refreshes that were under way do not overwrite it later. */
export async function finalKeeps(e: LiveEdge, sid: string, id: string): Promise<CallView> {
  const v = await completedCall(e, sid);
  assert.ok(finding(v, id), `final record lost ${id}: ${JSON.stringify(v.findings.map((f) => f.id))}`);
  // Longer than two refresh intervals of the live tests (0.5 s): a late live write would have landed by now.
  await sleep(1200);
  const again = (await e.s.api<CallView>('GET', `/v2/accounts/${e.s.account}/calls/${sid}`)).json.response.data;
  assert.equal(again.status, 'completed');
  assert.deepEqual(again.findings.map((f) => f.id), v.findings.map((f) => f.id));
  assert.deepEqual(again.media, v.media);
  return v;
}
