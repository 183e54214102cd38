import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve } from './support/serve.js';
import { CALLER, pbxTrunk } from './support/cluster.js';
import { chunks, hepCollector } from './support/hep.js';

/**
 * A real serve whose UDP receive queue is seconds deep (a flood from another address, no overload
 * refusal): a caller that retransmits its INVITE on Timer A until the 100 reaches it sent every copy
 * before the 100 left, but the stack reads them after. The trace says how long each waited
 * (`queued_ms`), and the diagnosis reads the time they crossed the network: the caller's network
 * did not lose the 100 (reachability.responses-lost, which the read times alone would claim).
 */
function floodInvite(n: number): Buffer {
  return Buffer.from([
    `INVITE sip:+919876540000@flood.localhost SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.2:5999;branch=z9hG4bKqflood${n};rport`, 'Max-Forwards: 70',
    `From: <sip:+919876549999@127.0.0.2>;tag=q${n}`, 'To: <sip:+919876540000@flood.localhost>', `Call-ID: qflood-${n}@127.0.0.2`,
    'CSeq: 1 INVITE', 'Contact: <sip:flood@127.0.0.2:5999>', 'Content-Length: 0', '', '',
  ].join('\r\n'));
}

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n';

/** A UAC's INVITE (RFC 3261 §17.1.1.2) resent every 100 ms for 0.6 s or until any response (see QUEUED), then a non-2xx final ACKed. */
async function callOnce(sock: Socket, serveSip: number, domain: string, callId: string, onHeard: () => void): Promise<{ sends: number; final: string }> {
  const port = sock.address().port;
  const branch = `z9hG4bKqw${Date.now()}`;
  const head = [`Via: SIP/2.0/UDP 127.0.0.1:${port};branch=${branch};rport`, `From: <sip:${CALLER}@127.0.0.1>;tag=qw1`];
  const invite = Buffer.from([
    `INVITE sip:+919876540486@${domain} SIP/2.0`, ...head, 'Max-Forwards: 70', `To: <sip:+919876540486@${domain}>`, `Call-ID: ${callId}`,
    'CSeq: 1 INVITE', `Contact: <sip:pbx@127.0.0.1:${port}>`, 'Content-Type: application/sdp', `Content-Length: ${SDP.length}`, '', SDP,
  ].join('\r\n'));
  let heard = false;
  let final = '';
  sock.on('message', (m) => {
    const text = m.toString('latin1');
    if (!text.includes(`Call-ID: ${callId}`)) return;
    if (!heard) onHeard();
    heard = true;
    const status = Number(/^SIP\/2\.0 (\d{3})/.exec(text)?.[1] ?? 0);
    if (status >= 300) {
      final ||= text;
      const to = /\r\nTo: ([^\r\n]+)/i.exec(text)?.[1] ?? '';
      sock.send(Buffer.from([`ACK sip:+919876540486@${domain} SIP/2.0`, ...head, 'Max-Forwards: 70', `To: ${to}`, `Call-ID: ${callId}`, 'CSeq: 1 ACK', 'Content-Length: 0', '', ''].join('\r\n')), serveSip, '127.0.0.1');
    }
  });
  let sends = 0;
  for (let elapsed = 0; elapsed <= 600 && !heard; elapsed += 100) {
    sock.send(invite, serveSip, '127.0.0.1');
    sends++;
    for (let i = 0; i < 10 && !heard; i++) await sleep(10);
  }
  for (let i = 0; i < 1000 && !final; i++) await sleep(20);
  return { sends, final };
}

