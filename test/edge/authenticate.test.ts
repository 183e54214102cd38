import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Authenticator } from '../../src/edge/index.js';
import { answerChallenge, DigestServer } from '../../src/sip/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { MemoryDirectory } from './support/memory-directory.js';
import { credentialFor, DOMAIN } from './support/harness.js';

const RURI = `sip:+919876540000@${DOMAIN}`;

function setup() {
  const clock = new FakeClock();
  const auth = new Authenticator(new DigestServer({ secret: 'k', clock, nonceTtlMs: 1000 }));
  const d = new MemoryDirectory();
  const trunk = d.addTrunk({ trunkSid: 't1', accountSid: 'acc1', credentials: [credentialFor('pbx', 'secret')] });
  return { clock, auth, trunk };
}

test('RFC 7616 §3.3: a right answer to an expired nonce is challenged again with stale=true, not refused as wrong', async () => {
  const { clock, auth, trunk } = setup();
  const first = await auth.verify([trunk], undefined, 'INVITE', RURI);
  assert.ok(!first.ok && first.cause === 'auth-required');
  const md5 = first.challenges.find((c) => c.includes('algorithm=MD5'))!;
  const answer = answerChallenge(md5, { username: 'pbx', password: 'secret' }, 'INVITE', RURI);
  assert.equal((await auth.verify([trunk], answer, 'INVITE', RURI)).ok, true);
  clock.advance(2000);
  const stale = await auth.verify([trunk], answerChallenge(md5, { username: 'pbx', password: 'secret' }, 'INVITE', RURI, { nc: 2 }), 'INVITE', RURI);
  assert.ok(!stale.ok);
  assert.equal(stale.cause, 'auth-required');
  assert.ok(stale.challenges.every((c) => /stale=true/.test(c)));
});

test('SHA-256 credentials verify against the stored SHA-256 HA1; a wrong password is auth-failed', async () => {
  const { auth, trunk } = setup();
  const first = await auth.verify([trunk], undefined, 'INVITE', RURI);
  assert.ok(!first.ok);
  const sha = first.challenges.find((c) => c.includes('algorithm=SHA-256'))!;
  assert.equal((await auth.verify([trunk], answerChallenge(sha, { username: 'pbx', password: 'secret' }, 'INVITE', RURI), 'INVITE', RURI)).ok, true);
  const wrong = await auth.verify([trunk], answerChallenge(sha, { username: 'pbx', password: 'x' }, 'INVITE', RURI), 'INVITE', RURI);
  assert.ok(!wrong.ok && wrong.cause === 'auth-failed');
});

test('the challenges offered follow --digest-algorithms (RFC 8760 §2.4 order); a SHA-256 answer verifies even when only MD5 was offered', async () => {
  const clock = new FakeClock();
  const server = new DigestServer({ secret: 'k', clock });
  const trunk = new MemoryDirectory().addTrunk({ trunkSid: 't1', accountSid: 'acc1', credentials: [credentialFor('pbx', 'secret')] });
  const both = await new Authenticator(server).verify([trunk], undefined, 'REGISTER', RURI);
  assert.ok(!both.ok);
  assert.deepEqual(both.challenges.map((c) => /algorithm=([\w-]+)/.exec(c)?.[1]), ['SHA-256', 'MD5']);
  const md5Only = new Authenticator(server, ['MD5']);
  const first = await md5Only.verify([trunk], undefined, 'REGISTER', RURI);
  assert.ok(!first.ok);
  assert.deepEqual(first.challenges.map((c) => /algorithm=([\w-]+)/.exec(c)?.[1]), ['MD5']);
  const sha = answerChallenge(first.challenges[0].replace('algorithm=MD5', 'algorithm=SHA-256'), { username: 'pbx', password: 'secret' }, 'REGISTER', RURI);
  assert.equal((await md5Only.verify([trunk], sha, 'REGISTER', RURI)).ok, true);
});
