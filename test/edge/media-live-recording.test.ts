import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { peerSkip } from '../support/peers.js';
import { pcmaOffer } from './support/raw-uac.js';
import { CALLER, call, completedCall, liveEdgeWithCarrier, rtpSocket, sendRtp, silence, sleep, tone, type CallView, type CarrierEdge, type LiveEdge } from './media-live-support.js';

// Issue 7 item 7: per-call pcap recording through a real `trunkline serve` — by the trunk
// setting record_calls and by POST …/calls/{call_sid}/recording mid-call — downloaded from
// GET …/calls/{call_sid}/pcap, opened by tshark, and diagnosed by `trunkline diagnose` to the
// same media findings the live call record had. The carrier is a raw UAS of this test
// (--carrier) whose RTP socket echoes when asked, so both legs carry RTP both ways.
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const DIALLED = '+919876543210';
/** The pcap checks read the files with tshark, an independent dissector; without it they skip. */
const skip = peerSkip('tshark');

interface RecordingView {
  readonly call_sid: string;
  readonly status: 'recording' | 'completed';
  readonly started_at: string;
  readonly packets: number;
  readonly pcap_uri: string;
}
type CallWithRecording = CallView & { recording: Omit<RecordingView, 'call_sid'> | null; sip_call_id: string };

let ce: CarrierEdge;
let e: LiveEdge;
let carrierRtp: CarrierEdge['carrierRtp'];
let echo = false;
let dir: string;

