import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCSeq, parseNameAddr, parseVia } from '../../../src/sip/parser/parse-header.js';
import { isAbsoluteUri, parseUri } from '../../../src/sip/parser/parse-uri.js';
import { skipWs, splitTopLevel, trimLws } from '../../../src/sip/parser/lexer.js';

/**
 * The same text as each string representation V8 gives it on serve's path: sliced from a
 * message's text, concatenated by the stack (cons), flat, internalized (a property key) and thin
 * (a flat string later used as a key). The parsers read characters without asking the string for
 * its methods (lexer.ts, charCodeAt); whatever the representation, the answer is the same.
 */
function representations(text: string): string[] {
  const around = `${'x'.repeat(40)}${text}${'y'.repeat(3)}`;
  const sliced = around.slice(40, 40 + text.length);
  const half = Math.floor(text.length / 2);
  const cons = text.slice(0, half) + text.slice(half);
  const flat = text.split('').join('');
  const internalized = Object.keys({ [text]: 1 })[0];
  const thin = text.split('').join('');
  const keyed: Record<string, number> = {};
  keyed[thin] = 1;
  return [sliced, cons, flat, internalized, thin];
}

test('the header and URI parsers give the same answer for every string representation of a value', () => {
  const via = ' SIP/2.0/UDP 10.0.0.1:5060 ;branch=z9hG4bK-524287-1---abcdef0123456789;rport;received=[2001:db8::1]';
  const nameAddr = '"Alice \\"A\\"" <sip:+919876543210@carrier.example.com;user=phone>;tag=9fxced76sl';
  const uri = 'sip:+919876543210@carrier.example.com:5060;user=phone;transport=udp';
  const cseq = '314159 INVITE';
  // Twice over: once cold, once after the first round has given the optimiser mixed feedback.
  for (let round = 0; round < 2; round++) {
    for (const text of representations(via)) assert.deepEqual(parseVia(text), parseVia(via));
    for (const text of representations(nameAddr)) assert.deepEqual(parseNameAddr(text, 'From'), parseNameAddr(nameAddr, 'From'));
    for (const text of representations(uri)) {
      assert.deepEqual(parseUri(text), parseUri(uri));
      assert.equal(isAbsoluteUri(text), true);
    }
    for (const text of representations(cseq)) assert.deepEqual(parseCSeq(text), { seq: 314159, method: 'INVITE' });
    for (const text of representations('  a, "b, c" , <sip:d,e@f>  ')) {
      assert.deepEqual(splitTopLevel(text, 44), ['a', '"b, c"', '<sip:d,e@f>']);
      assert.equal(skipWs(text, 0), 2);
      assert.equal(trimLws(text), 'a, "b, c" , <sip:d,e@f>');
    }
  }
});

test('a scan that reaches the end of a value stops there, in every representation', () => {
  // Each ends where a parser reads one past the last character (a param without value, a port
  // at the very end): the read gives NaN, which no character class takes.
  for (const text of representations('SIP/2.0/UDP host.example.com:5060;rport')) {
    const parsed = parseVia(text);
    assert.equal(parsed.port, 5060);
    assert.equal(parsed.rport, true);
  }
  for (const text of representations('SIP/2.0/TCP host.example.com:5061')) assert.equal(parseVia(text).port, 5061);
  for (const text of representations('sip:alice@atlanta.example.com')) assert.equal(parseUri(text).host, 'atlanta.example.com');
});
