import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertRtpTimeoutByes, call, completedCall, ECHO, finding, liveEdge, rtpSocket, sendRtp, sleep, tone } from './media-live-support.js';

// Guide §6 "audio drops after answer": RTP flows, then stops while the dialog lives on (an INFO
// in the dialog); the relay's RTP timeout (--rtp-timeout 6 here, 30 s by default) ends the call.
test('RTP that stops mid-call while signaling goes on is media.rtp-timeout, and the RTP timeout ends the call with BYE to both sides carrying Reason "RTP timeout" (RFC 3326)', async () => {
  const e = await liveEdge(['--rtp-timeout', '6']);
  const sock = await rtpSocket();
  try {
    const a = await call(e, ECHO, '127.0.0.1', sock.address().port);
    await sendRtp(sock, a.relayPort, 50, tone);
    // Signaling goes on after the media stopped: the dialog is alive, only the RTP is gone.
    await sleep(500);
    const info = await e.pbx.request(a.inv, 'INFO');
    assert.ok((info.status ?? 0) < 500, info.start);
    const bye = await e.pbx.waitRequest((r) => r.method === 'BYE', 10_000);
    assert.match(bye.header('reason') ?? '', /^SIP;cause=\d{3};text="RTP timeout"/);
    const v = await completedCall(e, a.sid);
    assert.equal(v.edge_cause, 'rtp-timeout');
    assert.ok(sock.received >= 40, `echo heard before the drop: ${sock.received}`);
    const f = finding(v, 'media.rtp-timeout');
    assert.ok(f, JSON.stringify(v.findings.map((x) => x.id)));
    assert.ok(f.evidence.some((l) => /^RTP from the caller stopped \d+\.\d s after answer/.test(l)), f.evidence.join(' | '));
    assert.ok(f.evidence.some((l) => /does not match a common firewall idle timeout|matches a common firewall idle timeout/.test(l)), f.evidence.join(' | '));
    assert.ok(f.evidence.some((l) => l.startsWith('signaling went on: ') && l.includes('INFO')), f.evidence.join(' | '));
    // The carrier side got its BYE with the same Reason: read it from the call's SIP trace.
    await assertRtpTimeoutByes(e, a.sid);
  } finally {
    sock.close();
    await e.stop();
  }
});
