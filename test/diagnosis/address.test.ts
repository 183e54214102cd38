import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inCidr, parseEndpoint, privateRange } from '../../src/diagnosis/index.js';

test('RFC 1918, RFC 6598 CGNAT and link-local addresses are private; their neighbours are not', () => {
  for (const ip of ['10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.254', '192.168.1.10', '100.64.0.1', '100.127.255.254', '169.254.10.20']) {
    assert.ok(privateRange(ip), `${ip} is private`);
  }
  // 172.168.x.x is public address space: only 172.16.0.0/12 (172.16–172.31) is RFC 1918.
  for (const ip of ['172.168.1.1', '172.15.255.255', '172.32.0.1', '100.63.255.255', '100.128.0.1', '192.169.1.1', '11.0.0.1', '169.253.1.1', '8.8.8.8']) {
    assert.equal(privateRange(ip), undefined, `${ip} is public`);
  }
});

test('IPv6 unique local fc00::/7 and link-local fe80::/10 are private; global unicast is not', () => {
  for (const ip of ['fc00::1', 'fd12:3456::1', 'fe80::1', 'febf::1']) assert.ok(privateRange(ip), ip);
  for (const ip of ['2001:db8::1', 'fec0::1', '::1', '2a00:1450::1']) assert.equal(privateRange(ip), undefined, ip);
  assert.ok(privateRange('::ffff:192.168.0.1'), 'IPv4-mapped private address');
});

test('endpoints parse as host and port for IPv4, bracketed IPv6 and bare hosts', () => {
  assert.deepEqual(parseEndpoint('192.0.2.1:5060'), { host: '192.0.2.1', port: 5060 });
  assert.deepEqual(parseEndpoint('[2001:DB8::1]:5070'), { host: '2001:db8::1', port: 5070 });
  assert.deepEqual(parseEndpoint('fe80::1'), { host: 'fe80::1' });
});

test('whitelisted ranges match by prefix', () => {
  assert.ok(inCidr('203.0.113.77:5060', '203.0.113.0/24'));
  assert.ok(!inCidr('203.0.114.1', '203.0.113.0/24'));
  assert.ok(inCidr('198.51.100.7', '198.51.100.7'));
  assert.ok(inCidr('1.2.3.4', '0.0.0.0/0'));
});
