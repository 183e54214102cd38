import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAnswer, answerDirection, OriginKeeper, parseSdp, checkOffer } from '../../src/sdp/index.js';
import { isTrunklineError } from '../../src/core/index.js';
import { offer } from './offer.js';

const origin = { username: 'trunkline', sessionId: '42', version: 1 };

test('the answer has as many m= lines as the offer, in order, rejecting all but the PCMA audio (RFC 3264 §6)', () => {
  const o = offer(['m=audio 4000 RTP/AVP 0 8 101', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=ptime:20', 'm=video 5000 RTP/AVP 96', 'a=rtpmap:96 H264/90000']);
  const a = parseSdp(buildAnswer(o, { address: '127.0.0.1', rtpPort: 12000, origin }));
  assert.equal(a.media.length, 2);
  assert.equal(a.media[0].port, 12000);
  assert.equal(a.media[0].payloads, '8 101');
  assert.deepEqual(a.media[0].fmtp, [{ payload: 101, config: '0-15' }]);
  assert.equal(a.media[0].ptime, 20);
  assert.equal(a.media[1].port, 0);
  assert.equal(a.media[1].type, 'video');
  assert.equal(a.connection?.ip, '127.0.0.1');
  assert.equal(checkOffer(buildAnswer(o, { address: '127.0.0.1', rtpPort: 12000, origin })).ok, true);
});

test('the answer mirrors the offer direction (RFC 3264 §6.1): sendonly → recvonly, inactive → inactive', () => {
  assert.equal(answerDirection('sendonly'), 'recvonly');
  assert.equal(answerDirection('recvonly'), 'sendonly');
  assert.equal(answerDirection('inactive'), 'inactive');
  assert.equal(answerDirection('sendrecv'), 'sendrecv');
  assert.equal(answerDirection('sendrecv', 'sendonly'), 'sendonly');
  const a = parseSdp(buildAnswer(offer(['m=audio 4000 RTP/AVP 8', 'a=sendonly']), { address: '::1', rtpPort: 12000, origin }));
  assert.equal(a.media[0].direction, 'recvonly');
  assert.equal(a.connection?.version, 6);
});

test('an offer without acceptable audio cannot be answered: SDP_NOT_ACCEPTABLE', () => {
  assert.throws(() => buildAnswer(offer(['m=audio 4000 RTP/AVP 0']), { address: '127.0.0.1', rtpPort: 1, origin }), (e: unknown) => isTrunklineError(e, 'SDP_NOT_ACCEPTABLE'));
});

test('o= keeps one session id per leg and bumps the version only when the SDP changes (RFC 3264 §8)', () => {
  const keeper = new OriginKeeper('777');
  const first = parseSdp(keeper.stamp(offer(['m=audio 4000 RTP/AVP 8'])));
  const same = parseSdp(keeper.stamp(offer(['m=audio 4000 RTP/AVP 8'])));
  const held = parseSdp(keeper.stamp(offer(['m=audio 4000 RTP/AVP 8', 'a=sendonly'])));
  assert.equal(String(first.origin.sessionId), '777');
  assert.equal(first.origin.sessionVersion, 1);
  assert.equal(same.origin.sessionVersion, 1);
  assert.equal(held.origin.sessionVersion, 2);
  assert.equal(keeper.origin.version, 2);
});
