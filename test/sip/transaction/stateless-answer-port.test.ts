import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../support/fake-clock.js';
import type { SipRequest, SipResponse } from '../../../src/sip/index.js';
import { TransactionLayer, type StatelessAnswerPort } from '../../../src/sip/transaction/transaction-layer.js';
import { RecordingTransports, inbound, request } from './support.js';

function setup(decorate: StatelessAnswerPort['decorate']) {
  const transports = new RecordingTransports();
  const errors: string[] = [];
  const drops: string[] = [];
  const layer = new TransactionLayer({
    transports, clock: new FakeClock(), statelessAnswers: { decorate },
    tu: { onRequest: () => undefined, onError: (_e, where) => errors.push(where), onDrop: (why) => drops.push(why) },
  });
  return { transports, layer, errors, drops };
}

test('a stateless 400 is shown to the stateless-answer port, with the received bytes, before it is sent', () => {
  const seen: { req: SipRequest; res: SipResponse; bytes: Buffer | undefined }[] = [];
  const { layer, transports } = setup((req, res, _source, bytes) => {
    seen.push({ req, res, bytes });
    res.headers.append('X-Added', 'yes');
  });
  layer.receive(inbound(request('OPTIONS').replace('CSeq: 1 OPTIONS', 'CSeq: abc OPTIONS')));
  assert.equal(seen.length, 1);
  assert.equal(seen[0].res.status, 400);
  assert.match(seen[0].bytes?.toString() ?? '', /^OPTIONS /);
  assert.deepEqual(transports.statuses(), [400]);
  assert.match(transports.sent[0].bytes.toString(), /\r\nX-Added: yes\r\n/);
});

test('an ACK is never answered (RFC 3261 §17.2.3), so the port never sees one; a broken response is not shown either', () => {
  let calls = 0;
  const { layer, transports, drops } = setup(() => void calls++);
  layer.receive(inbound(request('ACK', { toTag: 'x' }).replace(/CSeq: 1 ACK/, 'CSeq: abc ACK')));
  layer.receive(inbound('SIP/2.0 2000 OK\nVia: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bKx\n\n'));
  assert.equal(calls, 0);
  assert.ok(drops.some((d) => d.startsWith('ACK ')), drops.join(' | '));
  assert.deepEqual(transports.statuses(), []);
});

test('a port that throws does not stop the 400: the request is still owed its answer (RFC 3261 §8.2)', () => {
  const { layer, transports, errors } = setup(() => {
    throw new Error('boom');
  });
  layer.receive(inbound(request('OPTIONS').replace('CSeq: 1 OPTIONS', 'CSeq: abc OPTIONS')));
  assert.deepEqual(transports.statuses(), [400]);
  assert.deepEqual(errors, ['statelessAnswers']);
});
