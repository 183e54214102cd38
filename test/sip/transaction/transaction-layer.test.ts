import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { FakeClock } from '../../support/fake-clock.js';
import { coarseClock } from '../../../src/core/index.js';
import { createRequest, createResponse, SipHeaders, type SipRequest, type SipResponse } from '../../../src/sip/index.js';
import { TransactionLayer, type TransactionUser } from '../../../src/sip/transaction/transaction-layer.js';
import type { ServerTransaction } from '../../../src/sip/transaction/server-transaction.js';
import type { Destination } from '../../../src/sip/transport/transport.js';
import { RecordingTransports, inbound, request } from './support.js';

function setup(tu: Partial<TransactionUser> = {}) {
  const clock = new FakeClock();
  const transports = new RecordingTransports();
  const servers: ServerTransaction[] = [];
  const acks: SipRequest[] = [];
  const drops: string[] = [];
  const layer = new TransactionLayer({
    transports, clock,
    tu: { onRequest: (tx) => servers.push(tx), onAck: (ack) => acks.push(ack), onDrop: (why) => drops.push(why), ...tu },
  });
  return { clock, transports, layer, servers, acks, drops };
}

const flush = () => new Promise((r) => setImmediate(r));

test('100 Trying is sent at once for INVITE, before the TU answers', () => {
  const { layer, transports, servers } = setup();
  layer.receive(inbound(request('INVITE')));
  assert.deepEqual(transports.statuses(), [100]);
  assert.equal(servers.length, 1);
  assert.equal(servers[0].state, 'proceeding');
});

test('the top Via of a request gets received and rport (RFC 3581), and the response goes to the source port', () => {
  const { layer, transports, servers } = setup();
  layer.receive(inbound(request('OPTIONS', { via: 'SIP/2.0/UDP pbx.example.com:5062;branch=z9hG4bK-r1;rport' }), 'udp', { address: '203.0.113.7', port: 40123 }));
  const via = servers[0].request.headers.topVia()!;
  assert.equal(via.received, '203.0.113.7');
  assert.equal(via.rport, 40123);
  servers[0].respond(createResponse(servers[0].request, 200));
  assert.deepEqual(transports.sent[0].to, { protocol: 'udp', address: '203.0.113.7', port: 40123 });
  assert.match(transports.sent[0].bytes.toString(), /Via: SIP\/2\.0\/UDP pbx\.example\.com:5062;branch=z9hG4bK-r1;rport=40123;received=203\.0\.113\.7/);
});

test('without rport the response goes to received and the sent-by port (RFC 3261 §18.2.2)', () => {
  const { layer, transports, servers } = setup();
  layer.receive(inbound(request('OPTIONS', { via: 'SIP/2.0/UDP pbx.example.com:5062;branch=z9hG4bK-r2' }), 'udp', { address: '203.0.113.7', port: 40123 }));
  servers[0].respond(createResponse(servers[0].request, 200));
  assert.deepEqual(transports.sent[0].to, { protocol: 'udp', address: '203.0.113.7', port: 5062 });
});

test('a response over TCP goes back over the connection the request came on', () => {
  const { layer, transports, servers } = setup();
  layer.receive(inbound(request('OPTIONS', { via: 'SIP/2.0/TCP 198.51.100.9:5060;branch=z9hG4bK-t1' }), 'tcp'));
  servers[0].respond(createResponse(servers[0].request, 200));
  assert.equal(transports.sent[0].to.connectionId, 'tcp-test');
});

test('INVITE server transaction retransmits a non-2xx final over UDP and absorbs the ACK', () => {
  const { layer, transports, servers, acks, clock } = setup();
  layer.receive(inbound(request('INVITE')));
  const tx = servers[0];
  tx.respond(createResponse(tx.request, 486, 'Busy Here', { toTag: 'uas1' }));
  clock.advance(500);
  clock.advance(1000);
  assert.deepEqual(transports.statuses(), [100, 486, 486, 486]);
  layer.receive(inbound(request('INVITE')));
  assert.deepEqual(transports.statuses(), [100, 486, 486, 486, 486], 'a retransmitted INVITE gets the final again');
  layer.receive(inbound(request('ACK', { toTag: 'uas1' })));
  assert.equal(acks.length, 0, 'the ACK for a non-2xx does not reach the TU');
  assert.equal(tx.state, 'confirmed');
  clock.advance(5000);
  assert.equal(tx.state, 'terminated');
  assert.equal(layer.transactionCount.servers, 0);
  assert.equal(layer.stats.acksAbsorbed, 1);
});

