import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatNameAddr, formatVia, parseNameAddr, parseVia } from '../../../src/sip/index.js';

test('formatNameAddr quotes a display name that is not plain tokens and always brackets the URI', () => {
  const text = formatNameAddr({ displayName: 'Doe, "J"', uri: 'sip:j@h;transport=tcp', params: [['tag', 'abc'], ['lr', null]] });
  assert.equal(text, '"Doe, \\"J\\"" <sip:j@h;transport=tcp>;tag=abc;lr');
  const back = parseNameAddr(text, 'From');
  assert.equal(back.displayName, 'Doe, "J"');
  assert.equal(back.uri, 'sip:j@h;transport=tcp');
  assert.equal(back.tag, 'abc');
  assert.equal(formatNameAddr({ displayName: 'Alice Smith', uri: 'sip:a@b' }), 'Alice Smith <sip:a@b>');
  assert.equal(formatNameAddr({ uri: 'tel:+911234' }), '<tel:+911234>');
});

test('formatVia writes sent-protocol, sent-by (IPv6 in brackets), branch and rport (RFC 3581)', () => {
  const text = formatVia({ transport: 'udp', host: '2001:db8::1', port: 5070, branch: 'z9hG4bKabc', rport: true });
  assert.equal(text, 'SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bKabc;rport');
  const v = parseVia(text);
  assert.deepEqual([v.transport, v.host, v.port, v.branch, v.rport], ['UDP', '2001:db8::1', 5070, 'z9hG4bKabc', true]);
});
