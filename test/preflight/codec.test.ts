import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkOfferFile } from '../../src/preflight/checks/codec.js';

// The guide's codec rule on the PBX's own offer (--sdp FILE): G.711 A-law offered, nothing forced ahead of it.
const offer = (payloads: string, maps: string[]) =>
  ['v=0', 'o=pbx 1 1 IN IP4 192.0.2.10', 's=-', 'c=IN IP4 192.0.2.10', 't=0 0', `m=audio 4000 RTP/AVP ${payloads}`, ...maps, ''].join('\r\n');

test('an offer with PCMA first passes the "G.711 A-law enabled" item', () => {
  const r = checkOfferFile(offer('8 101', ['a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000']));
  assert.equal(r.status, 'pass');
});

test('a codec forced ahead of PCMA is a warning naming it, and the change is to move PCMA first', () => {
  const r = checkOfferFile(offer('18 0 8', ['a=rtpmap:18 G729/8000', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000']));
  assert.equal(r.status, 'warn');
  assert.match(r.seen, /18 G729\/8000, 0 PCMU\/8000 are forced ahead/);
  assert.match(r.change ?? '', /move PCMA\/8000 first/);
});

test('an offer without PCMA fails as the edge would answer it (488, Warning 305), listing what was offered', () => {
  const r = checkOfferFile(offer('0 18', ['a=rtpmap:0 PCMU/8000', 'a=rtpmap:18 G729/8000']));
  assert.equal(r.status, 'fail');
  assert.match(r.seen, /offers 0 PCMU\/8000, 18 G729\/8000 .*488/);
  assert.match(r.change ?? '', /enable G\.711 A-law/);
});

test('without an SDP the codec item is skipped with how to give one', () => {
  const r = checkOfferFile(undefined);
  assert.equal(r.status, 'skip');
  assert.match(r.change ?? '', /--sdp FILE/);
});