test('an ACK for a 2xx matches no transaction and goes to the TU', () => {
  const { layer, servers, acks } = setup();
  layer.receive(inbound(request('INVITE')));
  servers[0].respond(createResponse(servers[0].request, 200, 'OK', { toTag: 'uas1' }));
  layer.receive(inbound(request('ACK', { toTag: 'uas1', branch: 'z9hG4bK-ack2xx' })));
  assert.equal(acks.length, 1);
});

test('requests without the magic cookie are matched by the RFC 2543 rule', () => {
  const { layer, transports, servers, clock } = setup();
  const via = 'SIP/2.0/UDP 198.51.100.9:5060;branch=old2543';
  layer.receive(inbound(request('INVITE', { via })));
  servers[0].respond(createResponse(servers[0].request, 404, 'Not Found', { toTag: 'x' }));
  layer.receive(inbound(request('INVITE', { via })));
  assert.equal(servers.length, 1, 'the retransmission matched');
  assert.deepEqual(transports.statuses(), [100, 404, 404]);
  layer.receive(inbound(request('ACK', { via, toTag: 'x' })));
  assert.equal(servers[0].state, 'confirmed');
  clock.advance(10_000);
});

test('CANCEL is matched to its INVITE: 200 to the CANCEL, the TU is told, and answers 487', () => {
  const { layer, transports, servers } = setup();
  let cancelled = 0;
  layer.receive(inbound(request('INVITE')));
  servers[0].setHandlers({ onCancel: (_c, tx) => { cancelled++; tx.respond(createResponse(tx.request, 487, 'Request Terminated', { toTag: 't' })); } });
  layer.receive(inbound(request('CANCEL')));
  assert.equal(cancelled, 1);
  assert.deepEqual(transports.statuses(), [100, 200, 487]);
  assert.equal((transports.sent[1].message as SipResponse).headers.cseq()?.method, 'CANCEL');
});

test('a CANCEL that matches no INVITE gets 481', () => {
  const { layer, transports } = setup();
  layer.receive(inbound(request('CANCEL', { branch: 'z9hG4bK-nothing' })));
  assert.deepEqual(transports.statuses(), [481]);
});

test('a merged request (same From tag, Call-ID, CSeq, another branch, no To tag) gets 482', () => {
  const { layer, transports, servers } = setup();
  layer.receive(inbound(request('INVITE', { branch: 'z9hG4bK-path1' })));
  layer.receive(inbound(request('INVITE', { branch: 'z9hG4bK-path2' })));
  assert.equal(servers.length, 1);
  assert.deepEqual(transports.statuses(), [100, 482]);
});

test('a malformed request is answered 400 with a Warning naming the fault; a malformed response is dropped', () => {
  const { layer, transports, drops } = setup();
  layer.receive(inbound(request('OPTIONS').replace('CSeq: 1 OPTIONS', 'CSeq: abc OPTIONS')));
  assert.deepEqual(transports.statuses(), [400]);
  assert.match(transports.sent[0].bytes.toString(), /Warning: 399 trunkline "Malformed CSeq header"/);
  layer.receive(inbound('SIP/2.0 2000 OK\nVia: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bKx\n\n'));
  assert.equal(drops.length, 1);
  assert.equal(layer.stats.dropped, 1);
});

function outgoing(method: string): SipRequest {
  return createRequest({
    method, uri: 'sip:+14155550100@carrier.example',
    headers: new SipHeaders([['Max-Forwards', '70'], ['From', '<sip:edge@192.0.2.1>;tag=e1'], ['To', '<sip:+14155550100@carrier.example>'], ['Call-ID', 'out-1'], ['CSeq', `7 ${method}`], ['Route', '<sip:proxy.carrier.example;lr>']]),
  });
}
const carrier = { protocol: 'udp' as const, address: '198.51.100.50', port: 5060 };

function answer(req: SipRequest, status: number, toTag = 'c1'): string {
  return createResponse(req, status, undefined, { toTag }).headers.fields().reduce((s, f) => `${s}${f.name}: ${f.value}\n`, `SIP/2.0 ${status} X\n`) + '\n';
}

