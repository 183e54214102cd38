import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../support/fake-clock.js';
import { createRequest, createResponse, parseMessage, SipHeaders, type SipRequest, type SipResponse } from '../../../src/sip/index.js';
import { dialogFromRequest, dialogFromResponse } from '../../../src/sip/dialog/dialog.js';
import { DialogLayer } from '../../../src/sip/dialog/dialog-layer.js';
import { TransactionLayer } from '../../../src/sip/transaction/transaction-layer.js';
import type { ServerTransaction } from '../../../src/sip/transaction/server-transaction.js';
import { RecordingTransports, inbound, request } from '../transaction/support.js';

function invite(): SipRequest {
  return createRequest({
    method: 'INVITE', uri: 'sip:+14155550100@carrier.example',
    headers: new SipHeaders([['Via', 'SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bKi1'], ['Max-Forwards', '70'], ['From', '<sip:edge@192.0.2.1>;tag=e1'], ['To', '<sip:+14155550100@carrier.example>'], ['Call-ID', 'dlg-1'], ['CSeq', '10 INVITE'], ['Contact', '<sip:edge@192.0.2.1:5070>']]),
  });
}

function ok(req: SipRequest, recordRoute: string[]): SipResponse {
  return createResponse(req, 200, 'OK', { toTag: 'c9', headers: [['Contact', '<sip:gw@198.51.100.50:5060>'], ...recordRoute.map((r) => ['Record-Route', r] as [string, string])] });
}

