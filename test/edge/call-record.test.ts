import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallRecorder, renderLadder } from '../../src/edge/index.js';
import { FakeClock } from '../support/fake-clock.js';

const start = {
  callSid: 'c'.repeat(32), accountSid: 'acc', trunkSid: 'trk', direction: 'outbound' as const,
  from: '+919876541111', to: '+919876540000', sourceAddress: '127.0.0.1:5062', transport: 'udp', sipCallId: 'x@y',
};

test('a refused call is recorded with its code, who sent it and the edge cause', () => {
  const clock = new FakeClock();
  const rec = new CallRecorder(clock, start);
  rec.trace({ leg: 'customer', direction: 'in', transport: 'udp', src: '127.0.0.1:5062', dst: '127.0.0.1:5070', message: 'INVITE sip:+91@x SIP/2.0\r\nVia: x\r\n\r\n' });
  clock.advance(5);
  rec.fail(403, 'Forbidden', 'edge', 'ip-not-whitelisted');
  const r = rec.toRecord();
  assert.equal(r.status, 'refused');
  assert.equal(r.final_by, 'edge');
  assert.equal(r.edge_cause, 'ip-not-whitelisted');
  assert.equal(r.started_at, '2026-01-23T09:24:59Z');
  assert.equal(r.trace[0].summary, 'INVITE sip:+91@x SIP/2.0');
  assert.match(renderLadder(r.trace), /----------->.*INVITE sip:\+91@x SIP\/2\.0/);
});

test('an answered call has its duration from answer to end', () => {
  const clock = new FakeClock();
  const rec = new CallRecorder(clock, start);
  clock.advance(1000);
  rec.answer(200, 'OK');
  clock.advance(7000);
  rec.end('bye-customer');
  const r = rec.toRecord();
  assert.equal(r.status, 'completed');
  assert.equal(r.final_by, 'carrier');
  assert.equal(r.duration_s, 7);
  assert.equal(r.setup_ms, 1000);
  assert.equal(r.end_cause, 'bye-customer');
});