test('INVITE client transaction adds a Via with a z9hG4bK branch and rport, and retransmits on timer A', () => {
  const { layer, transports, clock } = setup();
  const tx = layer.sendRequest(outgoing('INVITE'), carrier);
  assert.match(tx.branch, /^z9hG4bK/);
  assert.match(transports.sent[0].bytes.toString(), new RegExp(`Via: SIP/2.0/UDP 192.0.2.1:5070;branch=${tx.branch};rport`));
  clock.advance(500);
  clock.advance(1000);
  assert.deepEqual(transports.statuses(), ['INVITE', 'INVITE', 'INVITE']);
});

test('INVITE client transaction MUST send ACK for a non-2xx final response', async () => {
  const { layer, transports } = setup();
  const finals: number[] = [];
  const tx = layer.sendRequest(outgoing('INVITE'), carrier, { onFinal: (r) => finals.push(r.status) });
  const busy = answer(tx.request, 486, 'busy1');
  layer.receive(inbound(busy));
  await flush();
  assert.deepEqual(finals, [486]);
  const ack = transports.sent.at(-1)!.message as SipRequest;
  assert.equal(ack.method, 'ACK');
  assert.equal(ack.headers.topVia()?.branch, tx.branch);
  assert.equal(ack.headers.to()?.tag, 'busy1');
  assert.equal(ack.headers.cseq()?.seq, 7);
  assert.equal(ack.headers.get('Route'), '<sip:proxy.carrier.example;lr>');
  layer.receive(inbound(busy));
  assert.deepEqual(finals, [486], 'the retransmitted final is not passed up again');
  assert.deepEqual(transports.statuses(), ['INVITE', 'ACK', 'ACK']);
  assert.deepEqual(transports.sent[2].bytes, transports.sent[1].bytes, 'the same ACK, byte for byte');
});

test('non-INVITE client transaction reports timer F as a timeout to the TU', () => {
  const { layer, transports, clock } = setup();
  const timeouts: string[] = [];
  layer.sendRequest(outgoing('OPTIONS'), carrier, { onTimeout: (e) => timeouts.push(e.code) });
  clock.advance(32_000);
  assert.deepEqual(timeouts, ['SIP_TX_TIMEOUT']);
  assert.equal(transports.statuses().length, 11, 'E fires at 0.5, 1.5, 3.5, 7.5, then every 4 s up to 31.5 s');
  assert.equal(layer.transactionCount.clients, 0);
});

test('on a coarse clock (serve), timer F still times out no earlier than 64*T1 and the E retransmissions are unchanged', () => {
  const clock = new FakeClock();
  clock.advance(37); // off a slot boundary
  const transports = new RecordingTransports();
  const layer = new TransactionLayer({ transports, clock: coarseClock(clock, { fromMs: 4001, granularityMs: 100 }), tu: { onRequest: () => {} } });
  const timeouts: string[] = [];
  layer.sendRequest(outgoing('OPTIONS'), carrier, { onTimeout: (e) => timeouts.push(e.code) });
  clock.advance(31_999);
  assert.deepEqual(timeouts, []);
  assert.equal(transports.statuses().length, 11, 'E fires at 0.5, 1.5, 3.5, 7.5, then every 4 s up to 31.5 s, exactly');
  clock.advance(100);
  assert.deepEqual(timeouts, ['SIP_TX_TIMEOUT'], 'within one 100 ms slot after');
  assert.equal(layer.transactionCount.clients, 0);
});

test('no retransmissions over a reliable transport', () => {
  const { layer, transports, clock } = setup();
  layer.sendRequest(outgoing('OPTIONS'), { ...carrier, protocol: 'tcp' });
  clock.advance(31_000);
  assert.deepEqual(transports.statuses(), ['OPTIONS']);
});

test('a transport error is reported to the TU', async () => {
  const { layer, transports } = setup();
  transports.fail = true;
  const errors: string[] = [];
  layer.sendRequest(outgoing('OPTIONS'), carrier, { onTransportError: (e) => errors.push(e.code) });
  await flush();
  assert.deepEqual(errors, ['SIP_TX_TRANSPORT_ERROR']);
});