/**
 * The flood's INVITEs kept waiting: the caller's copies must be sent before the 100 leaves and at
 * least two of them read ≥ 200 ms after it (what reachability.responses-lost counts), while the
 * queue's depth drifts with serve's share of the machine. With Timer A's doubling (copies at 0.1,
 * 0.3, 0.7 s) that needed the depth steady to ~0.1 s: 2 500 outstanding were ~1.5–2 s of serve's
 * work on the first test box and 0.5 s on a faster one, and with 5 000 (1.1–1.4 s) the copy at
 * 0.36 s was still read too soon after the 100 when another test file ran beside this one
 * (2026-12-07). So the caller resends every 100 ms for 0.6 s (more often than Timer A; the stack
 * absorbs each copy as a retransmission all the same), then waits: the copies from 0.3 s on are
 * four the rule would count, and the last is sent well before the 100 leaves (the flood is ≥ 0.8 s
 * deep), so the probe's estimate of its wait (good to ~0.1 s) cannot stamp it after the 100 in
 * HEP. 5 000 are ~5 MB of serve's 8 MB receive buffer (it asks for 4 MB, which the kernel doubles).
 */
const QUEUED = 5000;
/** Seconds of SIP need a receive buffer of a few MB (serve asks for 4; the kernel caps it at net.core.rmem_max). */
const rmemMax = (() => {
  try {
    return Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
  } catch {
    return 0;
  }
})();
const skip = rmemMax >= 4 * 1024 * 1024 ? false : `net.core.rmem_max is ${rmemMax} bytes: a UDP receive queue cannot hold seconds of SIP (needs ≥ 4 MiB)`;

interface Entry { at: string; direction: string; leg: string; summary: string; queued_ms?: number }

