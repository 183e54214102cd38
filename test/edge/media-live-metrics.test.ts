import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { call, completedCall, ECHO, liveEdge, rtpSocket, sendRtp, sleep, tone, type LiveEdge } from './media-live-support.js';

// Issue 7 item 3: the relay's counters on /metrics of a real serve, after real RTP through it.
let e: LiveEdge;
before(async () => {
  e = await liveEdge();
});
after(async () => {
  await e?.stop();
});

async function scrape(): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${e.s.http}/metrics`);
  assert.equal(r.status, 200);
  return r.text();
}
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  assert.ok(line, `${series} on /metrics`);
  return Number(line.slice(series.length + 1));
}

test('an echo call with RTP and a stray datagram shows on /metrics: relayed packets, the session, the malformed drop', async () => {
  const sock = await rtpSocket();
  try {
    const a = await call(e, ECHO, '127.0.0.1', sock.address().port);
    const during = await scrape();
    assert.equal(sample(during, 'trunkline_media_active_sessions'), 1);
    await sendRtp(sock, a.relayPort, 50, tone);
    sock.send(Buffer.from('not rtp at all'), a.relayPort, '127.0.0.1');
    // The relay counts it on its own thread: a BYE sent at once could close the port before it read
    // the datagram (a full suite's load once did). Bounded; the assertion below says if it never came.
    for (let i = 0; i < 50 && !(await scrape()).includes('trunkline_media_packets_dropped_total{reason="malformed"} 1'); i++) await sleep(50);
    assert.equal((await e.pbx.request(a.inv, 'BYE')).status, 200);
    await completedCall(e, a.sid);
    // A scrape reuses the relay's counters read in the last 250 ms (app/media-metrics): the one below must read them after the call.
    await sleep(300);
    const text = await scrape();
    assert.equal(sample(text, 'trunkline_media_active_sessions'), 0);
    assert.equal(sample(text, 'trunkline_media_sessions_total'), 1);
    assert.ok(sample(text, 'trunkline_media_packets_relayed_total') >= 45, 'the echoed packets are counted');
    assert.ok(sample(text, 'trunkline_media_bytes_relayed_total') >= 45 * 172);
    assert.equal(sample(text, 'trunkline_media_packets_dropped_total{reason="malformed"}'), 1);
  } finally {
    sock.close();
  }
});

test('serve probes its SIP receive queue: /metrics has the wait and the overload flag, which stays 0 with a call or two', async () => {
  // The probe runs every 100 ms from the start; give it a few.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const text = await scrape();
  assert.equal(sample(text, 'trunkline_edge_overloaded'), 0);
  const wait = sample(text, 'trunkline_sip_queue_wait_seconds');
  assert.ok(wait >= 0 && wait < 1, `queue wait ${wait} s`);
});
