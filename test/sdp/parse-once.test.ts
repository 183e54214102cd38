import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkOffer, holdState, mediaEndpoint, parseSdp, parseSdpShared, parseSdpToChange, reduceCodecs, reduceCodecsInPlace, rewriteForRelay,
  rewriteForRelayInPlace, shareParsedSdp, summariseSdp, type ParsedSdp, type RewriteTarget,
} from '../../src/sdp/index.js';
import { CORPUS_DIRS, CORPUS_ROOT, corpusAvailable } from '../sip/conformance/corpus.js';
import { offer } from './offer.js';

// Issue 13: the relay anchor parses a body once and reduces and rewrites that object in place,
// where it used to reduce to text, parse that, copy it and rewrite the copy. Both must write the
// same bytes, and the object handed to the evidence summary must read as its text does.

const crafted = [
  offer(['m=audio 4000 RTP/AVP 0 18 8 13 101 97', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=rtpmap:97 opus/48000/2', 'a=fmtp:97 useinbandfec=1', 'a=ptime:20', 'a=sendrecv']),
  offer(['m=audio 4000 RTP/AVP 8', 'c=IN IP4 10.1.1.1', 'a=rtcp:4001 IN IP4 10.1.1.1', 'a=candidate:1 1 UDP 2130706431 10.1.1.1 4000 typ host']),
  offer(['m=audio 4000 RTP/AVP 8 101', 'a=rtpmap:101 telephone-event/8000', 'a=sendonly', 'm=video 5000 RTP/AVP 96', 'a=rtpmap:96 H264/90000']),
  offer(['m=audio 4000 RTP/AVP 0', 'm=audio 4002 RTP/AVP 8', 'a=rtcp:4005']),
  offer(['m=audio 4000 RTP/AVP 8', 'c=IN IP4 0.0.0.0', 'a=inactive', 'a=rtcp-fb:* nack', 'a=rtcp-fb:8 trr-int 100']),
  offer(['m=audio 4000 RTP/SAVP 8', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz', 'a=curr:qos local none', 'a=des:qos mandatory local sendrecv']),
  ['v=0', 'o=- 3 3 IN IP6 2001:db8::1', 's=-', 't=0 0', 'm=audio 4000 RTP/AVP 8 0', 'c=IN IP6 2001:db8::1', 'm=audio 0 RTP/AVP 8'].join('\r\n') + '\r\n',
];

function corpusBodies(): string[] {
  if (!corpusAvailable()) return [];
  const out: string[] = [];
  for (const dir of CORPUS_DIRS) {
    for (const name of readdirSync(join(CORPUS_ROOT, dir)).filter((f) => f.endsWith('.sip'))) {
      const text = readFileSync(join(CORPUS_ROOT, dir, name), 'latin1');
      const at = text.indexOf('\r\n\r\n');
      const body = at < 0 ? '' : text.slice(at + 4);
      if (body.startsWith('v=0')) out.push(body);
    }
  }
  return out;
}

function parses(text: string): ParsedSdp | undefined {
  try {
    return parseSdp(text);
  } catch {
    return undefined;
  }
}

/** The relay's ports on the first active audio line, as the relay anchor asks. */
function targetFor(sdp: ParsedSdp, address: string): RewriteTarget {
  const audio = sdp.media.findIndex((m) => m.type === 'audio' && m.port !== 0);
  return { address, media: sdp.media.map((_m, i) => (i === audio ? { rtpPort: 30000, rtcpPort: 30001 } : null)) };
}

const bodies = [...crafted, ...corpusBodies()].filter((b) => parses(b) !== undefined);

test('an offer reduced and rewritten in place writes the same bytes as reduce → text → parse → copy → rewrite', () => {
  assert.ok(bodies.length >= crafted.length);
  for (const body of bodies) {
    for (const address of ['203.0.113.5', '2001:db8::7']) {
      const before = parseSdp(reduceCodecs(body));
      const old = rewriteForRelay(before, targetFor(before, address));
      const once = parseSdp(body);
      reduceCodecsInPlace(once);
      const now = rewriteForRelayInPlace(once, targetFor(once, address));
      assert.equal(now, old, body);
      // What the evidence summary and the readers see through the shared object is what its text says.
      assert.deepEqual(summariseSdp(once), summariseSdp(parseSdp(now)), body);
      assert.deepEqual(checkOffer(once), checkOffer(parseSdp(now)), body);
    }
  }
});

test('an answer rewritten in place writes the same bytes as the copy-and-rewrite path', () => {
  for (const body of bodies) {
    const copy = parseSdp(body);
    const old = rewriteForRelay(copy, targetFor(copy, '198.51.100.9'));
    const once = parseSdp(body);
    const now = rewriteForRelayInPlace(once, targetFor(once, '198.51.100.9'));
    assert.equal(now, old, body);
    assert.deepEqual(summariseSdp(once), summariseSdp(parseSdp(now)), body);
  }
});

test('readers of the same text share one parse, and a shared object answers as a fresh parse would', () => {
  const body = crafted[0];
  assert.equal(parseSdpShared(body), parseSdpShared(body));
  assert.deepEqual(summariseSdp(body), summariseSdp(parseSdp(body)));
  assert.deepEqual(holdState(crafted[4]), holdState(parseSdp(crafted[4])));
  assert.deepEqual(mediaEndpoint(crafted[1]), mediaEndpoint(parseSdp(crafted[1])));
  // Readers never change the shared object.
  const snapshot = structuredClone(parseSdpShared(body));
  checkOffer(body);
  summariseSdp(body);
  holdState(body);
  mediaEndpoint(body);
  assert.deepEqual(parseSdpShared(body), snapshot);
});

test('a written body offered to readers is read from its object; an unparseable body still throws each time', () => {
  const sdp = parseSdp(crafted[1]);
  const text = rewriteForRelayInPlace(sdp, targetFor(sdp, '203.0.113.5'));
  shareParsedSdp(text, sdp);
  assert.equal(parseSdpShared(text), sdp);
  assert.throws(() => parseSdpShared('not sdp'));
  assert.throws(() => parseSdpShared('not sdp'));
  assert.deepEqual(checkOffer('not sdp'), { ok: false, cause: 'not-sdp' });
});

test('the shared table stays bounded: a body read long ago is parsed again, not kept', () => {
  const first = offer(['m=audio 4100 RTP/AVP 8']);
  const a = parseSdpShared(first);
  for (let i = 0; i < 200; i++) parseSdpShared(offer([`m=audio ${5000 + 2 * i} RTP/AVP 8`]));
  const b = parseSdpShared(first);
  assert.notEqual(a, b);
  assert.deepEqual(a, b);
});

test('the rewrite takes the parse the readers of the same offer made, and those readers then see the offer as it was written', () => {
  const body = crafted[0]!;
  // A reader first (the evidence summary as the INVITE is traced, the offer check).
  const summaryBefore = summariseSdp(body);
  const read = parseSdpShared(body);
  assert.equal(parseSdpShared(body), read, 'readers share one parse');
  // The relay's rewrite takes that very object: no second parse of the offer.
  const taken = parseSdpToChange(body);
  assert.equal(taken, read, 'the rewrite parsed the offer again');
  reduceCodecsInPlace(taken);
  rewriteForRelayInPlace(taken, targetFor(taken, '203.0.113.5'), body);
  // Changed, it is no longer a reading of the original text: a later reader parses that anew.
  const again = parseSdpShared(body);
  assert.notEqual(again, taken);
  assert.deepEqual(summariseSdp(body), summaryBefore);
  assert.deepEqual(again, parseSdp(body));
  // With no reader before it, the rewrite parses on its own.
  const fresh = crafted[1]!;
  const own = parseSdpToChange(fresh);
  assert.deepEqual(own, parseSdp(fresh));
  assert.notEqual(parseSdpShared(fresh), own);
});
