import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reduceCodecs, rewriteForRelay, holdState, mediaEndpoint, parseSdp } from '../../src/sdp/index.js';
import { isTrunklineError } from '../../src/core/index.js';
import { offer } from './offer.js';

test('codec reduction keeps PCMA, telephone-event and CN with the offerer\'s payload numbers', () => {
  const out = reduceCodecs(offer(['m=audio 4000 RTP/AVP 0 18 8 13 101 97', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=rtpmap:97 opus/48000/2', 'a=fmtp:97 useinbandfec=1', 'a=ptime:20']));
  const m = parseSdp(out).media[0];
  assert.equal(m.payloads, '8 13 101');
  assert.deepEqual(m.fmtp, [{ payload: 101, config: '0-16' }]);
  assert.ok(out.includes('a=rtpmap:8 PCMA/8000'));
  assert.ok(!out.includes('opus') && !out.includes('G729'));
  assert.equal(m.ptime, 20);
});

test('an audio line left without PCMA is disabled with port 0, not emptied (RFC 3264 §8.2)', () => {
  const m = parseSdp(reduceCodecs(offer(['m=audio 4000 RTP/AVP 8', 'm=audio 4002 RTP/AVP 0']))).media;
  assert.equal(m[0].port, 4000);
  assert.equal(m[1].port, 0);
  assert.equal(String(m[1].payloads), '0');
});

test('rewrite points session and media c=, m= ports, a=rtcp and o= at the relay (IPv4)', () => {
  const src = offer(['m=audio 4000 RTP/AVP 8', 'c=IN IP4 10.1.1.1', 'a=rtcp:4001 IN IP4 10.1.1.1', 'a=candidate:1 1 UDP 2130706431 10.1.1.1 4000 typ host']);
  const out = rewriteForRelay(src, { address: '203.0.113.5', media: [{ rtpPort: 20000, rtcpPort: 20001 }] });
  assert.ok(!out.includes('10.1.1.1') && !out.includes('192.168.1.10'), out);
  const sdp = parseSdp(out);
  assert.equal(sdp.connection?.ip, '203.0.113.5');
  assert.equal(sdp.media[0].connection?.ip, '203.0.113.5');
  assert.equal(sdp.media[0].port, 20000);
  assert.deepEqual(sdp.media[0].rtcp, { port: 20001, netType: 'IN', ipVer: 4, address: '203.0.113.5' });
  assert.equal(sdp.origin.address, '203.0.113.5');
});

test('rewrite to an IPv6 relay address writes IN IP6 lines', () => {
  const out = rewriteForRelay(offer(['m=audio 4000 RTP/AVP 8']), { address: '2001:db8::7', media: [{ rtpPort: 30000 }] });
  assert.match(out, /c=IN IP6 2001:db8::7\r\n/);
  assert.match(out, /o=pbx 1 1 IN IP6 2001:db8::7\r\n/);
  assert.match(out, /m=audio 30000 RTP\/AVP 8/);
});

test('rewrite of an IPv6 offer to an IPv4 relay, media-level c= only', () => {
  const src = ['v=0', 'o=- 5 5 IN IP6 2001:db8::1', 's=-', 't=0 0', 'm=audio 4000 RTP/AVP 8', 'c=IN IP6 2001:db8::1'].join('\r\n') + '\r\n';
  const out = rewriteForRelay(src, { address: '127.0.0.1', media: [{ rtpPort: 10000 }] });
  assert.ok(!out.includes('2001:db8::1'));
  assert.match(out, /c=IN IP4 127\.0\.0\.1/);
});

test('a hold by c=0.0.0.0 stays a hold after rewrite; a rejected stream stays at port 0', () => {
  const src = offer(['m=audio 4000 RTP/AVP 8', 'c=IN IP4 0.0.0.0', 'm=video 0 RTP/AVP 96']);
  const out = rewriteForRelay(src, { address: '127.0.0.1', media: [{ rtpPort: 10000 }, { rtpPort: 10002 }] });
  const sdp = parseSdp(out);
  assert.equal(sdp.media[0].connection?.ip, '0.0.0.0');
  assert.equal(sdp.media[0].port, 10000);
  assert.equal(sdp.media[1].port, 0);
});

test('a stream the relay does not carry is disabled with port 0, so no peer port leaks', () => {
  const out = rewriteForRelay(offer(['m=audio 4000 RTP/AVP 8', 'm=audio 4002 RTP/AVP 8']), { address: '127.0.0.1', media: [{ rtpPort: 10000 }, null] });
  assert.deepEqual(parseSdp(out).media.map((m) => m.port), [10000, 0]);
  assert.ok(!out.includes('4002'));
});

test('rewrite refuses a non-IP address and a port list of the wrong length', () => {
  assert.throws(() => rewriteForRelay(offer(['m=audio 4000 RTP/AVP 8']), { address: 'relay.example', media: [{ rtpPort: 1 }] }), (e: unknown) => isTrunklineError(e, 'SDP_BAD_ADDRESS'));
  assert.throws(() => rewriteForRelay(offer(['m=audio 4000 RTP/AVP 8']), { address: '127.0.0.1', media: [] }), (e: unknown) => isTrunklineError(e, 'SDP_MEDIA_MISMATCH'));
});

test('hold is detected from a=sendonly, a=inactive (media or session level), c=0.0.0.0 and the a=recvonly answer; sendrecv resumes', () => {
  assert.deepEqual(holdState(offer(['m=audio 4000 RTP/AVP 8', 'a=sendonly'])), { direction: 'sendonly', held: true, how: 'sendonly' });
  assert.deepEqual(holdState(offer(['a=inactive', 'm=audio 4000 RTP/AVP 8'])), { direction: 'inactive', held: true, how: 'inactive' });
  assert.deepEqual(holdState(offer(['m=audio 4000 RTP/AVP 8', 'c=IN IP4 0.0.0.0'])), { direction: 'sendrecv', held: true, how: 'zero-address' });
  assert.deepEqual(holdState(offer(['m=audio 4000 RTP/AVP 8', 'a=sendrecv'])), { direction: 'sendrecv', held: false });
  // The answer to a hold offer is a=recvonly: the call is still on hold (RFC 3264 §8.4).
  assert.deepEqual(holdState(offer(['m=audio 4000 RTP/AVP 8', 'a=recvonly'])), { direction: 'recvonly', held: true, how: 'recvonly' });
});

test('the media endpoint gives the address and ports to send to, with a=rtcp or port+1', () => {
  assert.deepEqual(mediaEndpoint(offer(['m=audio 4000 RTP/AVP 8'])), { address: '192.168.1.10', rtpPort: 4000, rtcpPort: 4001, rtcpAddress: '192.168.1.10' });
  assert.deepEqual(mediaEndpoint(offer(['m=audio 4000 RTP/AVP 8', 'a=rtcp:5005'])), { address: '192.168.1.10', rtpPort: 4000, rtcpPort: 5005, rtcpAddress: '192.168.1.10' });
  assert.equal(mediaEndpoint(offer(['m=audio 0 RTP/AVP 8'])), undefined);
});