test('UAC dialog: route set is the Record-Route of the 2xx reversed, remote target its Contact (RFC 3261 §12.1.2)', () => {
  const d = dialogFromResponse(invite(), ok(invite(), ['<sip:p2.example;lr>', '<sip:p1.example;lr>']))!;
  assert.deepEqual(d.id, { callId: 'dlg-1', localTag: 'e1', remoteTag: 'c9' });
  assert.equal(d.state, 'confirmed');
  assert.deepEqual(d.routeSet, ['sip:p1.example;lr', 'sip:p2.example;lr']);
  const bye = d.createRequest('BYE');
  assert.equal(bye.uri, 'sip:gw@198.51.100.50:5060');
  assert.deepEqual(bye.headers.getAll('Route'), ['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
  assert.equal(bye.headers.cseq()?.seq, 11, 'the local CSeq increases by one');
  assert.equal(bye.headers.to()?.tag, 'c9');
  assert.equal(d.createAck(10).headers.cseq()?.seq, 10, 'the ACK for a 2xx carries the INVITE CSeq number (§13.2.2.4)');
  assert.equal(d.nextHop(), 'sip:p1.example;lr');
});

test('a strict router first in the route set becomes the Request-URI, the remote target goes last in Route (RFC 3261 §12.2.1.1)', () => {
  const d = dialogFromResponse(invite(), ok(invite(), ['<sip:strict.example>']))!;
  const bye = d.createRequest('BYE');
  assert.equal(bye.uri, 'sip:strict.example');
  assert.deepEqual(bye.headers.getAll('Route'), ['<sip:gw@198.51.100.50:5060>']);
});

test('UAS dialog: a lower CSeq gets 500, a re-INVITE refreshes the remote target (RFC 3261 §12.2.2)', () => {
  const req = parseMessage(Buffer.from(request('INVITE', { cseq: 5, extra: 'Contact: <sip:pbx@198.51.100.9:5060>\r\nRecord-Route: <sip:rr.example;lr>\r\n' }).replace(/\n/g, '\r\n').replace(/\r\r/g, '\r'))) as SipRequest;
  const d = dialogFromRequest(req, 'uas1')!;
  assert.equal(d.role, 'uas');
  assert.deepEqual(d.routeSet, ['sip:rr.example;lr']);
  assert.match(d.localUri, /;tag=uas1$/);
  const reinvite = parseMessage(Buffer.from(request('INVITE', { cseq: 6, toTag: 'uas1', extra: 'Contact: <sip:pbx@203.0.113.7:5062>\r\n' }).replace(/\n/g, '\r\n').replace(/\r\r/g, '\r'))) as SipRequest;
  assert.equal(d.receiveRequest(reinvite), undefined);
  assert.equal(d.remoteTarget, 'sip:pbx@203.0.113.7:5062');
  const old = parseMessage(Buffer.from(request('BYE', { cseq: 4, toTag: 'uas1' }).replace(/\n/g, '\r\n'))) as SipRequest;
  assert.deepEqual(d.receiveRequest(old), { status: 500, reason: 'Server Internal Error' });
});

function uasSetup() {
  const clock = new FakeClock();
  const transports = new RecordingTransports();
  const servers: ServerTransaction[] = [];
  const acks: SipRequest[] = [];
  const layer = new TransactionLayer({ transports, clock, tu: { onRequest: (tx) => servers.push(tx), onAck: (a) => acks.push(a) } });
  const dialogs = new DialogLayer({ transactions: layer, clock });
  return { clock, transports, layer, servers, acks, dialogs };
}

test('the UAS core retransmits its 2xx to INVITE at T1, 2·T1 … until the ACK arrives (RFC 3261 §13.3.1.4)', () => {
  const { clock, transports, layer, servers, acks, dialogs } = uasSetup();
  layer.receive(inbound(request('INVITE', { extra: 'Contact: <sip:pbx@198.51.100.9>\n' })));
  const tx = servers[0];
  const d = dialogs.answerInvite(tx, createResponse(tx.request, 200, 'OK', { toTag: 'u1', headers: [['Contact', '<sip:edge@192.0.2.1:5070>']] }))!;
  assert.equal(d.state, 'confirmed');
  clock.advance(500);
  clock.advance(1000);
  clock.advance(2000);
  assert.deepEqual(transports.statuses(), [100, 200, 200, 200, 200]);
  layer.receive(inbound(request('ACK', { toTag: 'u1', branch: 'z9hG4bK-ack' })));
  assert.equal(dialogs.receiveAck(acks[0]), d);
  clock.advance(10_000);
  assert.deepEqual(transports.statuses(), [100, 200, 200, 200, 200], 'no more retransmissions after the ACK');
});

test('without an ACK the UAS core gives up after 64·T1 and tells the TU', () => {
  const { clock, layer, servers, dialogs } = uasSetup();
  layer.receive(inbound(request('INVITE', { extra: 'Contact: <sip:pbx@198.51.100.9>\n' })));
  let noAck = 0;
  dialogs.answerInvite(servers[0], createResponse(servers[0].request, 200, 'OK', { toTag: 'u2' }), { onNoAck: () => noAck++ });
  clock.advance(40_000);
  assert.equal(noAck, 1);
});

test('the UAC core ACKs a 2xx and sends the same ACK for each retransmitted 2xx (RFC 3261 §13.2.2.4)', async () => {
  const { transports, layer, dialogs } = uasSetup();
  const inv = invite();
  inv.headers.remove('Via');
  const to = { protocol: 'udp' as const, address: '198.51.100.50', port: 5060 };
  const tx = layer.sendRequest(inv, to);
  const resp = ok(tx.request, []);
  const d = dialogs.receiveInviteResponse(tx.request, resp, to)!;
  dialogs.receiveInviteResponse(tx.request, resp, to);
  await new Promise((r) => setImmediate(r));
  const acks = transports.sent.filter((s) => s.message.kind === 'request' && s.message.method === 'ACK');
  assert.equal(acks.length, 2);
  assert.equal(acks[0].bytes.toString(), acks[1].bytes.toString());
  assert.equal((acks[0].message as SipRequest).uri, 'sip:gw@198.51.100.50:5060');
  assert.equal(dialogs.forResponse(resp), d);
});

test('a re-INVITE answered 488 leaves its confirmed dialog in the table; a 2xx to it is retransmitted until its own ACK (RFC 3261 §14.1)', () => {
  const { clock, transports, layer, servers, acks, dialogs } = uasSetup();
  layer.receive(inbound(request('INVITE', { extra: 'Contact: <sip:pbx@198.51.100.9>\n' })));
  const d = dialogs.answerInvite(servers[0], createResponse(servers[0].request, 200, 'OK', { toTag: 'u3' }))!;
  layer.receive(inbound(request('ACK', { toTag: 'u3', branch: 'z9hG4bK-ack1' })));
  dialogs.receiveAck(acks[0]);
  layer.receive(inbound(request('INVITE', { cseq: 2, toTag: 'u3', branch: 'z9hG4bK-re1', extra: 'Contact: <sip:pbx@198.51.100.9>\n' })));
  const reInvite = servers[1].request;
  assert.equal(dialogs.answerInvite(servers[1], createResponse(reInvite, 488, 'Not Acceptable Here')), d);
  assert.equal(dialogs.forRequest(reInvite), d, 'the dialog outlives a failed re-INVITE');
  assert.equal(d.state, 'confirmed');
  layer.receive(inbound(request('INVITE', { cseq: 3, toTag: 'u3', branch: 'z9hG4bK-re2', extra: 'Contact: <sip:pbx@198.51.100.9>\n' })));
  dialogs.answerInvite(servers[2], createResponse(servers[2].request, 200, 'OK'));
  const before = transports.statuses().filter((s) => s === 200).length;
  clock.advance(500);
  assert.equal(transports.statuses().filter((s) => s === 200).length, before + 1, 'the re-INVITE 2xx is retransmitted at T1');
  layer.receive(inbound(request('ACK', { cseq: 3, toTag: 'u3', branch: 'z9hG4bK-ack3' })));
  dialogs.receiveAck(acks[1]);
  clock.advance(10_000);
  assert.equal(transports.statuses().filter((s) => s === 200).length, before + 1, 'its ACK stops it');
});

test('the UAC ACK goes where the dialog just learnt to send it: the destination is asked of the dialog after the 2xx refreshed it', async () => {
  const { transports, layer, dialogs } = uasSetup();
  const inv = invite();
  inv.headers.remove('Via');
  const first = { protocol: 'udp' as const, address: '198.51.100.50', port: 5060 };
  const tx = layer.sendRequest(inv, first);
  const seen: string[] = [];
  const d = dialogs.receiveInviteResponse(tx.request, ok(tx.request, []), (dialog) => {
    seen.push(dialog.remoteTarget);
    return { protocol: 'udp', address: '198.51.100.51', port: 5062 };
  }, { onAck: (ack, to) => seen.push(`${ack.method} ${to.address}:${to.port}`) })!;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, ['sip:gw@198.51.100.50:5060', 'ACK 198.51.100.51:5062']);
  assert.equal(transports.sent.filter((s) => s.message.kind === 'request' && s.message.method === 'ACK').length, 1);
  dialogs.remove(d);
  assert.equal(dialogs.forResponse(ok(tx.request, [])), undefined, 'removed with its cached ACK');
});

test('a 2xx to an INVITE without Contact makes no dialog but is still retransmitted until the ACK (RFC 3261 §13.3.1.4)', () => {
  const { clock, transports, layer, servers, acks, dialogs } = uasSetup();
  layer.receive(inbound(request('INVITE')));
  assert.equal(dialogs.answerInvite(servers[0], createResponse(servers[0].request, 200, 'OK', { toTag: 'u4' })), undefined);
  clock.advance(500);
  clock.advance(1000);
  assert.deepEqual(transports.statuses(), [100, 200, 200, 200]);
  layer.receive(inbound(request('ACK', { toTag: 'u4', branch: 'z9hG4bK-ack4' })));
  dialogs.receiveAck(acks[0]);
  clock.advance(10_000);
  assert.deepEqual(transports.statuses(), [100, 200, 200, 200], 'the ACK stops it');
  assert.equal(dialogs.size, 0);
});

test('a UAC ACK destination still being resolved (a host name, RFC 3263) is waited for, and the 2xx\'s retransmission is ACKed there too', async () => {
  const { transports, layer, dialogs } = uasSetup();
  const inv = invite();
  inv.headers.remove('Via');
  const tx = layer.sendRequest(inv, { protocol: 'udp', address: '198.51.100.50', port: 5060 });
  let resolve!: (d: { protocol: 'udp'; address: string; port: number }) => void;
  const resolving = new Promise<{ protocol: 'udp'; address: string; port: number }>((r) => (resolve = r));
  const acked: string[] = [];
  const onAck = { onAck: (_: SipRequest, to: { address: string; port: number }) => acked.push(`${to.address}:${to.port}`) };
  dialogs.receiveInviteResponse(tx.request, ok(tx.request, []), () => resolving, onAck);
  dialogs.receiveInviteResponse(tx.request, ok(tx.request, []), () => resolving, onAck);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(acked, [], 'nothing is sent before the name resolves');
  resolve({ protocol: 'udp', address: '203.0.113.9', port: 5080 });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(acked, ['203.0.113.9:5080', '203.0.113.9:5080']);
  assert.equal(transports.sent.filter((s) => s.message.kind === 'request' && s.message.method === 'ACK').length, 2);
});

test('a 2xx without Contact makes a dialog when the TU names the target to use (targetWithoutContact), so the peer\'s requests are matched', () => {
  const inv = invite();
  const res = createResponse(inv, 200, 'OK', { toTag: 'c9' });
  assert.equal(dialogFromResponse(inv, res), undefined);
  const d = dialogFromResponse(inv, res, 'sip:+14155550100@carrier.example')!;
  assert.equal(d.remoteTarget, 'sip:+14155550100@carrier.example');
  assert.equal(d.createRequest('BYE').uri, 'sip:+14155550100@carrier.example');
});