const echoing = new WeakSet<CarrierEdge>();
/** The edge the tests below drive; its carrier echoes the PBX's RTP back to the relay while `echo` is on. */
function use(edge: CarrierEdge): void {
  ce = edge;
  e = edge.e;
  carrierRtp = edge.carrierRtp;
  if (echoing.has(edge)) return;
  echoing.add(edge);
  edge.carrierRtp.on('message', (msg, rinfo) => {
    if (echo) edge.carrierRtp.send(msg, rinfo.port, rinfo.address);
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trunkline-recording-'));
  use(await liveEdgeWithCarrier());
});
after(async () => {
  await ce?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const base = () => `/v2/accounts/${e.s.account}`;

async function setting(name: string, value: string): Promise<void> {
  const r = await e.s.api('POST', `${base()}/trunks/${e.trunkSid}/settings`, { settings: [{ name, value }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

/** GET …/pcap as bytes, with the headers checked. */
async function downloadPcap(sid: string, name: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${e.s.http}${base()}/calls/${sid}/pcap`, { headers: { authorization: e.s.auth } });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('content-type'), 'application/vnd.tcpdump.pcap');
  assert.equal(res.headers.get('content-disposition'), `attachment; filename="${sid}.pcap"`);
  const file = join(dir, name);
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

function tshark(file: string, ...args: string[]): string[] {
  return execFileSync('tshark', ['-r', file, ...args], { encoding: 'utf8' }).split('\n').filter((l) => l.trim() !== '');
}

/**
 * The answers to BYE in the pcap of an ended call: one per leg once the far side's 200 is in.
 * That 200 comes after the call's media ended, so the file is read again until it is (bounded).
 */
async function byeAnswers(sid: string, name: string, want: number): Promise<number> {
  const deadline = Date.now() + 4000;
  for (;;) {
    const file = await downloadPcap(sid, name);
    const rows = tshark(file, '-Y', 'sip.Status-Code == 200 && sip.CSeq.method == "BYE"', '-T', 'fields', '-e', 'sip.Call-ID');
    if (rows.length >= want || Date.now() > deadline) return new Set(rows).size;
    await sleep(100);
  }
}

/** SIP start lines tshark decodes: request methods and response codes. */
function sipSeen(file: string): { methods: Set<string>; codes: Set<string>; callIds: Set<string> } {
  const rows = tshark(file, '-Y', 'sip', '-T', 'fields', '-E', 'separator=|', '-e', 'sip.Method', '-e', 'sip.Status-Code', '-e', 'sip.Call-ID');
  const methods = new Set<string>();
  const codes = new Set<string>();
  const callIds = new Set<string>();
  for (const r of rows) {
    const [m, c, id] = r.split('|');
    if (m) methods.add(m);
    if (c) codes.add(c);
    if (id) callIds.add(id);
  }
  return { methods, codes, callIds };
}

/** RTP flows tshark decodes (SDP-driven conversations), as "src:port>dst:port" with their packet counts. */
function rtpFlows(file: string): Map<string, number> {
  const rows = tshark(file, '-o', 'rtp.heuristic_rtp:TRUE', '-Y', 'rtp && !rtcp', '-T', 'fields', '-E', 'separator=|', '-e', 'ip.src', '-e', 'udp.srcport', '-e', 'ip.dst', '-e', 'udp.dstport');
  const flows = new Map<string, number>();
  for (const r of rows) {
    const [s, sp, d, dp] = r.split('|');
    const k = `${s}:${sp}>${d}:${dp}`;
    flows.set(k, (flows.get(k) ?? 0) + 1);
  }
  return flows;
}

/** `trunkline diagnose FILE --json --call CALL-ID`: the media finding ids of that call. */
function diagnosedMediaIds(file: string, callId: string): string[] {
  const out = execFileSync(process.execPath, [CLI, 'diagnose', file, '--json', '--call', callId], { encoding: 'utf8' });
  const report = JSON.parse(out) as { calls: { call_id: string; findings: { id: string }[] }[] };
  assert.equal(report.calls.length, 1);
  return mediaIds(report.calls[0].findings);
}

const mediaIds = (findings: readonly { id: string }[]) => [...new Set(findings.map((f) => f.id).filter((id) => id.startsWith('media.')))].sort();

/** Both legs, both directions: PBX⇄relay (leg A) and relay⇄carrier (leg B). */
function assertFourFlows(flows: Map<string, number>, pbxPort: number, min: number): void {
  const pbx = `127.0.0.1:${pbxPort}`;
  const car = `127.0.0.1:${carrierRtp.address().port}`;
  const count = (pred: (src: string, dst: string) => boolean) => [...flows].filter(([k]) => pred(...(k.split('>') as [string, string]))).reduce((n, [, c]) => n + c, 0);
  const seen = JSON.stringify([...flows]);
  assert.ok(count((s) => s === pbx) >= min, `PBX → relay: ${seen}`);
  assert.ok(count((_s, d) => d === pbx) >= min, `relay → PBX: ${seen}`);
  assert.ok(count((_s, d) => d === car) >= min, `relay → carrier: ${seen}`);
  assert.ok(count((s) => s === car) >= min, `carrier → relay: ${seen}`);
}

test('a trunk with record_calls=true records every call: GET …/pcap gives a pcap tshark reads with the SIP (INVITE, 200, BYE) and RTP of both legs both ways, and `trunkline diagnose` finds the live call\'s media.silent-rtp', { skip }, async () => {
  await setting('record_calls', 'true');
  const sock = await rtpSocket();
  echo = true;
  try {
    const a = await call(e, DIALLED, '127.0.0.1', sock.address().port);
    const live = await e.s.api<CallWithRecording>('GET', `${base()}/calls/${a.sid}`);
    assert.equal(live.json.response.data.recording?.status, 'recording', JSON.stringify(live.json.response.data.recording));
    // 10.6 s of A-law idle code: the diagnosis calls 10 s of silence inside flowing RTP media.silent-rtp.
    await sendRtp(sock, a.relayPort, 530, silence);
    assert.equal((await e.pbx.request(a.inv, 'BYE')).status, 200);
    const v = (await completedCall(e, a.sid)) as CallWithRecording;
    assert.ok(v.findings.some((f) => f.id === 'media.silent-rtp'), JSON.stringify(v.findings.map((f) => f.id)));
    assert.equal(v.recording?.status, 'completed');
    assert.ok((v.recording?.packets ?? 0) > 2000, JSON.stringify(v.recording));
    assert.equal(v.recording?.pcap_uri, `${base()}/calls/${a.sid}/pcap`);

    const file = await downloadPcap(a.sid, 'trunk.pcap');
    const sip = sipSeen(file);
    for (const m of ['INVITE', 'ACK', 'BYE']) assert.ok(sip.methods.has(m), `${m} in ${[...sip.methods]}`);
    assert.ok(sip.codes.has('200'), [...sip.codes].join(','));
    assert.ok(sip.callIds.has(v.sip_call_id), 'the PBX leg');
    assert.equal(sip.callIds.size, 2, 'both legs: the PBX\'s dialog and the edge\'s towards the carrier');
    assertFourFlows(rtpFlows(file), sock.address().port, 500);
    assert.deepEqual(diagnosedMediaIds(file, v.sip_call_id), mediaIds(v.findings));
  } finally {
    echo = false;
    sock.close();
    await setting('record_calls', 'false');
  }
});

/** A call recorded by POST mid-call, downloaded while up and after, read by tshark and diagnose. */
async function midCallRecording(): Promise<void> {
  const sock = await rtpSocket();
  echo = true;
  try {
    const a = await call(e, DIALLED, '127.0.0.1', sock.address().port);
    const before = await e.s.api<CallWithRecording>('GET', `${base()}/calls/${a.sid}`);
    assert.equal(before.json.response.data.recording, null);
    assert.equal((await e.s.api('GET', `${base()}/calls/${a.sid}/pcap`)).status, 404, 'not recorded yet');
    await sendRtp(sock, a.relayPort, 25, tone);
    const started = await e.s.api<RecordingView>('POST', `${base()}/calls/${a.sid}/recording`, {});
    assert.equal(started.status, 200, JSON.stringify(started.json));
    const r = started.json.response.data;
    assert.equal(r.call_sid, a.sid);
    assert.equal(r.status, 'recording');
    assert.match(r.started_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(r.pcap_uri, `${base()}/calls/${a.sid}/pcap`);
    await sendRtp(sock, a.relayPort, 100, tone);
    const again = await e.s.api<RecordingView>('POST', `${base()}/calls/${a.sid}/recording`, {});
    assert.equal(again.status, 200);
    assert.equal(again.json.response.data.started_at, r.started_at, 'the same recording, not a new one');
    assert.ok(again.json.response.data.packets > r.packets, `packets so far grow: ${r.packets} → ${again.json.response.data.packets}`);

    // While the call is up: the file so far, cut at a whole packet, opens in tshark.
    const partial = await downloadPcap(a.sid, 'partial.pcap');
    assert.ok(rtpFlows(partial).size >= 4, 'RTP both legs both ways already');
    assert.ok(sipSeen(partial).methods.has('INVITE'), 'the INVITE sent before the recording started is in the file');

    assert.equal((await e.pbx.request(a.inv, 'BYE')).status, 200);
    const v = (await completedCall(e, a.sid)) as CallWithRecording;
    assert.equal(v.recording?.status, 'completed');
    assert.equal(v.recording?.started_at, r.started_at);
    const file = await downloadPcap(a.sid, 'mid-call.pcap');
    // The edge answers the PBX's BYE and relays it; the carrier's 200 to that BYE ends the call last.
    assert.equal(await byeAnswers(a.sid, 'mid-call-bye.pcap', 2), 2, 'the 200 to BYE on both legs, the far one after the media ended');
    const sip = sipSeen(file);
    for (const m of ['INVITE', 'ACK', 'BYE']) assert.ok(sip.methods.has(m), `${m} in ${[...sip.methods]}`);
    assert.ok(sip.codes.has('200'));
    assertFourFlows(rtpFlows(file), sock.address().port, 90);
    assert.deepEqual(diagnosedMediaIds(file, v.sip_call_id), mediaIds(v.findings));

    const ended = await e.s.api('POST', `${base()}/calls/${a.sid}/recording`, {});
    assert.equal(ended.status, 409, JSON.stringify(ended.json));
    const err = (ended.json.response as unknown as { error_data: { code: number; message: string; description: string } }).error_data;
    assert.equal(err.code, 1040);
    assert.equal(err.message, 'Call not in progress');
    assert.match(err.description, new RegExp(`call ${a.sid} has ended`));
  } finally {
    echo = false;
    sock.close();
  }
}

test('POST …/calls/{call_sid}/recording records a call mid-call (idempotent); the pcap is downloadable while the call is up and after, with the SIP from the INVITE on and both legs\' RTP both ways', { skip }, async () => {
  await midCallRecording();
});

test('on the native media engine (serve --media-engine native) a call recorded mid-call gives the same pcap: SIP from the INVITE on and both legs\' RTP both ways', { skip }, async () => {
  const js = ce;
  const native = await liveEdgeWithCarrier(['--media-engine', 'native']);
  try {
    use(native);
    await midCallRecording();
  } finally {
    use(js);
    await native.stop();
  }
});

test('record_calls applies to inbound calls too: a carrier call to the trunk\'s number, answered by the PBX, is in the pcap with the SIP of both legs and the carrier\'s RTP relayed to the PBX', { skip }, async () => {
  await setting('record_calls', 'true');
  const pbxRtp = await rtpSocket();
  const saved = e.pbx.onRequest;
  e.pbx.onRequest = (m, reply) => {
    if (m.method === 'ACK') return;
    if (m.method !== 'INVITE') return reply(200, 'OK');
    reply(200, 'OK', [`Contact: <sip:pbx@127.0.0.1:${e.pbx.local.port}>`], pcmaOffer('127.0.0.1', pbxRtp.address().port));
  };
  try {
    const dest = await e.s.api('POST', `${base()}/trunks/${e.trunkSid}/destination-uris`, { destinations: [{ destination: `127.0.0.1:${e.pbx.local.port};transport=udp` }] });
    assert.equal(dest.status, 200, JSON.stringify(dest.json));
    const inv = ce.carrier.invite({ ruri: `sip:${CALLER}@127.0.0.1:${e.s.sip}`, from: '<sip:+919876500001@127.0.0.1>', body: pcmaOffer('127.0.0.1', carrierRtp.address().port) });
    const ok = await inv.waitFinal(5000);
    assert.equal(ok.status, 200, ok.raw);
    await ce.carrier.ack(inv, ok);
    const sid = ok.header('x-trunkline-call-sid')!;
    await sendRtp(carrierRtp, Number(/m=audio (\d+)/.exec(ok.body)?.[1]), 50, tone);
    assert.equal((await ce.carrier.request(inv, 'BYE')).status, 200);
    const v = (await completedCall(e, sid)) as CallWithRecording & { direction: string };
    assert.equal(v.direction, 'inbound');
    assert.equal(v.recording?.status, 'completed');
    const file = await downloadPcap(sid, 'inbound.pcap');
    const sip = sipSeen(file);
    for (const m of ['INVITE', 'ACK', 'BYE']) assert.ok(sip.methods.has(m), `${m} in ${[...sip.methods]}`);
    assert.ok(sip.codes.has('200'));
    assert.equal(sip.callIds.size, 2, 'the carrier\'s dialog and the edge\'s towards the PBX');
    const flows = rtpFlows(file);
    const from = (port: number) => [...flows].filter(([k]) => k.startsWith(`127.0.0.1:${port}>`)).reduce((n, [, c]) => n + c, 0);
    const to = (port: number) => [...flows].filter(([k]) => k.endsWith(`>127.0.0.1:${port}`)).reduce((n, [, c]) => n + c, 0);
    assert.ok(from(carrierRtp.address().port) >= 45, JSON.stringify([...flows]));
    assert.ok(to(pbxRtp.address().port) >= 45, JSON.stringify([...flows]));
  } finally {
    e.pbx.onRequest = saved;
    pbxRtp.close();
    await setting('record_calls', 'false');
  }
});

test('a one-way call recorded mid-call is media.one-way live and in `trunkline diagnose` of its pcap', async () => {
  const sock = await rtpSocket();
  try {
    const a = await call(e, DIALLED, '127.0.0.1', sock.address().port);
    assert.equal((await e.s.api('POST', `${base()}/calls/${a.sid}/recording`, {})).status, 200);
    await sendRtp(sock, a.relayPort, 110, tone);
    assert.equal((await e.pbx.request(a.inv, 'BYE')).status, 200);
    const v = (await completedCall(e, a.sid)) as CallWithRecording;
    assert.ok(v.findings.some((f) => f.id === 'media.one-way'), JSON.stringify(v.findings.map((f) => f.id)));
    const file = await downloadPcap(a.sid, 'one-way.pcap');
    const ids = diagnosedMediaIds(file, v.sip_call_id);
    assert.ok(ids.includes('media.one-way'), ids.join(','));
    assert.deepEqual(ids, mediaIds(v.findings));
  } finally {
    sock.close();
  }
});

test('recording API errors: an unknown call and another account\'s call are 404 / 1000; a malformed call_sid is never a path; OpenAPI lists both paths and the new settings', async () => {
  const unknown = 'f'.repeat(32);
  for (const [method, path] of [['POST', 'recording'], ['GET', 'pcap']] as const) {
    const r = await e.s.api(method, `${base()}/calls/${unknown}/${path}`, method === 'POST' ? {} : undefined);
    assert.equal(r.status, 404, JSON.stringify(r.json));
    assert.equal((r.json.response as unknown as { error_data: { code: number } }).error_data.code, 1000);
  }
  assert.equal((await e.s.api('GET', `${base()}/calls/..%2F..%2Ftrunkline.db/pcap`)).status, 404);

  // Another account, made with the CLI on the same store, asks for a live call of the demo account.
  const other = JSON.parse(execFileSync(process.execPath, [CLI, 'accounts', 'create', 'other', '--data-dir', e.s.dataDir], { encoding: 'utf8' })) as { api_key: string; api_token: string };
  const otherAuth = `Basic ${Buffer.from(`${other.api_key}:${other.api_token}`).toString('base64')}`;
  const sock = await rtpSocket();
  try {
    const a = await call(e, DIALLED, '127.0.0.1', sock.address().port);
    assert.equal((await e.s.api('POST', `${base()}/calls/${a.sid}/recording`, {})).status, 200);
    for (const [method, path] of [['POST', 'recording'], ['GET', 'pcap']] as const) {
      const res = await fetch(`http://127.0.0.1:${e.s.http}/v2/accounts/other/calls/${a.sid}/${path}`, {
        method, headers: { authorization: otherAuth, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) }, ...(method === 'POST' ? { body: '{}' } : {}),
      });
      assert.equal(res.status, 404, `${method} ${path}: ${await res.text()}`);
    }
    assert.equal((await e.pbx.request(a.inv, 'BYE')).status, 200);
  } finally {
    sock.close();
  }

  const doc = (await (await fetch(`http://127.0.0.1:${e.s.http}/openapi.json`)).json()) as { paths: Record<string, Record<string, { description?: string }>> };
  assert.ok(doc.paths['/v2/accounts/{account_sid}/calls/{call_sid}/recording']?.post, Object.keys(doc.paths).join(' '));
  assert.ok(doc.paths['/v2/accounts/{account_sid}/calls/{call_sid}/pcap']?.get);
  const settings = doc.paths['/v2/accounts/{account_sid}/trunks/{trunk_sid}/settings'].post.description ?? '';
  assert.match(settings, /rtp_timeout/);
  assert.match(settings, /record_calls/);
});