test('CANCEL waits for a provisional response and carries the INVITE branch (RFC 3261 §9.1)', async () => {
  const { layer, transports } = setup();
  const tx = layer.sendRequest(outgoing('INVITE'), carrier);
  tx.cancel();
  assert.deepEqual(transports.statuses(), ['INVITE']);
  layer.receive(inbound(answer(tx.request, 180)));
  const cancel = transports.sent.at(-1)!.message as SipRequest;
  assert.equal(cancel.method, 'CANCEL');
  assert.equal(cancel.headers.topVia()?.branch, tx.branch);
  assert.equal(cancel.headers.cseq()?.seq, 7);
});

test('the TU hears of the CANCEL and the non-2xx ACK the transaction sent (onSent), once each and in wire order', async () => {
  const { layer, transports } = setup();
  const heard: string[] = [];
  const tx = layer.sendRequest(outgoing('INVITE'), carrier, {
    onProvisional: (r) => heard.push(`in ${r.status}`),
    onFinal: (r) => heard.push(`in ${r.status}`),
    onSent: (req) => heard.push(`out ${req.method} ${req.headers.topVia()?.branch === tx.branch ? 'same-branch' : 'other-branch'}`),
  });
  tx.cancel();
  assert.deepEqual(heard, [], 'no CANCEL before a provisional (RFC 3261 §9.1)');
  layer.receive(inbound(answer(tx.request, 180)));
  const terminated = answer(tx.request, 487, 'gone1');
  layer.receive(inbound(terminated));
  layer.receive(inbound(terminated));
  await flush();
  assert.deepEqual(heard, ['in 180', 'out CANCEL same-branch', 'in 487', 'out ACK same-branch'], 'the retransmitted 487 is ACKed again but not reported');
  assert.deepEqual(transports.statuses(), ['INVITE', 'CANCEL', 'ACK', 'ACK']);
});

test('what a server transaction absorbs or sends again on its own reaches onWire as wire bytes; what the TU sends does not', () => {
  const { layer, clock, servers } = setup();
  const seen: { direction: string; text: string }[] = [];
  const onWire = (direction: 'in' | 'out', bytes: Uint8Array) => seen.push({ direction, text: Buffer.from(bytes).toString('latin1') });
  layer.receive(inbound(request('INVITE')));
  const tx = servers[0].setHandlers({ onWire });
  const again = inbound(request('INVITE'));
  layer.receive(again);
  assert.deepEqual(seen.map((w) => `${w.direction} ${w.text.split('\r\n', 1)[0]}`), ['in INVITE sip:+919876540000@192.0.2.1 SIP/2.0', 'out SIP/2.0 100 Trying']);
  assert.equal(seen[0].text, again.bytes.toString('latin1'), 'the retransmission as it arrived');
  tx.respond(createResponse(tx.request, 486, 'Busy Here', { toTag: 'uas1' }));
  assert.equal(seen.length, 2, "the TU's own response is the TU's to trace");
  clock.advance(500);
  assert.deepEqual(seen.slice(2).map((w) => `${w.direction} ${w.text.split('\r\n', 1)[0]}`), ['out SIP/2.0 486 Busy Here'], 'Timer G: the final again');

  // RFC 3261 §13.3.1.4: the UAS core's 2xx retransmissions are the stack's, not the TU's.
  layer.receive(inbound(request('INVITE', { branch: 'z9hG4bK-2xx', callId: 'call-2@198.51.100.9' })));
  const ok = servers[1];
  const okSeen: string[] = [];
  ok.setHandlers({ onWire: (direction, bytes) => okSeen.push(`${direction} ${Buffer.from(bytes).toString('latin1').split('\r\n', 1)[0]}`) });
  const answer = createResponse(ok.request, 200, 'OK', { toTag: 'uas2' });
  ok.respond(answer);
  ok.retransmit2xx(answer);
  assert.deepEqual(okSeen, ['out SIP/2.0 200 OK']);
});

test('a client transaction reports each retransmission of its request to onWire, not the first send', () => {
  const { layer, transports, clock } = setup();
  const seen: { direction: string; bytes: Buffer }[] = [];
  layer.sendRequest(outgoing('INVITE'), carrier, { onWire: (direction, bytes) => seen.push({ direction, bytes: Buffer.from(bytes) }) });
  assert.equal(seen.length, 0);
  clock.advance(500);
  clock.advance(1000);
  assert.deepEqual(transports.statuses(), ['INVITE', 'INVITE', 'INVITE']);
  assert.deepEqual(seen.map((w) => w.direction), ['out', 'out']);
  for (const w of seen) assert.ok(w.bytes.equals(transports.sent[0].bytes), 'the same bytes as the first send');
});

