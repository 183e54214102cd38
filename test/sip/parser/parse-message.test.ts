import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTrunklineError } from '../../../src/core/index.js';
import { parseMessage, partialMessageOf, serializeMessage, validateIncoming } from '../../../src/sip/index.js';

const crlf = (s: string): Buffer => Buffer.from(s.replace(/\n/g, '\r\n'));
const INVITE = `INVITE sip:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9
Max-Forwards: 70
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl
To: Bob <sip:bob@biloxi.example.com>
Call-ID: 3848276298220188511@atlanta.example.com
CSeq: 1 INVITE
Contact: <sip:alice@client.atlanta.example.com;transport=tcp>
Content-Type: application/sdp
Content-Length: 5

v=0
`;

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.ok(isTrunklineError(err));
    return err.code;
  }
  return undefined;
}

test('a request parses to method, Request-URI, version, headers and body bytes', () => {
  const m = parseMessage(crlf(INVITE));
  assert.equal(m.kind, 'request');
  assert.ok(m.kind === 'request');
  assert.equal(m.method, 'INVITE');
  assert.equal(m.uri, 'sip:bob@biloxi.example.com');
  assert.equal(m.requestUri.user, 'bob');
  assert.equal(m.version, 'SIP/2.0');
  assert.equal(m.body.toString(), 'v=0\r\n');
  assert.equal(m.headers.from()!.displayName, 'Alice');
  assert.equal(m.headers.from()!.tag, '9fxced76sl');
});

test('a Uint8Array works as input; CRLFs before the start line are ignored (RFC 3261 §7.5)', () => {
  const bytes = new Uint8Array(crlf(`\n\n${INVITE}`));
  assert.equal(parseMessage(bytes).kind, 'request');
});

test('folded header lines are joined with a single space (RFC 3261 §7.3.1)', () => {
  const m = parseMessage(crlf(INVITE.replace('Max-Forwards: 70', 'Subject: I know you\'re there,\n   pick up the phone\n\tand talk to me!\nMax-Forwards: 70')));
  assert.equal(m.headers.get('Subject'), "I know you're there, pick up the phone and talk to me!");
});

test('serialize(parse(x)) is x when x has no folding, and recomputes Content-Length from the body', () => {
  const bytes = crlf(INVITE);
  assert.ok(serializeMessage(parseMessage(bytes)).equals(bytes));
  const m = parseMessage(crlf(INVITE.replace('Content-Length: 5', 'Content-Length: 3')));
  assert.equal(m.body.toString(), 'v=0');
  assert.match(serializeMessage(m).toString(), /\r\nContent-Length: 3\r\n\r\nv=0$/);
});

test('datagram: a missing Content-Length means the rest of the datagram (RFC 3261 §18.3)', () => {
  const m = parseMessage(crlf(INVITE.replace('Content-Length: 5\n', '')));
  assert.equal(m.body.toString(), 'v=0\r\n');
  assert.equal(codeOf(() => parseMessage(crlf(INVITE.replace('Content-Length: 5\n', '')), { transport: 'stream' })), 'SIP_PARSE_MISSING_CONTENT_LENGTH');
});

