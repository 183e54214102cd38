import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { SipRequest } from '../../../src/sip/index.js';
import { startKamailio } from './kamailio.js';
import { peerSkip } from '../../support/peers.js';
import { startStack } from '../transport/stack.js';

// Issue 3 item 7: Kamailio sends OPTIONS to trunkline and relays requests to it, over loopback.
const skip = peerSkip('kamailio');

function request(method: string, kamPort: number, clientPort: number, callId: string, extra = ''): string {
  return [
    `${method} sip:+919876540000@127.0.0.1:${kamPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${clientPort};branch=z9hG4bK${callId}${method === 'ACK' ? '' : ''};rport`,
    'Max-Forwards: 70',
    'From: <sip:pbx@127.0.0.1>;tag=k1',
    `To: <sip:+919876540000@127.0.0.1>${extra}`,
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    'Content-Length: 0', '', '',
  ].join('\r\n');
}

test('Kamailio keepalive OPTIONS reach trunkline and are answered 200 (Kamailio marks it up); requests relayed by Kamailio get trunkline\'s answers', { skip }, async () => {
  const seen: SipRequest[] = [];
  const stack = await startStack('127.0.0.1', { uasEvents: { answered: (req) => { seen.push(req); } } });
  const client = createSocket('udp4');
  let kam: Awaited<ReturnType<typeof startKamailio>> | undefined;
  try {
    kam = await startKamailio({ address: '127.0.0.1', port: stack.port.udp });
    // 1. Kamailio originates OPTIONS (keepalive module); our 200 makes it raise dst-up.
    assert.ok(await kam!.waitForLog(/SIPTX-KEEPALIVE-UP/, 8000), `Kamailio never saw trunkline up:\n${kam!.log().slice(-1500)}`);
    const ka = seen.find((r) => r.method === 'OPTIONS' && /keepalive/.test(r.headers.get('From') ?? ''));
    assert.ok(ka, 'the keepalive OPTIONS reached the UAS core');

    // 2. Kamailio relays an OPTIONS of ours statefully; the 200 comes back through it.
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    const clientPort = client.address().port;
    const replies: string[] = [];
    const waitReply = (pred: (t: string) => boolean, ms: number) => new Promise<string | undefined>((resolve) => {
      const found = replies.find(pred);
      if (found) return resolve(found);
      const timer = setTimeout(() => { client.off('message', on); resolve(undefined); }, ms);
      const on = () => { const f = replies.find(pred); if (f) { clearTimeout(timer); client.off('message', on); resolve(f); } };
      client.on('message', on);
    });
    client.on('message', (m) => replies.push(m.toString('latin1')));
    client.send(request('OPTIONS', kam!.port, clientPort, 'relay-options'), kam!.port, '127.0.0.1');
    const ok = await waitReply((t) => t.includes('Call-ID: relay-options') && /^SIP\/2\.0 200/.test(t), 5000);
    assert.ok(ok, `no 200 relayed back: ${replies.join('\n---\n')}`);
    const relayed = seen.find((r) => r.headers.callId() === 'relay-options');
    assert.equal(relayed?.headers.via().length, 2, 'trunkline saw Kamailio\'s Via on top of ours');

    // 3. A relayed INVITE gets 405 from trunkline (no B2BUA here); Kamailio's tm ACKs it hop by
    //    hop, and trunkline's INVITE server transaction absorbs that ACK (RFC 3261 §17.2.1).
    client.send(request('INVITE', kam!.port, clientPort, 'relay-invite'), kam!.port, '127.0.0.1');
    const final = await waitReply((t) => t.includes('Call-ID: relay-invite') && /^SIP\/2\.0 405/.test(t), 5000);
    assert.ok(final, `no 405 relayed back: ${replies.join('\n---\n')}`);
    const toTag = /\r\nTo: [^\r]*;tag=([^;\r]+)/.exec(final!)?.[1] ?? '';
    client.send(request('ACK', kam!.port, clientPort, 'relay-invite', `;tag=${toTag}`), kam!.port, '127.0.0.1');
    for (let i = 0; i < 100 && stack.layer.stats.acksAbsorbed === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(stack.layer.stats.acksAbsorbed >= 1, 'Kamailio\'s ACK for the 405 was absorbed by the INVITE server transaction');
  } finally {
    client.close();
    await kam?.stop();
    await stack.close();
  }
});
