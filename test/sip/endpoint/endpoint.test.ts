import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { silentLogger, systemClock } from '../../../src/core/index.js';
import { createResponse, startSipEndpoint, type Dialog } from '../../../src/sip/index.js';

/** A peer on a bare UDP socket: what the endpoint sends is judged on the wire. */
async function peer() {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const got: string[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (m) => {
    got.push(m.toString('latin1'));
    for (const w of waiters.splice(0)) w();
  });
  const wait = async (pred: (all: string[]) => boolean) => {
    while (!pred(got)) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { socket, got, wait, port: socket.address().port };
}

function req(method: string, user: string, port: number, opts: { branch: string; cseq: number; toTag?: string }): string {
  return [
    `${method} sip:${user}@127.0.0.1 SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=${opts.branch};rport`, 'Max-Forwards: 70',
    'From: <sip:peer@127.0.0.1>;tag=p1', `To: <sip:${user}@127.0.0.1>${opts.toTag ? `;tag=${opts.toTag}` : ''}`, 'Call-ID: ep-1@127.0.0.1',
    `CSeq: ${opts.cseq} ${method}`, `Contact: <sip:peer@127.0.0.1:${port}>`, 'Content-Length: 0', '', '',
  ].join('\r\n');
}

test('the endpoint is the whole stack behind one TU port: an INVITE it ignores gets nothing (not even 100), an answered one gets its 2xx retransmitted by the dialog layer until the ACK', async () => {
  const ep = await startSipEndpoint({ host: '127.0.0.1', port: 0, tls: null, clock: systemClock, logger: silentLogger, timers: { T1: 50, T2: 400, T4: 500 }, ignoreInvite: (r) => r.requestUri.user === 'dead' });
  const p = await peer();
  const answered: (Dialog | undefined)[] = [];
  ep.setHandler({
    methods: ['INVITE', 'ACK', 'BYE'],
    handleRequest: (tx) => {
      if (tx.request.method !== 'INVITE') return tx.respond(createResponse(tx.request, 200, 'OK'));
      answered.push(ep.dialogs.answerInvite(tx, createResponse(tx.request, 200, 'OK', { toTag: 'ep1', headers: [['Contact', `<sip:ep@127.0.0.1:${ep.ports.sip}>`]] })));
    },
    handleAck: (ack) => void ep.dialogs.receiveAck(ack),
  });
  try {
    const send = (text: string) => p.socket.send(Buffer.from(text, 'latin1'), ep.ports.sip, '127.0.0.1');
    send(req('INVITE', 'dead', p.port, { branch: 'z9hG4bK-dead', cseq: 1 }));
    send(req('INVITE', 'alive', p.port, { branch: 'z9hG4bK-live', cseq: 1 }));
    // Two 200s: the transaction's one and at least one retransmission from the dialog layer (T1 = 50 ms).
    await p.wait((all) => all.filter((m) => m.startsWith('SIP/2.0 200')).length >= 2);
    assert.ok(!p.got.some((m) => m.includes('z9hG4bK-dead')), 'the ignored INVITE was never answered');
    assert.equal(answered.length, 1);
    assert.equal(answered[0]?.state, 'confirmed', 'the answer made a confirmed dialog in the endpoint');
    assert.equal(ep.dialogs.size, 1);
    send(req('ACK', 'alive', p.port, { branch: 'z9hG4bK-ack', cseq: 1, toTag: 'ep1' }));
    // The ACK is in once a request sent after it is answered (UDP on loopback keeps the order).
    send(req('BYE', 'alive', p.port, { branch: 'z9hG4bK-bye', cseq: 2, toTag: 'ep1' }));
    await p.wait((all) => all.some((m) => m.includes('z9hG4bK-bye')));
    const after = p.got.filter((m) => m.startsWith('SIP/2.0 200') && m.includes('INVITE')).length;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(p.got.filter((m) => m.startsWith('SIP/2.0 200') && m.includes('INVITE')).length, after, 'no 2xx retransmission after the ACK');
  } finally {
    p.socket.close();
    await ep.stop();
  }
});
