import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSdp, reduceCodecsInPlace, rewriteForRelay, rewriteForRelayInPlace } from '../../src/sdp/index.js';
import { writeOver } from '../../src/sdp/write-over.js';

const OFFER = [
  'v=0', 'o=pbx 8147591649471526541 0042 IN IP4 10.1.1.1', 's=call', 'i=a session title', 'c=IN IP4 10.1.1.1', 't=0 0', 'a=tool:pbx 1.2',
  'm=audio 4000 RTP/AVP 0 8 18 101 13', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:18 G729/8000', 'a=fmtp:18 annexb=no', 'a=rtcp-fb:18 nack',
  'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=x-vendor:keep me', 'a=ptime:20', 'a=rtcp:4001 IN IP4 10.1.1.1',
  'a=candidate:1 1 UDP 2130706431 10.1.1.1 4000 typ host', 'a=end-of-candidates', 'a=sendrecv', '',
].join('\r\n');

function relayed(text: string): string {
  const sdp = parseSdp(text);
  reduceCodecsInPlace(sdp);
  return rewriteForRelayInPlace(sdp, { address: '203.0.113.5', media: [{ rtpPort: 20000, rtcpPort: 20001 }] }, text);
}

test('the relayed SDP is the peer\'s own lines in the peer\'s order, only the rewritten ones changed', () => {
  const out = relayed(OFFER).split('\r\n');
  assert.deepEqual(out, [
    'v=0', 'o=pbx 8147591649471526541 0042 IN IP4 203.0.113.5', 's=call', 'i=a session title', 'c=IN IP4 203.0.113.5', 't=0 0', 'a=tool:pbx 1.2',
    'm=audio 20000 RTP/AVP 8 101 13',
    // PCMU's and G729's lines go with their payloads; PCMA's and CN's rtpmaps (static, left out by the peer) are added.
    'a=rtpmap:101 telephone-event/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:13 CN/8000', 'a=fmtp:101 0-16', 'a=x-vendor:keep me', 'a=ptime:20',
    'a=rtcp:20001 IN IP4 203.0.113.5', 'a=sendrecv', '',
  ]);
});

test('what the relayed SDP says parses to what the rewrite meant: ports, addresses, payloads, no candidates', () => {
  const sdp = parseSdp(relayed(OFFER));
  assert.equal(sdp.origin.address, '203.0.113.5');
  assert.equal(String(sdp.origin.sessionId), '8147591649471526541');
  assert.equal(sdp.connection?.ip, '203.0.113.5');
  const m = sdp.media[0];
  assert.equal(m.port, 20000);
  assert.equal(m.payloads, '8 101 13');
  assert.deepEqual(m.rtcp, { port: 20001, netType: 'IN', ipVer: 4, address: '203.0.113.5' });
  assert.equal(m.candidates, undefined);
  assert.deepEqual(m.rtp.map((r) => r.payload).sort((a, b) => a - b), [8, 13, 101]);
  assert.deepEqual(m.fmtp.map((f) => f.payload), [101]);
  assert.equal(m.rtcpFb, undefined);
});

test('a session c= the rewrite adds goes before b= and t=; LF-only input is written with CRLF; a stream not carried gets port 0 and keeps its lines', () => {
  const text = ['v=0', 'o=- 1 1 IN IP6 2001:db8::1', 's=-', 'b=AS:64', 't=0 0', 'm=audio 4000 RTP/AVP 8', 'm=video 5000 RTP/AVP 96', 'a=rtpmap:96 H264/90000', ''].join('\n');
  const out = rewriteForRelay(text, { address: '127.0.0.1', media: [{ rtpPort: 30000 }, null] });
  assert.equal(out, ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 'b=AS:64', 't=0 0', 'm=audio 30000 RTP/AVP 8', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', ''].join('\r\n'));
});

test('a text that does not line up with the object (another count of m= lines) is not written over', () => {
  const sdp = parseSdp(OFFER);
  assert.equal(writeOver(OFFER.replace(/m=audio[^\r]*\r\n/, ''), sdp), undefined);
  assert.equal(typeof writeOver(OFFER, sdp), 'string');
});