test('framing and start-line errors carry their code and what the element must answer', () => {
  const cases: [string, string, number | 'drop'][] = [
    [INVITE.replace('Content-Length: 5', 'Content-Length: 40'), 'SIP_PARSE_BODY_TRUNCATED', 400],
    [INVITE.replace('Content-Length: 5', 'Content-Length: -4'), 'SIP_PARSE_BAD_CONTENT_LENGTH', 400],
    [INVITE.replace('SIP/2.0\n', 'SIP/2.0 \n'), 'SIP_PARSE_BAD_START_LINE', 400],
    [INVITE.replace('INVITE sip:bob@biloxi.example.com', 'INVITE <sip:bob@biloxi.example.com>'), 'SIP_PARSE_BAD_REQUEST_URI', 400],
    [INVITE.replace('SIP/2.0\n', 'SIP/2\n'), 'SIP_PARSE_BAD_VERSION', 505],
    [INVITE.replace('Max-Forwards: 70', 'Max-Forwards 70'), 'SIP_PARSE_BAD_HEADER_LINE', 400],
    [INVITE.replace('Call-ID: 3848276298220188511@atlanta.example.com\n', ''), 'SIP_PARSE_MISSING_HEADER', 400],
    [INVITE.replace('CSeq: 1 INVITE', 'CSeq: 1 INVITE\nCSeq: 2 INVITE'), 'SIP_PARSE_DUPLICATE_HEADER', 400],
    ['SIP/2.0 2000 OK\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\n\n', 'SIP_PARSE_BAD_STATUS', 'drop'],
    ['\u0001\u0002 garbage', 'SIP_PARSE_NO_HEADER_END', 'drop'],
    ['\u0001\u0002 garbage\n\n', 'SIP_PARSE_BAD_START_LINE', 'drop'],
    ['\r\n\r\n', 'SIP_PARSE_EMPTY', 'drop'],
  ];
  for (const [text, code, outcome] of cases) {
    const err = errorOf(() => parseMessage(crlf(text)));
    assert.ok(isTrunklineError(err), `${code}: no error`);
    assert.equal(err.code, code, text.slice(0, 40));
    const v = validateIncoming(err);
    if (outcome === 'drop') assert.equal(v.action, 'drop', code);
    else {
      assert.ok(v.action === 'respond', `${code}: ${v.action}`);
      assert.equal(v.status, outcome, code);
      assert.equal(v.request.headers.get('Call-ID') !== undefined || code === 'SIP_PARSE_MISSING_HEADER', true);
    }
  }
});

test('a bad header line reports its byte offset', () => {
  const err = errorOf(() => parseMessage(crlf(INVITE.replace('Max-Forwards: 70', 'Max Forwards: 70'))));
  assert.ok(isTrunklineError(err, 'SIP_PARSE_BAD_HEADER_LINE'));
  const offset = err.details['offset'] as number;
  assert.equal(crlf(INVITE).subarray(offset, offset + 3).toString(), 'Max');
  assert.equal(partialMessageOf(err)?.kind, 'request');
});

test('size and header-count limits give 513 and 400 (RFC 3261 §21.5.14)', () => {
  const big = Buffer.concat([crlf(INVITE.replace('Content-Length: 5', 'Content-Length: 70005')), Buffer.alloc(70000, 0x61)]);
  const err = errorOf(() => parseMessage(big));
  assert.ok(isTrunklineError(err, 'SIP_PARSE_TOO_LARGE'));
  const v = validateIncoming(err);
  assert.ok(v.action === 'respond');
  assert.equal(v.status, 513);
  assert.equal(parseMessage(big, { maxBytes: 100_000 }).body.length, 70005);
  const many = crlf(INVITE.replace('Max-Forwards: 70', `${'X-A: 1\n'.repeat(300)}Max-Forwards: 70`));
  const tooMany = errorOf(() => parseMessage(many));
  assert.ok(isTrunklineError(tooMany, 'SIP_PARSE_TOO_MANY_HEADERS'));
  const answer = validateIncoming(tooMany);
  assert.ok(answer.action === 'respond');
  assert.equal(answer.status, 400);
  assert.match(answer.warning!, /Too many header fields/);
  assert.equal(parseMessage(many, { maxHeaders: 400 }).headers.count('X-A'), 300);
});

test('a response parses to status, reason (possibly empty) and headers', () => {
  const m = parseMessage(crlf('SIP/2.0 180 Ringing\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\nTo: <sip:c@d>;tag=2\nCall-ID: x\nCSeq: 1 INVITE\nContent-Length: 0\n\n'));
  assert.ok(m.kind === 'response');
  assert.equal(m.status, 180);
  assert.equal(m.reason, 'Ringing');
  assert.equal(m.headers.to()!.tag, '2');
});

test('strict: false leaves every header to lazy parsing', () => {
  const m = parseMessage(crlf('OPTIONS sip:a@b SIP/2.0\nTo: "unterminated <sip:a@b>\nContent-Length: 0\n\n'), { strict: false });
  assert.ok(m.kind === 'request');
  assert.throws(() => m.headers.to(), { code: 'SIP_PARSE_BAD_HEADER' });
});

test('a broken ACK is dropped, never answered (RFC 3261 §17.1.1.3)', () => {
  const ack = crlf('ACK sip:bob@b SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\nTo: "unterminated <sip:c@d>\nCall-ID: x\nCSeq: 1 ACK\n\n');
  const err = errorOf(() => parseMessage(ack));
  assert.ok(isTrunklineError(err, 'SIP_PARSE_BAD_HEADER'));
  assert.equal(validateIncoming(err).action, 'drop');
});