test('every transaction state change is published on trunkline:tx:state', () => {
  const { layer, servers } = setup();
  const seen: string[] = [];
  const listener = (m: unknown) => seen.push(`${(m as { kind: string }).kind}:${(m as { to: string }).to}`);
  subscribe('trunkline:tx:state', listener);
  try {
    layer.receive(inbound(request('OPTIONS')));
    servers[0].respond(createResponse(servers[0].request, 200));
  } finally {
    unsubscribe('trunkline:tx:state', listener);
  }
  assert.deepEqual(seen, ['nist:completed']);
});

test('a TU that throws still leaves the request answered (500), counted as a TU error', () => {
  const { layer, transports } = setup({ onRequest: () => { throw new Error('handler bug'); } });
  layer.receive(inbound(request('OPTIONS', { branch: 'z9hG4bK-throw' })));
  assert.deepEqual(transports.statuses(), [500]);
  assert.equal(layer.stats.tuErrors, 1);
});

test('a second final response through a server transaction is refused with SIP_TX_FINAL_SENT', () => {
  const { layer, servers } = setup();
  layer.receive(inbound(request('OPTIONS', { branch: 'z9hG4bK-twice' })));
  const req = servers[0].request;
  servers[0].respond(createResponse(req, 200));
  assert.throws(() => servers[0].respond(createResponse(req, 500)), { code: 'SIP_TX_FINAL_SENT' });
});

// A transaction lingers after its final response (Timers D, J, K, L, M: up to 32 s over UDP);
// what the TU gave it must not be kept that long once no event can reach the TU any more.
// v8.queryObjects collects garbage first, so what it counts is still reachable.
const canQuery = typeof v8.queryObjects === 'function' ? false : 'v8.queryObjects needs Node ≥ 20.13';

test('client transactions let go of the TU after a final no event follows, and on detach()', { skip: canQuery }, async () => {
  class TuState { readonly heavy = new Array(1000).fill(0); }
  const { layer, transports } = setup();
  const make = (method: string) => {
    const state = new TuState();
    return layer.sendRequest(outgoing(method), carrier, { onFinal: () => void state.heavy.length, onProvisional: () => void state });
  };
  const options = make('OPTIONS');
  const busy = make('INVITE');
  const answered = make('INVITE');
  const ok = answer(answered.request, 200);
  layer.receive(inbound(answer(options.request, 200)));
  layer.receive(inbound(answer(busy.request, 486)));
  layer.receive(inbound(ok));
  await flush();
  assert.deepEqual([options.state, busy.state, answered.state], ['completed', 'completed', 'accepted'], 'all three still linger');
  assert.equal(v8.queryObjects(TuState, { format: 'count' }), 1, 'only the answered INVITE, whose 2xx retransmissions go up, keeps its TU');
  answered.detach();
  assert.equal(v8.queryObjects(TuState, { format: 'count' }), 0);
  const sent = transports.sent.length;
  layer.receive(inbound(ok));
  assert.equal(transports.sent.length, sent, 'a 2xx retransmitted after detach() is absorbed');
  // Detached while its final is pending: that final is still handed up (a 2xx racing the TU's end must be ACKed), then the TU is let go.
  const finals: number[] = [];
  const pending = ((state = new TuState()) => layer.sendRequest(outgoing('INVITE'), carrier, { onFinal: (r) => void finals.push(r.status + 0 * state.heavy.length) }))();
  pending.detach();
  assert.equal(v8.queryObjects(TuState, { format: 'count' }), 1, 'held until its final');
  layer.receive(inbound(answer(pending.request, 200)));
  await flush();
  assert.deepEqual(finals, [200]);
  assert.equal(v8.queryObjects(TuState, { format: 'count' }), 0);
});

