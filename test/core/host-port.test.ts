import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostPort, sharedHostPort } from '../../src/core/index.js';

test('hostPort writes IPv4 and names as host:port and brackets IPv6 (RFC 3986 §3.2.2)', () => {
  assert.equal(hostPort('192.0.2.10', 5060), '192.0.2.10:5060');
  assert.equal(hostPort('sip.example.com', '5061'), 'sip.example.com:5061');
  assert.equal(hostPort('2001:db8::1', 5060), '[2001:db8::1]:5060');
  assert.equal(hostPort('::1'), '[::1]');
  assert.equal(hostPort('10.0.0.1'), '10.0.0.1');
});

test('sharedHostPort writes what hostPort writes, as one string per address, and starts over past its bound', () => {
  assert.equal(sharedHostPort('192.0.2.10', 5060), '192.0.2.10:5060');
  assert.equal(sharedHostPort('2001:db8::1', 5060), '[2001:db8::1]:5060');
  assert.equal(sharedHostPort('198.51.100.7', 40000), '198.51.100.7:40000');
  // A scan from many source ports: still right, the memo bounded (it clears and carries on).
  for (let port = 1; port <= 20_000; port++) assert.equal(sharedHostPort('203.0.113.5', port), `203.0.113.5:${port}`);
  assert.equal(sharedHostPort('198.51.100.7', 40000), '198.51.100.7:40000');
});
