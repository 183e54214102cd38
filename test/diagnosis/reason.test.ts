import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeReason, parseReason } from '../../src/diagnosis/index.js';

test('the Reason header (RFC 3326) is read as protocol, cause and text, and a Q.850 cause is named', () => {
  assert.deepEqual(parseReason('Q.850;cause=21;text="nocallee"'), { protocol: 'Q.850', cause: 21, text: 'nocallee', meaning: 'call rejected' });
  assert.deepEqual(parseReason('SIP ; cause=200 ; text="Call completed elsewhere"'), { protocol: 'SIP', cause: 200, text: 'Call completed elsewhere' });
  assert.deepEqual(parseReason('Q.850'), { protocol: 'Q.850' });
  assert.equal(describeReason('Q.850;cause=16'), 'Reason: Q.850;cause=16 (Q.850 cause 16 = normal call clearing)');
  assert.equal(describeReason('SIP;cause=403'), 'Reason: SIP;cause=403');
});
