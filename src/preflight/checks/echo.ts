import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { mediaEndpoint } from '../../sdp/index.js';
import { dialogFromResponse, type Destination, type SipResponse } from '../../sip/index.js';
import type { DigestLogin, Exchange, PreflightSip } from '../sip-client.js';
import { ITEMS, type CheckResult } from '../types.js';
import { ApiReader, type ApiAccess, type Json } from './api-client.js';
import type { TrunkFacts } from './provisioning.js';

/**
 * "UDP 10000–40000 open" (guide §6, §9), tested for real: an INVITE offering PCMA to the
 * simulator's echo number through the edge, ACK, RTP for `rtpSeconds` at 20 ms (RFC 3551 §4.5:
 * 160 A-law samples a packet), counting what comes back; then BYE. The relay's own counters
 * (the call record, when the API is given) tell which way a failure lies.
 */
export interface EchoOptions {
  readonly trunkDomain: string;
  readonly sipPort: number;
  readonly echoNumber: string;
  readonly from?: string;
  readonly login?: DigestLogin;
  readonly rtpSeconds: number;
  readonly timeoutMs: number;
  readonly api?: ApiAccess;
  readonly trunk?: TrunkFacts;
  readonly publicAddress: string | null;
}

const PACKET_MS = 20;
const RTP_FIX = (relay: string) =>
  `open UDP 10000–40000 to and from the edge's media address ${relay} in your firewall (both directions, and allow the replies back), and have the PBX send and receive RTP on the same port (symmetric RTP)`;