// Both places the final diagnosis can run: the SIP thread (evidence from the objects as traced) and its own thread (from the record's text).
for (const diagnoseIn of ['inline', 'thread']) {
test(`a caller's INVITE copies that waited in serve's receive queue carry queued_ms, and the diagnosis (--diagnose-in ${diagnoseIn}) does not blame the caller's network for the edge's queue`, { skip }, async (t) => {
  // HEP once (the exporter does not depend on where the diagnosis runs): Homer gets the arrival times too.
  const homer = diagnoseIn === 'inline' ? await hepCollector() : undefined;
  const s = await serve(['--overload-delay', '0', '--log-level', 'warn', '--diagnose-in', diagnoseIn, ...(homer ? ['--hep', homer.target] : [])]);
  const flood = createSocket('udp4');
  const caller = createSocket('udp4');
  t.after(async () => {
    flood.close();
    caller.close();
    await s.stop();
    homer?.socket.close();
  });
  flood.bind(0, '127.0.0.2');
  caller.bind(0, '127.0.0.1');
  await Promise.all([once(flood, 'listening'), once(caller, 'listening')]);
  const { trunkSid, domain } = await pbxTrunk(s, 'queued');
  // INVITEs from a source no trunk whitelists (each one a refusal and a record) until the call's
  // first answer comes back, QUEUED of them unanswered at any time: seconds of work in the queue,
  // but less than its buffer holds, so the caller's copies are not dropped with the flood's.
  const answered = new Set<number>();
  let waited: number;
  const sentAt = new Map<number, number>();
  flood.on('message', (m) => {
    const text = m.toString('latin1');
    const n = Number(/Call-ID: qflood-(\d+)@/.exec(text)?.[1]);
    if (!/^SIP\/2\.0 [2-6]\d\d /.test(text) || answered.has(n)) return;
    answered.add(n);
    waited = performance.now() - (sentAt.get(n) ?? performance.now());
  });
  let sent = 0;
  // The queue's depth is the machine's: with another test file beside this one serve's share of
  // the cores swings, and the depth with it, while the copies wait (a fresh clone's CI, 2026-12-07:
  // 7 copies sent, 1 read ≥ 200 ms after the 100). An attempt whose copies did not wait long enough
  // tests nothing; the next one starts once the queue has drained. Three at most.
  let attempt = 0;
  let callId = '';
  let call: { call_sid: string; findings: { id: string }[]; status: string } | undefined;
  let trace: { messages: Entry[]; ladder: string };
  let invites: Entry[];
  for (;;) {
    attempt++;
    let flooding = true;
    const flooded = (async () => {
      while (flooding && sent < 100_000) {
        while (sent - answered.size < QUEUED) {
          sentAt.set(sent, performance.now());
          flood.send(floodInvite(sent++), s.sip, '127.0.0.1');
        }
        await sleep(10);
      }
    })();
    // Until the flood's answers say it is queued deeper than the caller's last copy (0.6 s) by 0.2 s.
    waited = 0;
    for (let i = 0; i < 100 && waited < 800; i++) await sleep(100);
    callId = `queued-${Date.now()}@127.0.0.1`;
    const { sends, final } = await callOnce(caller, s.sip, domain, callId, () => (flooding = false));
    await flooded;
    assert.match(final, /^SIP\/2\.0 486 /, `the busy number's answer, not ${final.split('\r\n', 1)[0]}`);

    call = undefined;
    for (let i = 0; i < 300 && call?.status !== 'failed'; i++) {
      const list = await s.api('GET', `/v2/accounts/${s.account}/calls?trunk_sid=${trunkSid}`);
      // A list answers with the rows as `response` itself.
      const rows = list.json.response as unknown as { data: { call_sid: string; sip_call_id: string; findings: { id: string }[]; status: string } }[];
      call = rows.find((c) => c.data.sip_call_id === callId)?.data;
      if (call?.status !== 'failed') await sleep(100);
    }
    assert.ok(call, 'the call is recorded');
    trace = (await s.api<{ messages: Entry[]; ladder: string }>('GET', `/v2/accounts/${s.account}/calls/${call.call_sid}/trace`)).json.response.data;
    invites = trace.messages.filter((m) => m.leg === 'customer' && m.direction === 'in' && m.summary.startsWith('INVITE '));
    const trying = trace.messages.find((m) => m.leg === 'customer' && m.direction === 'out' && m.summary.startsWith('SIP/2.0 100 '));
    assert.ok(trying, 'the 100 Trying is traced');
    // The condition this test is about: copies read ≥ 200 ms after the 100 went out, each sent before it.
    const lateReads = invites.filter((m) => Date.parse(m.at) - Date.parse(trying.at) >= 200);
    if (sends >= 3 && lateReads.length >= 2) break;
    assert.ok(attempt < 3, `the queue was not deep enough to test anything in ${attempt} attempts: the last one ${sends} sent, ${invites.length} traced, ${lateReads.length} read ≥ 200 ms after the 100`);
    for (let i = 0; i < 100 && sent > answered.size; i++) await sleep(100);
  }
  for (const m of invites) assert.ok((m.queued_ms ?? 0) >= 200, `each INVITE copy waited in the queue: ${JSON.stringify({ at: m.at, queued_ms: m.queued_ms })}`);
  assert.match(trace.ladder, /INVITE sip:\S+ SIP\/2\.0 \(read \d+ ms after it arrived\)/);
  const ids = call.findings.map((f) => f.id);
  assert.ok(!ids.includes('reachability.responses-lost'), `findings: ${ids.join(', ')}`);
  if (homer) {
    // The caller's leg as Homer has it: each INVITE copy arrived before the 100 Trying left.
    let hep: ReturnType<typeof chunks>[] = [];
    for (let i = 0; i < 50; i++) {
      hep = homer.caught.map(chunks).filter((c) => c.type === 1 && c.payload.includes(`Call-ID: ${callId}`) && (c.src.startsWith('127.0.0.1:' + caller.address().port) || c.dst.startsWith('127.0.0.1:' + caller.address().port)));
      // The copies read after the 100 are exported after it: wait for them too.
      if (hep.some((c) => c.payload.startsWith('SIP/2.0 100 ')) && hep.filter((c) => c.payload.startsWith('INVITE ')).length >= invites.length) break;
      await sleep(100);
    }
    const hundred = hep.find((c) => c.payload.startsWith('SIP/2.0 100 '));
    const copies = hep.filter((c) => c.payload.startsWith('INVITE '));
    assert.ok(hundred && copies.length === invites.length, `HEP: ${hep.length} packets of the call, ${copies.length} INVITEs`);
    for (const c of copies) assert.ok(c.at < hundred.at, `an INVITE copy stamped ${c.at - hundred.at} ms after the 100 in HEP`);
  }
});
}
