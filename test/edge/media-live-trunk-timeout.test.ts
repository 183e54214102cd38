import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertRtpTimeoutByes, call, completedCall, ECHO, liveEdge, rtpSocket, sendRtp, tone } from './media-live-support.js';

// Issue 7 item 5, "configurable per server and per trunk": the server keeps its default 30 s
// RTP timeout, the trunk's rtp_timeout setting says 5, and the call ends after ~5 s without media.
test('a trunk with rtp_timeout=5 ends a call whose media stopped after 5 s (server default 30 s) with BYE to both sides carrying Reason "RTP timeout"', async () => {
  const e = await liveEdge();
  const sock = await rtpSocket();
  try {
    const set = await e.s.api('POST', `/v2/accounts/${e.s.account}/trunks/${e.trunkSid}/settings`, { settings: [{ name: 'rtp_timeout', value: '5' }] });
    assert.equal(set.status, 200, JSON.stringify(set.json));
    const a = await call(e, ECHO, '127.0.0.1', sock.address().port);
    await sendRtp(sock, a.relayPort, 25, tone);
    // Well inside the server's 30 s: only the trunk's 5 s can end the call (bounded wait).
    const bye = await e.pbx.waitRequest((r) => r.method === 'BYE', 15_000);
    assert.match(bye.header('reason') ?? '', /^SIP;cause=\d{3};text="RTP timeout"/);
    const v = await completedCall(e, a.sid);
    assert.equal(v.edge_cause, 'rtp-timeout');
    const full = await e.s.api<{ events: { kind: string; detail: string }[] }>('GET', `/v2/accounts/${e.s.account}/calls/${a.sid}`);
    const events = full.json.response.data.events;
    assert.ok(events.some((ev) => ev.kind === 'media' && ev.detail === 'RTP timeout 5 s (trunk setting rtp_timeout)'), JSON.stringify(events));
    assert.ok(events.some((ev) => ev.kind === 'rtp-timeout' && /^RTP timeout: no media for \d+ ms$/.test(ev.detail)), JSON.stringify(events));
    await assertRtpTimeoutByes(e, a.sid);
  } finally {
    sock.close();
    await e.stop();
  }
});
