import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../support/fake-clock.js';
import { DigestServer, answerChallenge, formatChallenge, usernameOf } from '../../../src/sip/auth/digest.js';
import { computeHa1 } from '../../../src/sip/auth/ha1.js';
import { parseAuthValue } from '../../../src/sip/index.js';

const paramsOf = (v: string) => parseAuthValue(v, 'Authorization').params;

const realm = 'acme.pstn.localhost';
const uri = 'sip:+919876540000@acme.pstn.localhost';

function setup() {
  const clock = new FakeClock();
  const server = new DigestServer({ secret: 'test-secret', clock, nonceTtlMs: 60_000 });
  return { clock, server };
}

for (const algorithm of ['MD5', 'SHA-256'] as const) {
  test(`a ${algorithm} response computed from the right password is accepted against the stored HA1`, () => {
    const { server } = setup();
    const ch = server.challenge(realm, algorithm);
    const header = formatChallenge(ch);
    assert.match(header, new RegExp(`^Digest realm="${realm}", nonce="[^"]+", algorithm=${algorithm}, qop="auth"$`));
    const auth = answerChallenge(header, { username: 'alice', password: 's3cret' }, 'INVITE', uri);
    assert.equal(usernameOf(auth), 'alice');
    const verdict = server.verify(auth, 'INVITE', realm, computeHa1(algorithm, 'alice', realm, 's3cret'), uri);
    assert.deepEqual(verdict, { ok: true, username: 'alice', realm, algorithm });
  });
}

test('a wrong password is rejected as bad_response and not as stale', () => {
  const { server } = setup();
  const auth = answerChallenge(formatChallenge(server.challenge(realm)), { username: 'alice', password: 'wrong' }, 'INVITE', uri);
  const v = server.verify(auth, 'INVITE', realm, computeHa1('MD5', 'alice', realm, 's3cret'));
  assert.equal(v.ok, false);
  assert.equal(!v.ok && v.reason, 'bad_response');
  assert.equal(v.ok || v.stale, false);
});

test('an expired nonce with a correct response gets stale=true (RFC 7616 §3.3)', () => {
  const { server, clock } = setup();
  const auth = answerChallenge(formatChallenge(server.challenge(realm)), { username: 'alice', password: 's3cret' }, 'REGISTER', uri);
  clock.advance(61_000);
  const v = server.verify(auth, 'REGISTER', realm, computeHa1('MD5', 'alice', realm, 's3cret'));
  assert.deepEqual(v, { ok: false, reason: 'stale', stale: true, username: 'alice' });
  assert.match(formatChallenge(server.challenge(realm, 'MD5', true)), /stale=true$/);
});

test('a nonce the server did not issue (or issued with another secret) is rejected', () => {
  const { server, clock } = setup();
  const other = new DigestServer({ secret: 'another', clock });
  const auth = answerChallenge(formatChallenge(other.challenge(realm)), { username: 'alice', password: 's3cret' }, 'INVITE', uri);
  const v = server.verify(auth, 'INVITE', realm, computeHa1('MD5', 'alice', realm, 's3cret'));
  assert.equal(!v.ok && v.reason, 'bad_nonce');
});

test('a nonce count that does not increase is a replay', () => {
  const { server } = setup();
  const ha1 = computeHa1('MD5', 'alice', realm, 's3cret');
  const header = formatChallenge(server.challenge(realm));
  const first = answerChallenge(header, { username: 'alice', password: 's3cret' }, 'INVITE', uri, { nc: 1 });
  assert.equal(server.verify(first, 'INVITE', realm, ha1).ok, true);
  const again = server.verify(first, 'INVITE', realm, ha1);
  assert.equal(!again.ok && again.reason, 'replay');
  const second = answerChallenge(header, { username: 'alice', password: 's3cret' }, 'INVITE', uri, { nc: 2 });
  assert.equal(server.verify(second, 'INVITE', realm, ha1).ok, true);
});

test('the response matches the worked example of RFC 7616 §3.9.1 (MD5 and SHA-256)', () => {
  const challenge = 'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
  const auth = answerChallenge(challenge, { username: 'Mufasa', password: 'Circle of Life' }, 'GET', '/dir/index.html', { nc: 1, cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' });
  assert.equal(paramsOf(auth).get('response'), '8ca523f5e9506fed4657c9700eebdbec');

  const auth256 = answerChallenge(challenge.replace('algorithm=MD5', 'algorithm=SHA-256'), { username: 'Mufasa', password: 'Circle of Life' }, 'GET', '/dir/index.html', { nc: 1, cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' });

  assert.equal(paramsOf(auth256).get('response'), '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
});

test('credentials that are not Digest, or miss a parameter, are malformed', () => {
  const { server } = setup();
  assert.equal(server.verify('Basic YWxhZGRpbjpvcGVuc2VzYW1l', 'INVITE', realm, 'x').ok, false);
  const v = server.verify('Digest username="a", realm="r"', 'INVITE', 'r', 'x');
  assert.equal(!v.ok && v.reason, 'malformed');
  assert.equal(usernameOf('Digest username="unterminated'), undefined);
  const parsed = parseAuthValue('Digest username="al \\"x\\"", realm="r", nonce="n", uri="sip:a@b", response="00"', 'Authorization');
  assert.equal(usernameOf(parsed), 'al "x"', 'verify and usernameOf also take the parsed AuthValue of SipHeaders.authorization()');
});
