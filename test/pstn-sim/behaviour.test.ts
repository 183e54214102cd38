import { test } from 'node:test';
import assert from 'node:assert/strict';
import { behaviourFor, reasonPhrase } from '../../src/pstn-sim/index.js';

test('the last four digits choose the PSTN simulator outcome (SPEC §2)', () => {
  assert.deepEqual(behaviourFor('+919876540000'), { kind: 'answer-echo' });
  assert.deepEqual(behaviourFor('+919876540180'), { kind: 'ring-forever' });
  assert.equal(behaviourFor('+919876540183').kind, 'early-media-then-answer');
  assert.deepEqual(behaviourFor('+919876540408'), { kind: 'no-response' });
  assert.deepEqual(behaviourFor('+91 98765 40486'), { kind: 'final', status: 486 });
  assert.deepEqual(behaviourFor('+919876540603'), { kind: 'final', status: 603 });
  assert.deepEqual(behaviourFor('+919876540503'), { kind: 'final', status: 503 });
  assert.deepEqual(behaviourFor('+919876541234'), { kind: 'ring-then-answer', ringMs: 1000 });
  assert.deepEqual(behaviourFor('+919876540999'), { kind: 'ring-then-answer', ringMs: 1000 }, '999 is no SIP code');
});

test('reason phrases follow RFC 3261 §21', () => {
  assert.equal(reasonPhrase(486), 'Busy Here');
  assert.equal(reasonPhrase(604), 'Does Not Exist Anywhere');
});

test('the simulator script plays the outcome: 0408 sends nothing, 0183 early media before 200', async () => {
  const { scriptFor } = await import('../../src/pstn-sim/index.js');
  assert.deepEqual(scriptFor('+919876540408').steps, []);
  assert.deepEqual(scriptFor('+919876540183').steps.map((s) => [s.status, s.withSdp]), [[100, false], [183, true], [200, true]]);
  assert.deepEqual(scriptFor('+919876540486').steps.map((s) => s.status), [100, 486]);
  assert.equal(scriptFor('+919876540180').steps.at(-1)!.status, 180, 'rings forever');
  assert.equal(scriptFor('+919876540000').echo, true);
});
