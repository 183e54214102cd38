import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callState, diagnoseCall, summarizeCall } from '../../src/diagnosis/index.js';
import { answeredCall, failedCall, req, res, T0, twoWay } from './support/evidence.js';

test('a 2xx to the INVITE makes the call answered, with answer and end times', () => {
  const ev = answeredCall({ streams: twoWay(20_000), byeAt: 20_050 });
  const s = summarizeCall(ev);
  assert.equal(s.state, 'answered');
  assert.equal(s.answerAt, T0 + 1000);
  assert.equal(s.endAt, T0 + 20_050);
  assert.equal(s.endedBy, 'caller');
  assert.deepEqual(diagnoseCall(ev), [], 'a clean PCMA call has no finding');
});

test('a call cut off by the end of observation without a final response is in progress, never a failure', () => {
  const ev = {
    callId: 'cut', source: 'capture' as const,
    messages: [req('INVITE', 0), req('INVITE', 500), req('INVITE', 1500), res(100, 'Trying', 1600), res(180, 'Ringing', 2000)],
    streams: [], observedUntil: T0 + 2100,
  };
  assert.equal(callState(ev), 'in-progress');
  assert.deepEqual(diagnoseCall(ev), []);
  // Even unanswered retransmissions are in progress while Timer B (32 s) has not run out.
  const early = { ...ev, messages: ev.messages.slice(0, 3), observedUntil: T0 + 10_000 };
  assert.equal(callState(early), 'in-progress');
  assert.deepEqual(diagnoseCall(early), []);
});

test('CANCEL answered by 487 is cancelled and not a fault', () => {
  const ev = failedCall(487, 'Request Terminated', { at: 5000, extra: [res(180, 'Ringing', 300), req('CANCEL', 4900)] });
  assert.equal(callState(ev), 'cancelled');
  assert.deepEqual(diagnoseCall(ev), []);
});

test('busy and decline are rejected, reported with their guide row as normal behaviour', () => {
  const busy = failedCall(486, 'Busy Here');
  assert.equal(callState(busy), 'rejected');
  const [f] = diagnoseCall(busy);
  assert.equal(f.id, 'sip.486');
  assert.equal(f.severity, 'info');
  assert.equal(f.fault_domain, 'far-end');
  assert.ok(f.checks.includes('Normal behavior'));
  assert.equal(callState(failedCall(603, 'Decline')), 'rejected');
  assert.equal(callState(failedCall(404, 'Not Found')), 'failed');
  assert.equal(callState(failedCall(302, 'Moved Temporarily')), 'redirected');
});

test('a non-INVITE request answered 2xx is completed', () => {
  const ev = { callId: 'reg', source: 'capture' as const, messages: [req('REGISTER', 0), res(200, 'OK', 30, { method: 'REGISTER' })], streams: [] };
  assert.equal(callState(ev), 'completed');
});
