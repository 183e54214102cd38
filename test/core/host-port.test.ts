import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostPort } from '../../src/core/index.js';

test('hostPort writes IPv4 and names as host:port and brackets IPv6 (RFC 3986 §3.2.2)', () => {
  assert.equal(hostPort('192.0.2.10', 5060), '192.0.2.10:5060');
  assert.equal(hostPort('sip.example.com', '5061'), 'sip.example.com:5061');
  assert.equal(hostPort('2001:db8::1', 5060), '[2001:db8::1]:5060');
  assert.equal(hostPort('::1'), '[::1]');
  assert.equal(hostPort('10.0.0.1'), '10.0.0.1');
});
