import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatUri, parseUri } from '../../../src/sip/index.js';

test('sip URI: user, password, host, port, params and headers (RFC 3261 §19.1.1)', () => {
  const u = parseUri('sip:alice:secret@atlanta.example.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent');
  assert.equal(u.scheme, 'sip');
  assert.equal(u.user, 'alice');
  assert.equal(u.password, 'secret');
  assert.equal(u.host, 'atlanta.example.com');
  assert.equal(u.port, 5061);
  assert.equal(u.params.get('transport'), 'tcp');
  assert.equal(u.params.get('lr'), null);
  assert.equal(u.headers.get('subject'), 'project x');
  assert.equal(u.headers.get('priority'), 'urgent');
});

test('sips URI, telephone-subscriber user and no user at all', () => {
  assert.equal(parseUri('sips:example.com').user, null);
  assert.equal(parseUri('SIP:+1-212-555-1212:1234@gateway.com;user=phone').user, '+1-212-555-1212');
  assert.equal(parseUri('sips:1212@gateway.com').scheme, 'sips');
});

test('IPv6 references keep the port outside the brackets (RFC 5118 §4.3, §4.4)', () => {
  const a = parseUri('sip:[2001:db8::10]:5070');
  assert.deepEqual([a.host, a.port], ['2001:db8::10', 5070]);
  const b = parseUri('sip:user@[2001:db8::10:5070];transport=udp');
  assert.deepEqual([b.host, b.port, b.params.get('transport')], ['2001:db8::10:5070', null, 'udp']);
  assert.throws(() => parseUri('sip:2001:db8::10'), { code: 'SIP_PARSE_BAD_URI' });
  assert.throws(() => parseUri('sip:[2001:db8::10'), { code: 'SIP_PARSE_BAD_URI' });
});

test('%-escapes are decoded in user, params and headers; a bad escape is an error', () => {
  assert.equal(parseUri('sip:%61lice@example.com').user, 'alice');
  assert.equal(parseUri('sip:null-%00@example.com').user, 'null-\0');
  assert.equal(parseUri('sip:a@h;n%61me=v%61lue').params.get('name'), 'value');
  assert.throws(() => parseUri('sip:%zz@example.com'), { code: 'SIP_PARSE_BAD_URI' });
  assert.throws(() => parseUri('sip:a%4@example.com'), { code: 'SIP_PARSE_BAD_URI' });
});

test('tel URI (RFC 3966): number and parameters', () => {
  const t = parseUri('tel:+91-22-1234-5678;phone-context=example.com');
  assert.equal(t.scheme, 'tel');
  assert.equal(t.user, '+91-22-1234-5678');
  assert.equal(t.params.get('phone-context'), 'example.com');
});

test('other schemes are unsupported, malformed ones are bad', () => {
  assert.throws(() => parseUri('mailto:a@b'), { code: 'SIP_PARSE_UNSUPPORTED_URI_SCHEME' });
  assert.throws(() => parseUri('sip:a b@c'), { code: 'SIP_PARSE_BAD_URI' });
  assert.throws(() => parseUri('sip:a@h:99999'), { code: 'SIP_PARSE_BAD_URI' });
  assert.throws(() => parseUri('sip:a@h;;lr'), { code: 'SIP_PARSE_BAD_URI' });
  assert.throws(() => parseUri('nocolon'), { code: 'SIP_PARSE_BAD_URI' });
});

test('formatUri escapes what must be escaped and round-trips through parseUri', () => {
  const text = formatUri({
    scheme: 'sip',
    user: 'I have spaces',
    password: null,
    host: '2001:db8::1',
    port: 5060,
    params: new Map([['transport', 'tcp'], ['lr', null]]),
    headers: new Map([['Route', '<sip:x>']]),
  });
  assert.equal(text, 'sip:I%20have%20spaces@[2001:db8::1]:5060;transport=tcp;lr?Route=%3Csip:x%3E');
  const back = parseUri(text);
  assert.equal(back.user, 'I have spaces');
  assert.equal(back.host, '2001:db8::1');
  assert.equal(back.headers.get('Route'), '<sip:x>');
});
