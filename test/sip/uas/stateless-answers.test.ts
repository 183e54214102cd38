import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../support/fake-clock.js';
import type { SipResponse } from '../../../src/sip/index.js';
import { TransactionLayer } from '../../../src/sip/transaction/transaction-layer.js';
import type { ServerTransaction } from '../../../src/sip/transaction/server-transaction.js';
import { UasCore } from '../../../src/sip/uas/uas-core.js';
import { RecordingTransports, inbound, request } from '../transaction/support.js';

function setup(methods?: string[]) {
  const transports = new RecordingTransports();
  const handled: ServerTransaction[] = [];
  const core = new UasCore({ supported: ['100rel', 'timer'], accept: ['application/sdp'], isLocal: (h, p) => transports.isLocal(h, p), server: 'trunkline' });
  if (methods) core.setHandler({ methods, handleRequest: (tx) => handled.push(tx) });
  const layer = new TransactionLayer({ transports, clock: new FakeClock(), tu: core });
  const last = () => transports.sent.at(-1)!.message as SipResponse;
  return { transports, layer, handled, last, core };
}

test('OPTIONS is answered 200 with Allow, Accept and Supported (RFC 3261 §11.2)', () => {
  const { layer, last } = setup();
  layer.receive(inbound(request('OPTIONS')));
  const r = last();
  assert.equal(r.status, 200);
  assert.equal(r.headers.getAll('Allow').join(', '), 'OPTIONS');
  assert.equal(r.headers.get('Accept'), 'application/sdp');
  assert.equal(r.headers.getAll('Supported').join(', '), '100rel, timer');
  assert.ok(r.headers.to()?.tag, 'a UAS adds a To tag (RFC 3261 §8.2.6.2)');
  assert.equal(r.headers.get('Server'), 'trunkline');
});

test('a known method not allowed here gets 405 with Allow (RFC 3261 §8.2.1)', () => {
  const { layer, last, transports } = setup();
  layer.receive(inbound(request('INVITE')));
  assert.deepEqual(transports.statuses(), [100, 405]);
  assert.equal(last().headers.getAll('Allow').join(', '), 'OPTIONS');
});

test('an unrecognised method gets 501 Not Implemented', () => {
  const { layer, last } = setup(['INVITE', 'BYE']);
  layer.receive(inbound(request('FROBNICATE')));
  assert.equal(last().status, 501);
  assert.equal(last().headers.getAll('Allow').join(', '), 'OPTIONS, INVITE, BYE, ACK, CANCEL');
});

test('an unsupported Require gets 420 Bad Extension listing it in Unsupported (RFC 3261 §8.2.2.3)', () => {
  const { layer, last, handled } = setup(['INVITE']);
  layer.receive(inbound(request('INVITE', { extra: 'Require: timer, foo, precondition\n' })));
  assert.equal(last().status, 420);
  assert.equal(last().headers.getAll('Unsupported').join(', '), 'foo, precondition');
  assert.equal(handled.length, 0);
});

test('Max-Forwards 0 gets 483 Too Many Hops; an OPTIONS with 0 is answered as its final recipient (RFC 3261 §16.3)', () => {
  const { layer, last } = setup(['INVITE']);
  layer.receive(inbound(request('INVITE').replace('Max-Forwards: 70', 'Max-Forwards: 0')));
  assert.equal(last().status, 483);
  layer.receive(inbound(request('OPTIONS', { branch: 'z9hG4bK-o0' }).replace('Max-Forwards: 70', 'Max-Forwards: 0')));
  assert.equal(last().status, 200);
});

test('a request whose Via already names us has looped: 482 Loop Detected', () => {
  const { layer, last } = setup(['INVITE']);
  layer.receive(inbound(request('INVITE', { extra: 'Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK-ours\n' })));
  assert.equal(last().status, 482);
});

test('a request that passes the checks reaches the handler', () => {
  const { layer, handled } = setup(['INVITE']);
  layer.receive(inbound(request('INVITE', { extra: 'Require: 100rel\n' })));
  assert.equal(handled.length, 1);
});
