import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve } from './support/serve.js';

/**
 * SPEC §3 overload on a real serve, as deployed: a burst of INVITEs far past what the process
 * can handle fills its receive queue; serve's own probe sees the wait and the edge refuses new
 * calls 503 with Retry-After and edge.overload; once the burst is worked off it takes calls again.
 */
function invite(port: number, n: number): Buffer {
  return Buffer.from([
    `INVITE sip:+919876540000@demo.pstn.localhost SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKflood${n};rport`, 'Max-Forwards: 70',
    `From: <sip:+919876541111@127.0.0.1>;tag=f${n}`, '<sip:+919876540000@demo.pstn.localhost>'.replace(/^/, 'To: '), `Call-ID: flood-${n}@127.0.0.1`,
    'CSeq: 1 INVITE', `Contact: <sip:flood@127.0.0.1:${port}>`, 'Content-Length: 0', '', '',
  ].join('\r\n'));
}

test('a real serve under a burst far past its capacity refuses new INVITEs 503 edge.overload with Retry-After, then takes calls again', async (t) => {
  const s = await serve(['--overload-delay', '20', '--log-level', 'warn']);
  const peer = createSocket('udp4');
  t.after(async () => {
    peer.close();
    await s.stop();
  });
  peer.bind(0, '127.0.0.1');
  await once(peer, 'listening');
  const port = peer.address().port;
  const finals = new Map<string, string>();
  peer.on('message', (m) => {
    const text = m.toString('latin1');
    const status = /^SIP\/2\.0 (\d{3})/.exec(text)?.[1];
    const callId = /\r\nCall-ID: ([^\r\n]+)/i.exec(text)?.[1];
    if (!status || !callId || Number(status) < 200) return;
    if (!finals.has(callId)) finals.set(callId, text);
  });
  // 4 500 INVITEs in bursts of 500 every 50 ms (none from a whitelisted source: each still costs
  // a call, a refusal and a record): ~10 000/s, past what any one process carries.
  const BURST = 4500;
  for (let n = 0; n < BURST; n++) {
    peer.send(invite(port, n), s.sip, '127.0.0.1');
    if (n % 500 === 499) await sleep(50);
  }
  // Until the answers stop coming (a datagram the full queue dropped gets none), 60 s at most.
  for (let i = 0, last = -1, still = 0; i < 600 && still < 20; i++) {
    await sleep(100);
    still = finals.size === last ? still + 1 : 0;
    last = finals.size;
  }
  const overloaded = [...finals.values()].filter((r) => /^SIP\/2\.0 503 /.test(r) && /\r\nX-Trunkline-Finding: edge\.overload\r\n/i.test(r));
  assert.ok(overloaded.length > 0, `of ${finals.size} answered, none refused for overload: ${[...new Set([...finals.values()].map((r) => r.split('\r\n', 1)[0]))].join(', ')}`);
  assert.match(overloaded[0], /\r\nRetry-After: 5\r\n/i);
  assert.match(overloaded[0], /\r\nReason: SIP;cause=503;text="Edge overloaded: SIP requests wait \d+ ms/i);

  // Worked off: the share refused shrinks back to none (−2 % per 0.1 s) and a new INVITE gets
  // the edge's usual answer for its source (403: not whitelisted), not the overload 503.
  let answer = '';
  for (let i = 0; i < 30; i++) {
    await sleep(500);
    const id = `after-${i}`;
    peer.send(Buffer.from(invite(port, BURST + i).toString('latin1').replace(/Call-ID: [^\r]+/, `Call-ID: ${id}`)), s.sip, '127.0.0.1');
    for (let k = 0; k < 20 && !finals.has(id); k++) await sleep(50);
    answer = finals.get(id) ?? '';
    if (answer && !/edge\.overload/i.test(answer)) break;
  }
  assert.ok(answer && !/edge\.overload/i.test(answer), `still refused for overload: ${answer.split('\r\n', 1)[0]}`);
});