test('an INVITE server transaction lets go of its CANCEL handler once it has answered', { skip: canQuery }, () => {
  class CallState { readonly heavy = new Array(1000).fill(0); }
  const { layer, servers } = setup();
  layer.receive(inbound(request('INVITE')));
  const tx = servers[0];
  const attach = () => {
    const state = new CallState();
    tx.setHandlers({ onCancel: () => void state.heavy.length });
  };
  attach();
  assert.equal(v8.queryObjects(CallState, { format: 'count' }), 1, 'held while a CANCEL can still come');
  tx.respond(createResponse(tx.request, 200, 'OK', { toTag: 'uas1' }));
  assert.equal(layer.transactionCount.servers, 1, 'it lingers (RFC 6026 Accepted)');
  assert.equal(v8.queryObjects(CallState, { format: 'count' }), 0);
});

// A transaction past its final response lingers (Timers D, J, K, L, M: up to 32 s over UDP) to
// absorb or answer retransmissions, which needs the bytes it last sent and its keys only. The
// parsed request and responses (header maps, URIs, bodies) kept that long were most of what a
// call left on the heap at 200–400 calls/s (issue 13).

/** Records the bytes sent and nothing parsed, so that every message counted is one the layer holds. */
class WireTransports extends RecordingTransports {
  readonly wire: Buffer[] = [];
  override send(bytes: Buffer, _to: Destination): Promise<void> {
    this.wire.push(bytes);
    return Promise.resolve();
  }
}

function wireSetup() {
  const clock = new FakeClock();
  const transports = new WireTransports();
  const servers: ServerTransaction[] = [];
  const layer = new TransactionLayer({ transports, clock, tu: { onRequest: (tx) => servers.push(tx), onAck: () => {} } });
  return { clock, transports, layer, servers };
}

/** Parsed or built requests, and messages of either kind (each has one SipHeaders), still reachable. */
function reachable(): { requests: number; messages: number } {
  const Request = Object.getPrototypeOf(createRequest({ method: 'OPTIONS', uri: 'sip:count@192.0.2.1' })).constructor as new () => unknown;
  return { requests: v8.queryObjects(Request, { format: 'count' }) as number, messages: v8.queryObjects(SipHeaders, { format: 'count' }) as number };
}

test('a server transaction past its final response keeps no parsed message and answers a retransmission with the same bytes', { skip: canQuery }, () => {
  const { layer, transports, servers } = wireSetup();
  const before = reachable();
  layer.receive(inbound(request('INVITE', { branch: 'z9hG4bK-busy', callId: 'busy' })));
  layer.receive(inbound(request('INVITE', { branch: 'z9hG4bK-ok', callId: 'ok' })));
  layer.receive(inbound(request('OPTIONS', { branch: 'z9hG4bK-opt', callId: 'opt' })));
  const [busy, ok, options] = servers;
  busy.respond(createResponse(busy.request, 486, 'Busy Here', { toTag: 'u1' }));
  ok.respond(createResponse(ok.request, 200, 'OK', { toTag: 'u2' }));
  options.respond(createResponse(options.request, 200, 'OK', { toTag: 'u3' }));
  assert.deepEqual([busy.state, ok.state, options.state], ['completed', 'accepted', 'completed'], 'all three linger');
  assert.deepEqual(reachable(), before, 'no request, no response kept');
  assert.throws(() => busy.request, { code: 'SIP_TX_RELEASED' });
  const [busyBytes, optionsBytes] = [transports.wire[2], transports.wire[4]];

  layer.receive(inbound(request('INVITE', { branch: 'z9hG4bK-busy', callId: 'busy' })));
  layer.receive(inbound(request('OPTIONS', { branch: 'z9hG4bK-opt', callId: 'opt' })));
  layer.receive(inbound(request('INVITE', { branch: 'z9hG4bK-ok', callId: 'ok' })));
  assert.deepEqual(transports.wire.slice(5), [busyBytes, optionsBytes], 'the final again, byte for byte; the INVITE in Accepted is absorbed (RFC 6026 §7.1)');
  // RFC 3261 §9.2: a CANCEL after the final is answered 200 and changes nothing.
  layer.receive(inbound(request('CANCEL', { branch: 'z9hG4bK-busy', callId: 'busy' })));
  assert.match(transports.wire.at(-1)!.toString(), /^SIP\/2\.0 200 OK\r\n[^]*CSeq: 1 CANCEL/);
  layer.receive(inbound(request('ACK', { branch: 'z9hG4bK-busy', callId: 'busy', toTag: 'u1' })));
  assert.equal(busy.state, 'confirmed', 'the ACK still matches');
  assert.equal(layer.stats.acksAbsorbed, 1);
  assert.deepEqual(reachable(), before, 'nor the ACK, the CANCEL or the retransmissions');
});

