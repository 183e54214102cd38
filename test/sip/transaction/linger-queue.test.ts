import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../support/fake-clock.js';
import { LingerQueue, type Lingering } from '../../../src/sip/transaction/linger-queue.js';
import { TransactionLayer } from '../../../src/sip/transaction/transaction-layer.js';
import { createResponse } from '../../../src/sip/index.js';
import type { ServerTransaction } from '../../../src/sip/transaction/server-transaction.js';
import { RecordingTransports, inbound, request } from './support.js';

function waiter(log: string[], name: string, keep?: (due: number) => boolean): Lingering & { due: number } {
  return {
    due: 0,
    lingerExpired(due: number) {
      if (keep && !keep(due)) return;
      log.push(`${name}@${due}`);
    },
  };
}

test('waiters expire at their due time, never before, in the order they were queued', () => {
  const clock = new FakeClock();
  const q = new LingerQueue(clock);
  const log: string[] = [];
  q.add(waiter(log, 'a'), 1000);
  clock.advance(300);
  q.add(waiter(log, 'b'), 1000);
  q.add(waiter(log, 'c'), 200);
  clock.advance(199);
  assert.deepEqual(log, []);
  clock.advance(1);
  assert.deepEqual(log, ['c@500']);
  clock.advance(499);
  assert.deepEqual(log, ['c@500']);
  clock.advance(1);
  assert.deepEqual(log, ['c@500', 'a@1000']);
  clock.advance(300);
  assert.deepEqual(log, ['c@500', 'a@1000', 'b@1300']);
  assert.equal(q.size, 0);
  assert.equal(clock.pendingTimers, 0, 'no clock timer is left once the queue is empty');
});

test('one clock timer per queue length however many wait, and the ring grows without losing order', () => {
  const clock = new FakeClock();
  const q = new LingerQueue(clock);
  const log: string[] = [];
  for (let i = 0; i < 1000; i++) {
    q.add(waiter(log, `w${i}`), 32_000);
    clock.advance(1);
  }
  assert.equal(clock.pendingTimers, 1);
  assert.equal(q.size, 1000);
  clock.advance(32_000);
  assert.equal(log.length, 1000);
  assert.deepEqual(log.slice(0, 3), ['w0@32000', 'w1@32001', 'w2@32002']);
  assert.equal(log[999], 'w999@32999');
});

test('with a granularity, waiters due close together expire together, late by less than it', () => {
  const clock = new FakeClock();
  const q = new LingerQueue(clock, 100);
  const log: string[] = [];
  q.add(waiter(log, 'a'), 1010);
  q.add(waiter(log, 'b'), 1050);
  clock.advance(1009);
  assert.deepEqual(log, []);
  clock.advance(90);
  assert.deepEqual(log, []);
  clock.advance(1);
  assert.deepEqual(log, ['a@1010', 'b@1050'], 'both at the first 100 ms boundary after the first due time');
});

test('a waiter that no longer wants its expiry ignores it by its due time', () => {
  const clock = new FakeClock();
  const q = new LingerQueue(clock);
  const log: string[] = [];
  let wanted = 0;
  const w = waiter(log, 'w', (due) => due === wanted);
  q.add(w, 1000);
  wanted = q.add(w, 1000 + 0); // started again at once: the first expiry is the same due time
  clock.advance(400);
  wanted = q.add(w, 1000); // started again later: the earlier expiry is stale
  clock.advance(600);
  assert.deepEqual(log, []);
  clock.advance(400);
  assert.deepEqual(log, ['w@1400']);
});

test('Timer J over UDP ends a non-INVITE server transaction through the layer\'s queue, and a retransmission before it is answered again', () => {
  const clock = new FakeClock();
  const transports = new RecordingTransports();
  const servers: ServerTransaction[] = [];
  const layer = new TransactionLayer({ transports, clock, tu: { onRequest: (tx) => servers.push(tx) } });
  layer.receive(inbound(request('BYE')));
  const tx = servers[0];
  tx.respond(createResponse(tx.request, 200, 'OK'));
  assert.equal(tx.state, 'completed');
  assert.throws(() => tx.source, /no longer holds its request/, 'the source goes with the request at the final');
  clock.advance(31_999);
  layer.receive(inbound(request('BYE')));
  assert.deepEqual(transports.statuses(), [200, 200]);
  assert.equal(tx.state, 'completed');
  clock.advance(1);
  assert.equal(tx.state, 'terminated');
  assert.equal(layer.transactionCount.servers, 0);
  assert.equal(clock.pendingTimers, 0);
});

test('a thousand lingering transactions hold one clock timer between them, not one each', () => {
  const clock = new FakeClock();
  const transports = new RecordingTransports();
  const layer = new TransactionLayer({ transports, clock, tu: { onRequest: (tx) => tx.respond(createResponse(tx.request, 200, 'OK')) } });
  for (let i = 0; i < 1000; i++) layer.receive(inbound(request('BYE', { branch: `z9hG4bK-many${i}`, callId: `many-${i}@198.51.100.9` })));
  assert.equal(layer.transactionCount.servers, 1000);
  assert.equal(clock.pendingTimers, 1);
  clock.advance(32_000);
  assert.equal(layer.transactionCount.servers, 0);
});
