import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type FramerEvent, SipStreamFramer, parseMessage, validateIncoming } from '../../../src/sip/index.js';

function options(n: number, body = ''): Buffer {
  return Buffer.from(
    [
      'OPTIONS sip:trunk@example.com SIP/2.0',
      `Via: SIP/2.0/TCP client.example.com;branch=z9hG4bK${n}`,
      'From: <sip:a@example.com>;tag=1',
      'To: <sip:trunk@example.com>',
      `Call-ID: call-${n}`,
      `CSeq: ${n} OPTIONS`,
      'Max-Forwards: 70',
      `l: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n'),
  );
}

const messages = (events: FramerEvent[]): string[] =>
  events.flatMap((e) => (e.type === 'message' ? [parseMessage(e.bytes, { transport: 'stream' }).headers.callId()!] : []));

test('a message split across many reads is yielded once, when its body is complete (RFC 3261 §18.3)', () => {
  const bytes = options(1, 'hello body');
  const framer = new SipStreamFramer();
  const events: FramerEvent[] = [];
  for (let i = 0; i < bytes.length; i += 7) events.push(...framer.push(bytes.subarray(i, i + 7)));
  assert.deepEqual(messages(events), ['call-1']);
  assert.equal(events.length, 1);
  assert.equal(framer.buffered, 0);
  const e = events[0];
  assert.ok(e.type === 'message');
  assert.equal(parseMessage(e.bytes).body.toString(), 'hello body');
});

test('several messages in one read are all yielded, in order', () => {
  const framer = new SipStreamFramer();
  const events = framer.push(Buffer.concat([options(1), options(2, 'x'), options(3)]));
  assert.deepEqual(messages(events), ['call-1', 'call-2', 'call-3']);
});

test('a double-CRLF ping is reported so the transport can answer a single CRLF (RFC 5626 §3.5.1)', () => {
  const framer = new SipStreamFramer();
  assert.deepEqual(framer.push(Buffer.from('\r\n\r\n')), [{ type: 'ping' }]);
  // A ping split across reads is still one ping.
  assert.deepEqual(framer.push(Buffer.from('\r\n')), []);
  assert.deepEqual(framer.push(Buffer.from('\r\n')), [{ type: 'ping' }]);
  // A single CRLF (a pong, or an RFC 3261 §7.5 keep-alive) before a message.
  const events = framer.push(Buffer.concat([Buffer.from('\r\n'), options(4)]));
  assert.deepEqual(events.map((e) => e.type), ['pong', 'message']);
});

test('a message without Content-Length on a stream is an error the transport answers with 400', () => {
  const framer = new SipStreamFramer();
  const noLength = Buffer.from(options(5).toString().replace('l: 0\r\n', ''));
  const events = framer.push(noLength);
  assert.equal(events.length, 1);
  const e = events[0];
  assert.ok(e.type === 'error');
  assert.equal(e.error.code, 'SIP_PARSE_MISSING_CONTENT_LENGTH');
  const verdict = validateIncoming(e.error);
  assert.ok(verdict.action === 'respond');
  assert.equal(verdict.status, 400);
  assert.equal(verdict.request.headers.callId(), 'call-5');
  // Framing is lost: nothing more comes out of this connection.
  assert.equal(framer.failed, true);
  assert.deepEqual(framer.push(options(6)), []);
});

test('the size limit (64 KiB by default) stops a huge body and an endless header section', () => {
  const framer = new SipStreamFramer();
  const huge = Buffer.from(options(7).toString().replace('l: 0', 'l: 100000'));
  const [e] = framer.push(huge);
  assert.ok(e.type === 'error');
  assert.equal(e.error.code, 'SIP_PARSE_TOO_LARGE');
  const verdict = validateIncoming(e.error);
  assert.ok(verdict.action === 'respond');
  assert.equal(verdict.status, 513);

  const small = new SipStreamFramer({ maxBytes: 1024 });
  const endless = Buffer.from(`OPTIONS sip:a@b SIP/2.0\r\n${'X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(40)}`);
  const out = small.push(endless);
  assert.equal(out.length, 1);
  assert.ok(out[0].type === 'error');
  assert.equal(out[0].error.code, 'SIP_PARSE_TOO_LARGE');
});

test('a malformed Content-Length is an error, two equal ones are not', () => {
  const bad = new SipStreamFramer().push(Buffer.from(options(8).toString().replace('l: 0', 'l: zero')));
  assert.ok(bad[0].type === 'error');
  assert.equal(bad[0].error.code, 'SIP_PARSE_BAD_CONTENT_LENGTH');
  const twice = new SipStreamFramer().push(Buffer.from(options(9).toString().replace('l: 0', 'l: 0\r\nContent-Length: 0')));
  assert.deepEqual(messages(twice), ['call-9']);
});

test('a Content-Length folded onto the next line still frames the message (RFC 3261 §7.3.1)', () => {
  const folded = Buffer.from(options(10, 'abc').toString().replace('l: 3', 'Content-Length:\r\n   3'));
  assert.deepEqual(messages(new SipStreamFramer().push(folded)), ['call-10']);
});