export async function echoTest(sip: PreflightSip, o: EchoOptions): Promise<CheckResult[]> {
  const caller = o.from ?? o.trunk?.callerNumber;
  const base = { id: 'media.echo', item: ITEMS.rtp };
  if (!caller) {
    return [{ ...base, status: 'skip', seen: 'no caller number for the echo call: the RTP range was not tested', change: 'give --from NUMBER (a number mapped to the trunk, or its trunk_external_alias), or API credentials so preflight finds one' }];
  }
  const rtp = createSocket(sip.localAddress.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((resolve) => rtp.bind(0, sip.localAddress, () => resolve()));
  try {
    const offer = pcmaOffer(sip.localAddress, rtp.address().port);
    const to: Destination = { protocol: 'udp', address: sip.edgeAddress, port: o.sipPort };
    const ruri = `sip:${o.echoNumber}@${o.trunkDomain}`;
    let req = sip.request('INVITE', ruri, `sip:${caller}@${o.trunkDomain}`, ruri, 'udp', [['Content-Type', 'application/sdp'], ['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS']], offer);
    let x: Exchange = await sip.send(req, to, Math.max(o.timeoutMs, 8000));
    if (x.response && (x.response.status === 401 || x.response.status === 407) && o.login) {
      const again = sip.withCredentials(req, x.response, o.login);
      if (again) {
        req = again;
        x = await sip.send(req, to, Math.max(o.timeoutMs, 8000));
      }
    }
    const r = x.response;
    if (!r) return [{ ...base, status: 'fail', seen: `the echo call to ${o.echoNumber} got no answer (${x.error})`, change: 'fix signaling first (see the items above)' }];
    if (r.status < 200 || r.status >= 300) return [refused(r, o, caller)];
    const dialog = dialogFromResponse(req, r);
    const cseq = req.headers.cseq()?.seq ?? 1;
    const callSid = r.headers.get('X-Trunkline-Call-Sid') ?? null;
    if (dialog) await sip.sendStateless(dialog.createAck(cseq), to).catch(() => undefined);
    // The edge may end the call itself (RTP timeout, the far end hanging up): then no BYE of ours.
    let endedByEdge: string | undefined;
    const callId = req.headers.callId();
    sip.onInDialogRequest((inbound) => {
      if (inbound.method === 'BYE' && inbound.headers.callId() === callId) endedByEdge = inbound.headers.get('Reason') ?? 'BYE without Reason';
    });
    const relay = safeEndpoint(r.body.toString('utf8'));
    let counts: { sent: number; back: number; from: Set<string>; firstMs: number | null } = { sent: 0, back: 0, from: new Set(), firstMs: null };
    if (relay) counts = await pump(rtp, relay.address, relay.rtpPort, o.rtpSeconds);
    if (dialog && !endedByEdge) await sip.send(dialog.createRequest('BYE'), to, o.timeoutMs);
    const stats = callSid && o.api ? await relayCounters(o.api, callSid) : undefined;
    const verdict = judge(counts, relay ? `${relay.address}:${relay.rtpPort}` : 'none', stats, callSid);
    const echo = endedByEdge ? { ...verdict, seen: `${verdict.seen}; the edge ended the call during the test (${endedByEdge})`, details: { ...verdict.details, ended_by_edge: endedByEdge } } : verdict;
    return [echo, natItem(sip.localAddress, rtp.address().port, o.publicAddress, counts.back > 0)];
  } finally {
    rtp.close();
  }
}

function pcmaOffer(address: string, port: number): string {
  const ip = address.includes(':') ? 'IP6' : 'IP4';
  const id = Math.floor(Date.now() / 1000);
  return ['v=0', `o=preflight ${id} ${id} IN ${ip} ${address}`, 's=trunkline preflight echo', `c=IN ${ip} ${address}`, 't=0 0',
    `m=audio ${port} RTP/AVP 8 101`, 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');
}

function safeEndpoint(sdp: string) {
  try {
    return mediaEndpoint(sdp);
  } catch {
    return undefined;
  }
}

/** Sends one PCMA packet every 20 ms for `seconds` and counts what comes back (all of it, or until 2 s after the last). */
async function pump(socket: Socket, address: string, port: number, seconds: number) {
  const total = Math.max(1, Math.round((seconds * 1000) / PACKET_MS));
  const ssrc = randomBytes(4).readUInt32BE(0);
  const seq0 = randomBytes(2).readUInt16BE(0);
  const from = new Set<string>();
  let back = 0;
  let firstMs: number | null = null;
  const start = performance.now();
  socket.on('message', (_m, rinfo) => {
    back++;
    from.add(`${rinfo.address}:${rinfo.port}`);
    firstMs ??= Math.round(performance.now() - start);
  });
  const payload = Buffer.alloc(160, 0xd5); // A-law silence (RFC 3551 §4.5.14)
  let sent = 0;
  for (let i = 0; i < total; i++) {
    const h = Buffer.alloc(12);
    h[0] = 0x80; // RFC 3550 §5.1: V=2
    h[1] = 8; // PT 8 = PCMA
    h.writeUInt16BE((seq0 + i) & 0xffff, 2);
    h.writeUInt32BE((i * 160) >>> 0, 4);
    h.writeUInt32BE(ssrc, 8);
    await new Promise<void>((resolve) => socket.send(Buffer.concat([h, payload]), port, address, (err) => {
      if (!err) sent++;
      resolve();
    }));
    const due = start + (i + 1) * PACKET_MS;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
  }
  // Echoes still on their way: wait until all are back, at most 2 s (a loaded host or a long path).
  for (let waited = 0; back < sent && waited < 2000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  return { sent, back, from, firstMs };
}

interface RelayCounters {
  readonly fromHost: number;
  readonly toHost: number;
}

/** The relay's counts for the call (GET …/calls/{call_sid}), once the edge has written its final record. */
async function relayCounters(access: ApiAccess, callSid: string): Promise<RelayCounters | undefined> {
  const api = new ApiReader(access);
  for (let i = 0; i < 20; i++) {
    const rec = await api.one(`/calls/${callSid}`).catch(() => undefined);
    const dirs = (rec?.['media'] as Json | null | undefined)?.['directions'] as Record<string, Json> | undefined;
    if (rec && rec['ended_at'] && dirs) {
      return { fromHost: Number(dirs['customer_to_carrier']?.['packets'] ?? 0), toHost: Number(dirs['carrier_to_customer']?.['packets'] ?? 0) };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}

function judge(c: { sent: number; back: number; from: Set<string>; firstMs: number | null }, relay: string, stats: RelayCounters | undefined, callSid: string | null): CheckResult {
  const base = { id: 'media.echo', item: ITEMS.rtp };
  const details = { relay, sent: c.sent, received: c.back, from: [...c.from], first_echo_ms: c.firstMs, call_sid: callSid, relay_counters: stats ?? null };
  const seenRelay = stats ? `; the relay counted ${stats.fromHost} from this host and sent ${stats.toHost} back` : '';
  const call = callSid ? ` (call ${callSid})` : '';
  if (relay === 'none') return { ...base, status: 'fail', details, seen: `the echo call${call} was answered without a usable SDP`, change: 'run `trunkline explain media.blocked-rtp` and send the call sid to the edge operator' };
  if (c.back >= c.sent * 0.9) {
    return { ...base, status: 'pass', details, seen: `echo call${call}: sent ${c.sent} PCMA packets to the relay ${relay}, ${c.back} came back (first after ${c.firstMs} ms)${seenRelay}` };
  }
  if (c.back > 0) {
    return { ...base, status: 'warn', details, seen: `echo call${call}: sent ${c.sent} packets to ${relay}, only ${c.back} came back${seenRelay}: RTP passes but with loss`, change: 'check for a congested or rate-limited link or a firewall dropping part of the UDP flow' };
  }
  if (stats && stats.fromHost > 0) {
    return { ...base, status: 'fail', details, seen: `one-way: echo call${call} sent ${c.sent} packets, the relay ${relay} received ${stats.fromHost} and sent ${stats.toHost} back, none arrived here: RTP towards this host is blocked`, change: RTP_FIX(relay) };
  }
  return {
    ...base, status: 'fail', details,
    seen: `blocked: echo call${call} sent ${c.sent} PCMA packets to the relay ${relay} and none came back${stats ? `; the relay received ${stats.fromHost}` : ''}`,
    change: RTP_FIX(relay),
  };
}

function natItem(sdpAddress: string, sdpPort: number, seen: string | null, flowed: boolean): CheckResult {
  const base = { id: 'media.nat', item: ITEMS.rtp };
  if (seen === null) return { ...base, status: 'skip', seen: 'the edge did not answer OPTIONS, so the address it sees for this host is unknown' };
  if (seen === sdpAddress) return { ...base, status: 'pass', seen: `no NAT between this host and the edge: the SDP address ${sdpAddress} is the address the edge sees` };
  return {
    ...base, status: 'warn', details: { sdp_address: sdpAddress, sdp_port: sdpPort, edge_saw: seen },
    seen: `this host is behind NAT: its SDP says ${sdpAddress}:${sdpPort} (a private or local address) but the edge sees ${seen}; ${flowed ? 'audio flowed because the relay latches to where RTP really comes from (symmetric RTP)' : 'no audio came back'}`,
    change: `set the PBX's external (public) address to ${seen} for SIP and SDP (Asterisk: external_media_address/external_signaling_address; FreeSWITCH: ext-rtp-ip/ext-sip-ip) and send RTP from the port it announces (symmetric RTP); forward UDP 10000–40000 if the NAT needs it`,
  };
}

function refused(r: SipResponse, o: EchoOptions, caller: string): CheckResult {
  const warning = r.headers.get('Warning') ?? r.headers.get('Reason');
  const finding = r.headers.get('X-Trunkline-Finding');
  const callSid = r.headers.get('X-Trunkline-Call-Sid');
  const seen = `the echo call from ${caller} to ${o.echoNumber} was refused: ${r.status} ${r.reason}${warning ? ` (${warning})` : ''}${finding ? ` [${finding}]` : ''}${callSid ? ` call ${callSid}` : ''}: the RTP range was not tested`;
  let change = `see \`trunkline explain ${finding ?? r.status}\``;
  if (r.status === 401 || r.status === 407) change = 'the trunk asks for digest: run again with --user and --password (the trunk\'s credentials)';
  else if (r.status === 403) change = 'whitelist this host\'s public address on the trunk (see trunk.whitelist), or give --user/--password if the trunk takes digest';
  else if (r.status === 404) change = `the caller ${caller} must be a number on the trunk or its trunk_external_alias: give --from with one`;
  return { id: 'media.echo', item: ITEMS.rtp, status: 'fail', seen, change, details: { status: r.status, finding, call_sid: callSid } };
}
