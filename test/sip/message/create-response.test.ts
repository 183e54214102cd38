import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequest, createResponse, parseMessage, serializeMessage, type SipRequest } from '../../../src/sip/index.js';

const INVITE = Buffer.from(
  [
    'INVITE sip:bob@biloxi.example.com SIP/2.0',
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8;received=192.0.2.1',
    'Via: SIP/2.0/UDP bigbox3.site3.atlanta.example.com;branch=z9hG4bK77ef4c2312983.1',
    'Max-Forwards: 70',
    'To: Bob <sip:bob@biloxi.example.com>',
    'f: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710',
    'CSeq: 314159 INVITE',
    'Timestamp: 54',
    'Contact: <sip:alice@pc33.atlanta.example.com>',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n'),
);

test('a UAS response copies Via (all, in order), From, To, Call-ID and CSeq (RFC 3261 §8.2.6.2)', () => {
  const req = parseMessage(INVITE) as SipRequest;
  const res = createResponse(req, 486, undefined, { toTag: 'a6c85cf' });
  assert.equal(res.status, 486);
  assert.equal(res.reason, 'Busy Here');
  assert.deepEqual(res.headers.getAll('Via'), req.headers.getAll('Via'));
  assert.equal(res.headers.get('From'), 'Alice <sip:alice@atlanta.example.com>;tag=1928301774');
  assert.equal(res.headers.to()!.tag, 'a6c85cf');
  assert.equal(res.headers.callId(), 'a84b4c76e66710');
  assert.deepEqual(res.headers.cseq(), { seq: 314159, method: 'INVITE' });
  assert.equal(res.headers.get('Content-Length'), '0');
  assert.equal(res.headers.has('Contact'), false);
  assert.equal(res.headers.has('Timestamp'), false);
  const again = parseMessage(serializeMessage(res));
  assert.ok(again.kind === 'response');
  assert.equal(again.status, 486);
});

test('100 Trying gets no To tag and keeps the Timestamp (RFC 3261 §8.2.6.1)', () => {
  const req = parseMessage(INVITE) as SipRequest;
  const res = createResponse(req, 100, undefined, { toTag: 'zzz' });
  assert.equal(res.headers.to()!.tag, null);
  assert.equal(res.headers.get('Timestamp'), '54');
});

test('a To that already has a tag keeps it; extra headers and a body are added', () => {
  const req = createRequest({
    method: 'BYE',
    uri: 'sip:alice@pc33.atlanta.example.com',
    headers: [
      ['Via', 'SIP/2.0/TCP h;branch=z9hG4bK1'],
      ['From', '<sip:bob@b>;tag=x'],
      ['To', '<sip:alice@a>;tag=y'],
      ['Call-ID', 'c'],
      ['CSeq', '2 BYE'],
    ],
  });
  const res = createResponse(req, 200, 'OK', { toTag: 'other', headers: [['Warning', '399 trunkline "note"']], body: 'hi' });
  assert.equal(res.headers.to()!.tag, 'y');
  assert.equal(res.headers.get('Warning'), '399 trunkline "note"');
  assert.equal(res.headers.get('Content-Length'), '2');
  assert.match(serializeMessage(res).toString(), /Content-Length: 2\r\n\r\nhi$/);
  assert.throws(() => createResponse(req, 99), { code: 'SIP_MESSAGE_INVALID_ARGUMENT' });
});