test('a client transaction past its final response keeps no parsed message and ACKs a retransmitted final with the same bytes', { skip: canQuery }, async () => {
  const { layer, transports } = wireSetup();
  const before = reachable();
  const send = (method: string) => {
    const tx = layer.sendRequest(outgoing(method), carrier);
    return { tx, answer: (status: number) => answer(tx.request, status, `c-${method}-${status}`) };
  };
  const busy = send('INVITE');
  const ok = send('INVITE');
  const options = send('OPTIONS');
  const busyText = busy.answer(486);
  const okText = ok.answer(200);
  const optionsText = options.answer(200);
  layer.receive(inbound(busyText));
  layer.receive(inbound(okText));
  layer.receive(inbound(optionsText));
  await flush();
  assert.deepEqual([busy.tx.state, ok.tx.state, options.tx.state], ['completed', 'accepted', 'completed'], 'all three linger');
  assert.deepEqual(reachable(), before, 'no request, no response kept');
  assert.throws(() => ok.tx.request, { code: 'SIP_TX_RELEASED' });
  const sent = transports.wire.length;
  const ack = transports.wire[3];
  assert.match(ack.toString(), /^ACK /);

  layer.receive(inbound(busyText));
  layer.receive(inbound(optionsText));
  assert.deepEqual(transports.wire.slice(sent), [ack], 'RFC 3261 §17.1.1.2: the same ACK for the retransmitted final; the OPTIONS 200 absorbed');
  assert.equal(layer.stats.responsesMatched, 5, 'the keys still match');
  assert.deepEqual(reachable(), before);
});

/** Keeps what was sent as text, so that no Buffer the layer sent stays reachable through the test. */
class TextTransports extends RecordingTransports {
  readonly texts: string[] = [];
  override send(bytes: Buffer, _to: Destination): Promise<void> {
    this.texts.push(bytes.toString('latin1'));
    return Promise.resolve();
  }
}

test('lingering transactions keep the bytes they may send again without holding slabs of the Buffer pool', { skip: canQuery }, async () => {
  // A message under 4 KB is serialised into a slice of Node's shared 8 KB pool, and one kept slice
  // keeps its whole slab: at 600 calls/s lingering finals held ~11 000 slabs, 93 MB (issue 13).
  const clock = new FakeClock();
  const transports = new TextTransports();
  const servers: ServerTransaction[] = [];
  const layer = new TransactionLayer({ transports, clock, tu: { onRequest: (tx) => servers.push(tx), onAck: () => {} } });
  const slabsBefore = v8.queryObjects(ArrayBuffer, { format: 'count' }) as number;
  const finals: string[] = [];
  for (let i = 0; i < 200; i++) {
    layer.receive(inbound(request(i % 2 === 0 ? 'INVITE' : 'OPTIONS', { branch: `z9hG4bK-pool${i}`, callId: `pool${i}` })));
    const tx = servers[i];
    tx.respond(createResponse(tx.request, i % 4 === 2 ? 486 : 200, i % 4 === 2 ? 'Busy Here' : 'OK', { toTag: `t${i}` }));
    finals.push(transports.texts.at(-1)!);
    // The rest of the slab goes to other, short-lived buffers, as it does in serve.
    Buffer.from('x'.repeat(4000));
  }
  assert.equal(layer.transactionCount.servers, 200, 'all linger (Timers J, L; Completed for the 486s)');
  await flush(); // the sends' settlements let go of the bytes they were given
  const held = (v8.queryObjects(ArrayBuffer, { format: 'count' }) as number) - slabsBefore;
  assert.ok(held < 20, `200 lingering transactions hold ${held} more ArrayBuffers (slabs) than before them`);
  // What they kept is still what went out: a retransmitted OPTIONS and a retransmitted INVITE after a 486 get the final again, byte for byte.
  const sent = transports.texts.length;
  layer.receive(inbound(request('OPTIONS', { branch: 'z9hG4bK-pool1', callId: 'pool1' })));
  layer.receive(inbound(request('INVITE', { branch: 'z9hG4bK-pool2', callId: 'pool2' })));
  assert.deepEqual(transports.texts.slice(sent), [finals[1], finals[2]]);
});
