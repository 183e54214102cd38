import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkOffer, summariseSdp, parseSdp } from '../../src/sdp/index.js';
import { isTrunklineError } from '../../src/core/index.js';
import { offer } from './offer.js';


const pcmaFirst = offer(['m=audio 4000 RTP/AVP 8 0 101', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=sendrecv']);

test('an offer with G.711 A-law first is accepted without warnings', () => {
  assert.deepEqual(checkOffer(pcmaFirst), { ok: true, audioIndex: 0, warnings: [] });
});

test('PCMA given without a=rtpmap is recognised by its static payload type (RFC 3551)', () => {
  const r = checkOffer(offer(['m=audio 4000 RTP/AVP 8']));
  assert.equal(r.ok, true);
});

test('another codec forced ahead of PCMA is accepted with a warning naming it', () => {
  const r = checkOffer(offer(['m=audio 4000 RTP/AVP 101 18 8', 'a=rtpmap:101 telephone-event/8000', 'a=rtpmap:18 G729/8000']));
  assert.deepEqual(r, { ok: true, audioIndex: 0, warnings: [{ cause: 'codec-ahead-of-pcma', ahead: ['18 G729/8000'] }] });
});

test('an offer without PCMA is refused and lists what was offered (for Warning 305)', () => {
  const r = checkOffer(offer(['m=audio 4000 RTP/AVP 0 18 101', 'a=rtpmap:101 telephone-event/8000']));
  assert.deepEqual(r, { ok: false, cause: 'no-pcma', offered: ['0 PCMU/8000', '18 G729/8000', '101 telephone-event/8000'] });
});

test('a dynamic PCMA at another clock rate is not G.711 A-law', () => {
  const r = checkOffer(offer(['m=audio 4000 RTP/AVP 96', 'a=rtpmap:96 PCMA/16000']));
  assert.equal(r.ok ? 'ok' : r.cause, 'no-pcma');
});

test('a body that is not SDP gives not-sdp, and parseSdp throws SDP_UNPARSEABLE', () => {
  assert.deepEqual(checkOffer('<xml>hello</xml>'), { ok: false, cause: 'not-sdp' });
  assert.throws(() => parseSdp('hello'), (e: unknown) => isTrunklineError(e, 'SDP_UNPARSEABLE'));
});

test('no audio stream at all, or only rejected ones (port 0), gives no-audio', () => {
  assert.deepEqual(checkOffer(offer(['m=video 5000 RTP/AVP 96', 'a=rtpmap:96 H264/90000'])), { ok: false, cause: 'no-audio' });
  assert.deepEqual(checkOffer(offer(['m=audio 0 RTP/AVP 8'])), { ok: false, cause: 'no-audio' });
  assert.deepEqual(checkOffer(offer([])), { ok: false, cause: 'no-audio' });
});

test('SRTP (RTP/SAVP) on a trunk without secure trunking is refused', () => {
  const srtp = offer(['m=audio 4000 RTP/SAVP 8', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR']);
  assert.deepEqual(checkOffer(srtp), { ok: false, cause: 'srtp-not-allowed' });
  assert.equal(checkOffer(srtp, { secureTrunking: true }).ok, true);
});

test('a secure trunk refuses plain RTP with srtp-required', () => {
  assert.deepEqual(checkOffer(pcmaFirst, { secureTrunking: true }), { ok: false, cause: 'srtp-required' });
});

test('mandatory preconditions (RFC 3312 a=des ... mandatory) are refused; summary flags any precondition', () => {
  const pre = offer(['m=audio 4000 RTP/AVP 8', 'a=curr:qos local none', 'a=curr:qos remote none', 'a=des:qos mandatory local sendrecv', 'a=des:qos mandatory remote sendrecv']);
  assert.deepEqual(checkOffer(pre), { ok: false, cause: 'preconditions' });
  assert.equal(summariseSdp(pre).preconditions, true);
  const optional = offer(['m=audio 4000 RTP/AVP 8', 'a=curr:qos local none', 'a=des:qos optional local sendrecv']);
  assert.equal(checkOffer(optional).ok, true);
});

test('summary has the SdpEvidence shape: payload names, connection, direction, encryption', () => {
  const s = summariseSdp(offer(['m=audio 4000 RTP/AVP 0 8', 'c=IN IP4 10.0.0.5', 'a=sendonly', 'm=video 0 RTP/AVP 96']));
  assert.deepEqual(s, {
    connectionAddress: '192.168.1.10',
    preconditions: false,
    media: [
      { type: 'audio', port: 4000, protocol: 'RTP/AVP', payloads: [{ pt: 0, encoding: 'PCMU', clockRate: 8000 }, { pt: 8, encoding: 'PCMA', clockRate: 8000 }], connectionAddress: '10.0.0.5', direction: 'sendonly', encrypted: false },
      { type: 'video', port: 0, protocol: 'RTP/AVP', payloads: [{ pt: 96 }], connectionAddress: '192.168.1.10', direction: 'sendrecv', encrypted: false },
    ],
  });
});

test('the second audio stream is chosen when the first lacks PCMA', () => {
  const r = checkOffer(offer(['m=audio 4000 RTP/AVP 0', 'm=audio 4002 RTP/AVP 8']));
  assert.deepEqual(r, { ok: true, audioIndex: 1, warnings: [] });
});
