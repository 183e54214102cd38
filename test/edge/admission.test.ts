import { test } from 'node:test';
import assert from 'node:assert/strict';
import { identifyTrunk, needsDigest, checkInviteBody, checkCaller } from '../../src/edge/index.js';
import { MemoryDirectory } from './support/memory-directory.js';

const PCMA = 'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n';
const PCMU = PCMA.replace('RTP/AVP 8 101', 'RTP/AVP 0 18');
const SRTP = PCMA.replace('RTP/AVP', 'RTP/SAVP') + 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n';
const VIDEO = PCMA.replace('m=audio 4000 RTP/AVP 8 101', 'm=video 4000 RTP/AVP 96');

function directory(): MemoryDirectory {
  const d = new MemoryDirectory();
  d.addTrunk({ trunkSid: 'wide', accountSid: 'acc', whitelist: ['127.0.0.0/8'] });
  d.addTrunk({ trunkSid: 'narrow', accountSid: 'acc', whitelist: ['127.0.0.5/32'], numbers: ['+919876541111'] });
  return d;
}

test('the Request-URI domain names the account; an unknown domain is refused', async () => {
  const v = await identifyTrunk(directory(), 'nobody.pstn.localhost', '127.0.0.1');
  assert.equal(v.ok, false);
  if (!v.ok) assert.equal(v.cause, 'unknown-domain');
});

test('the longest whitelisted prefix picks the trunk', async () => {
  const d = directory();
  const a = await identifyTrunk(d, 'acc.pstn.localhost', '127.0.0.5');
  assert.ok(a.ok && a.byIp && a.trunk.trunkSid === 'narrow');
  const b = await identifyTrunk(d, 'ACC.pstn.localhost', '127.0.0.9');
  assert.ok(b.ok && b.byIp && b.trunk.trunkSid === 'wide');
  const c = await identifyTrunk(d, 'acc.pstn.localhost', '::ffff:127.0.0.5');
  assert.ok(c.ok && c.byIp && c.trunk.trunkSid === 'narrow', 'IPv4-mapped IPv6 sources match IPv4 ranges');
});

test('a source in no whitelisted range is 403; an inactive trunk is 403; a change applies to the next call', async () => {
  const d = directory();
  const v = await identifyTrunk(d, 'acc.pstn.localhost', '192.0.2.1');
  assert.ok(!v.ok && v.cause === 'ip-not-whitelisted');
  d.update('narrow', { status: 'inactive' });
  const w = await identifyTrunk(d, 'acc.pstn.localhost', '127.0.0.5');
  assert.ok(!w.ok && w.cause === 'trunk-inactive');
  d.update('wide', { whitelist: ['192.0.2.0/24'] });
  const x = await identifyTrunk(d, 'acc.pstn.localhost', '192.0.2.1');
  assert.ok(x.ok && x.byIp && x.trunk.trunkSid === 'wide');
});

test('a trunk with credentials demands digest unless its auth_mode is ip_or_digest', () => {
  const d = directory();
  const cred = [{ username: 'u', ha1Md5: 'x', ha1Sha256: 'y' }];
  assert.equal(needsDigest({ ...d.trunks.get('wide')!, credentials: cred }), true);
  assert.equal(needsDigest({ ...d.trunks.get('wide')!, credentials: cred, authMode: 'ip' }), true);
  assert.equal(needsDigest({ ...d.trunks.get('wide')!, credentials: cred, authMode: 'ip_or_digest' }), false);
  assert.equal(needsDigest(d.trunks.get('wide')!), false);
});

test('the offer decides 415, 400, 606, 580 and 488 (Warning lists the offer)', () => {
  assert.deepEqual(checkInviteBody('application/sdp', PCMA, false), { ok: true, audioIndex: 0, warnings: [] });
  const text = checkInviteBody('text/plain', 'hello', false);
  assert.ok(!text.ok && text.cause === 'unsupported-body');
  const bad = checkInviteBody('application/sdp', 'hello', false);
  assert.ok(!bad.ok && bad.cause === 'malformed-sdp');
  const video = checkInviteBody('application/sdp', VIDEO, false);
  assert.ok(!video.ok && video.cause === 'no-usable-media');
  const srtp = checkInviteBody('application/sdp', SRTP, false);
  assert.ok(!srtp.ok && srtp.cause === 'srtp-not-allowed');
  const pcmu = checkInviteBody('application/sdp; charset=utf-8', PCMU, false);
  assert.ok(!pcmu.ok && pcmu.cause === 'no-pcma');
  if (!pcmu.ok) assert.match(pcmu.detail!, /PCMU/);
});

test('the caller must be a number of the trunk or the external alias is applied, else 404', () => {
  const d = directory();
  const narrow = d.trunks.get('narrow')!;
  assert.deepEqual(checkCaller(narrow, '+919876541111'), { ok: true, caller: '+919876541111', aliased: false });
  assert.equal(checkCaller(narrow, '+919876542222').ok, false);
  assert.deepEqual(checkCaller({ ...narrow, externalAlias: '+919876543333' }, 'alice'), { ok: true, caller: '+919876543333', aliased: true });
});
