import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnoseCall, type CallEvidence } from '../../src/diagnosis/index.js';
import { failedCall, ids, req, res, T0 } from './support/evidence.js';

const challenge = (at: number, cseq: number, extra = '') => res(401, 'Unauthorized', at, { cseq, headers: { 'www-authenticate': [`Digest realm="trunk.example", nonce="n${cseq}", algorithm=MD5${extra}`] } });
const withCreds = (at: number, cseq: number) => req('INVITE', at, { cseq, headers: { authorization: [`Digest username="pbx01", realm="trunk.example", nonce="n${cseq - 1}", uri="sip:+919876543210@trunk.example", response="0123"`] } });

function call(messages: CallEvidence['messages'], observedUntil = 60_000): CallEvidence {
  return { callId: 'c', source: 'capture', messages, streams: [], observedUntil: T0 + observedUntil };
}

test('401 challenge, retry with credentials, challenged again: wrong credentials', () => {
  const ev = call([req('INVITE', 0), challenge(30, 1), req('ACK', 35), withCreds(40, 2), challenge(70, 2), req('ACK', 75)]);
  const [f, ...rest] = diagnoseCall(ev);
  assert.equal(f.id, 'auth.credentials-loop');
  assert.equal(f.code, 401);
  assert.equal(rest.length, 0, 'the generic 401 row yields');
  assert.ok(f.evidence.some((e) => e.includes('CSeq 2 with credentials for user "pbx01"') && e.includes('realm "trunk.example"')), f.evidence.join('\n'));
});

test('a 407 loop is wrong credentials too; a stale=true re-challenge is not', () => {
  const px = (at: number, cseq: number, extra = '') => res(407, 'Proxy Authentication Required', at, { cseq, headers: { 'proxy-authenticate': [`Digest realm="p", nonce="x"${extra}`] } });
  const loop = call([req('INVITE', 0), px(30, 1), req('INVITE', 40, { cseq: 2, headers: { 'proxy-authorization': ['Digest username="u"'] } }), px(70, 2)]);
  assert.deepEqual(ids(diagnoseCall(loop)), ['auth.credentials-loop']);
  const stale = call([req('INVITE', 0), challenge(30, 1), withCreds(40, 2), challenge(70, 2, ', stale=true'), withCreds(80, 3), res(200, 'OK', 900, { cseq: 3 })], 900);
  assert.deepEqual(ids(diagnoseCall(stale)).filter((i) => i.startsWith('auth')), []);
});

test('a challenge answered once with the right credentials is normal', () => {
  const ev = call([req('INVITE', 0), challenge(30, 1), withCreds(40, 2), res(100, 'Trying', 50, { cseq: 2 }), res(486, 'Busy Here', 900, { cseq: 2 })]);
  assert.deepEqual(ids(diagnoseCall(ev)), ['sip.486']);
});

test('a challenge never answered with credentials: the PBX has none configured; cut off right after it: nothing yet', () => {
  assert.deepEqual(ids(diagnoseCall(call([req('INVITE', 0), challenge(30, 1), req('ACK', 35)]))), ['auth.challenge-unanswered']);
  assert.deepEqual(ids(diagnoseCall(call([req('INVITE', 0), challenge(30, 1)], 100))), []);
});

test('403 after credentials is wrong credentials, not an ACL miss', () => {
  const ev = call([req('INVITE', 0), challenge(30, 1), withCreds(40, 2), res(403, 'Forbidden', 70, { cseq: 2 })]);
  assert.deepEqual(ids(diagnoseCall(ev)), ['auth.wrong-credentials']);
});

test('403 right after the INVITE, before ringing and without a challenge, is an ACL miss', () => {
  const [f] = diagnoseCall(failedCall(403, 'Forbidden', { at: 45 }));
  assert.equal(f.id, 'acl.not-whitelisted');
  assert.ok(f.evidence[0].includes('45 ms after the INVITE from 203.0.113.10:5060'));
  assert.ok(f.checks[0].startsWith('ACL / whitelisted IP'));
  // After ringing, a 403 is the far end's decision: the guide row, not the ACL.
  assert.deepEqual(ids(diagnoseCall(failedCall(403, 'Forbidden', { at: 9000, extra: [res(180, 'Ringing', 300)] }))), ['sip.403']);
});

test('with the trunk whitelist at hand the ACL verdict is exact, and an inactive trunk is named', () => {
  const base = failedCall(403, 'Forbidden', { at: 45 });
  const outside = { ...base, trunk: { trunkSid: 't', whitelistedCidrs: ['198.18.0.0/15'] } };
  const [f] = diagnoseCall(outside);
  assert.equal(f.id, 'acl.not-whitelisted');
  assert.ok(f.evidence[1].includes('203.0.113.10 is in none of the whitelisted ranges of trunk t: 198.18.0.0/15'));
  const inactive = { ...base, trunk: { trunkSid: 't', status: 'inactive' as const, whitelistedCidrs: ['203.0.113.0/24'] } };
  assert.deepEqual(ids(diagnoseCall(inactive)), ['trunk.inactive']);
});

test('an INVITE retransmitted with no answer past Timer B is 408 reachability', () => {
  const sends = [0, 500, 1500, 3500, 7500, 15_500, 31_500].map((at) => req('INVITE', at, { branch: 'z9hG4bKsame' }));
  const [f] = diagnoseCall(call(sends, 40_000));
  assert.equal(f.id, 'reachability.no-response');
  assert.equal(f.code, 408);
  assert.ok(f.evidence[0].startsWith('INVITE sent 7 time(s) to 198.51.100.20:5070 over UDP'), f.evidence[0]);
  assert.ok(f.checks[0].includes('Firewall / reachability'));
});

test('503 with Retry-After says when to retry', () => {
  const [f, ...rest] = diagnoseCall(failedCall(503, 'Service Unavailable', { headers: { 'retry-after': ['30'] } }));
  assert.equal(f.id, 'sip.503.retry-after');
  assert.ok(f.evidence.includes('retry after 30 s'));
  assert.equal(rest.length, 0);
  assert.deepEqual(ids(diagnoseCall(failedCall(503, 'Service Unavailable'))), ['sip.503']);
});

test('the edge\'s own 503 (overload, a trunk limit) is filed under its cause alone, not also as the far side\'s Retry-After', () => {
  for (const [finding, reason] of [['edge.overload', 'Edge overloaded'], ['trunk.rate-limited', 'Trunk call rate limit exceeded']] as const) {
    const found = diagnoseCall(failedCall(503, 'Service Unavailable', { headers: { 'retry-after': ['5'], 'x-trunkline-finding': [finding], reason: [`SIP;cause=503;text="${reason}"`] } }));
    assert.deepEqual(ids(found), [finding], JSON.stringify(found));
  }
});

test('relayed codes carry their guide row: meaning, where the fault lies, what to check', () => {
  for (const [code, domain, check] of [[480, 'customer-pbx', 'PBX availability'], [604, 'customer-pbx', 'DID correctness'], [603, 'far-end', 'PBX dialplan'], [502, 'carrier', 'Retry'], [484, 'customer-pbx', 'E.164 format']] as const) {
    const [f] = diagnoseCall(failedCall(code, 'x', { headers: { reason: ['Q.850;cause=1'] } }));
    assert.equal(f.id, `sip.${code}`);
    assert.equal(f.fault_domain, domain);
    assert.equal(f.checks[0], check);
    assert.ok(f.evidence.includes('Reason: Q.850;cause=1 (Q.850 cause 1 = unallocated (unassigned) number)'), f.evidence.join('\n'));
  }
});

test('an unregistered final code is treated as the x00 of its class (RFC 3261 §8.1.3.2)', () => {
  const [f] = diagnoseCall(failedCall(499, 'Odd'));
  assert.equal(f.id, 'sip.400');
  assert.equal(f.code, 499);
  assert.ok(f.evidence.some((e) => e.includes('treated as 400')));
});

test('a capture of a trunkline refusal is filed under the finding its X-Trunkline-Finding header names', () => {
  const ev = failedCall(403, 'Forbidden', { at: 9000, extra: [res(180, 'Ringing', 300)], headers: { 'x-trunkline-finding': ['trunk.inactive'], reason: ['SIP;cause=403;text="Trunk is inactive"'] } });
  const [f] = diagnoseCall(ev);
  assert.equal(f.id, 'trunk.inactive');
  assert.ok(f.evidence.includes('Reason: SIP;cause=403;text="Trunk is inactive"'));
});

test('a REGISTER refresh challenged again but then accepted is a nonce refresh, not wrong credentials', () => {
  const r = (at: number, cseq: number, creds: boolean) => req('REGISTER', at, { cseq, ...(creds ? { headers: { authorization: ['Digest username="u"'] } } : {}) });
  const rs = (status: number, at: number, cseq: number) => res(status, status === 200 ? 'OK' : 'Unauthorized', at, { method: 'REGISTER', cseq, ...(status === 401 ? { headers: { 'www-authenticate': ['Digest realm="r", nonce="n"'] } } : {}) });
  const ev = call([r(0, 1, false), rs(401, 10, 1), r(20, 2, true), rs(200, 30, 2), r(3_600_000, 3, true), rs(401, 3_600_010, 3), r(3_600_020, 4, true), rs(200, 3_600_030, 4)], 3_700_000);
  assert.deepEqual(ids(diagnoseCall(ev)), []);
});

test('a 200 OK retransmitted with no ACK until the callee hangs up at 32 s is a lost ACK', () => {
  const ok = (at: number) => res(200, 'OK', at, { toTag: 'b' });
  const bye = { ...req('BYE', 33_000, { cseq: 1 }), src: '198.51.100.20:5070', dst: '203.0.113.10:5060', fromTag: 'b' };
  const ev = call([req('INVITE', 0), res(180, 'Ringing', 100), ok(1000), ok(1500), ok(2500), ok(4500), ok(8500), ok(12_500), ok(16_500), ok(20_500), ok(24_500), ok(28_500), ok(32_500), bye], 40_000);
  const [f] = diagnoseCall(ev);
  assert.equal(f.id, 'reachability.no-ack');
  assert.equal(f.fault_domain, 'customer-network');
  assert.ok(f.evidence[0].startsWith('200 OK sent 11 time(s) from 198.51.100.20:5070 to 203.0.113.10:5060'));
  assert.ok(f.evidence.includes('BYE from 198.51.100.20:5070 32.0 s after answer'));
  // With the ACK seen, or a capture cut before Timer H could run out, there is nothing to say.
  assert.deepEqual(ids(diagnoseCall(call([req('INVITE', 0), ok(1000), ok(1500), req('ACK', 1600)], 40_000))).filter((i) => i.startsWith('reach')), []);
  assert.deepEqual(ids(diagnoseCall(call([req('INVITE', 0), ok(1000), ok(1500)], 3000))).filter((i) => i.startsWith('reach')), []);
});

test('with the trunk configuration, a 480 inbound names the missing destination URI and a 580 the secure trunking setting', () => {
  const inbound = { ...failedCall(480, 'Temporarily Unavailable'), direction: 'inbound' as const, trunk: { trunkSid: 't', destinationUris: [] } };
  const [f] = diagnoseCall(inbound);
  assert.equal(f.id, 'routing.no-destination-uri');
  assert.ok(f.evidence.includes('trunk t has no destination URI'));
  const plain = { ...failedCall(580, 'Precondition Failure'), trunk: { trunkSid: 't', secureTrunking: true } };
  assert.deepEqual(ids(diagnoseCall(plain)), ['sip.580.srtp-required']);
  // Without the configuration the guide row stands.
  assert.deepEqual(ids(diagnoseCall({ ...inbound, trunk: undefined })), ['sip.480']);
});

test('a 403 whose Reason gives a Q.850 cause is the far end refusing with that cause, not an ACL miss', () => {
  // As heplify__sip_sctp.pcap: "403 The reason is nocallee" 1.7 ms after the INVITE, Reason: Q.850;cause=21;text="nocallee".
  const ev = failedCall(403, 'The reason is nocallee', { at: 2, headers: { reason: ['Q.850;cause=21;text="nocallee"'] } });
  const found = diagnoseCall(ev);
  assert.deepEqual(ids(found), ['sip.403.stated-cause']);
  const [f] = found;
  assert.equal(f.code, 403);
  assert.equal(f.fault_domain, 'far-end');
  assert.ok(f.evidence.includes('Reason: Q.850;cause=21;text="nocallee" (Q.850 cause 21 = call rejected)'), f.evidence.join('\n'));
  assert.ok(f.evidence.includes('reason phrase "The reason is nocallee"'));
  // A Warning or a decline phrase says something else too; "SIP;cause=403" alone only repeats the code.
  assert.deepEqual(ids(diagnoseCall(failedCall(403, 'Forbidden', { at: 40, headers: { warning: ['399 gw "Number barred"'] } }))), ['sip.403.stated-cause']);
  assert.deepEqual(ids(diagnoseCall(failedCall(403, 'Call Declined', { at: 40 }))), ['sip.403.stated-cause']);
  assert.deepEqual(ids(diagnoseCall(failedCall(403, 'Forbidden', { at: 40, headers: { reason: ['SIP;cause=403'] } }))), ['acl.not-whitelisted']);
});

test('a 403 whose words point at the source address supports the ACL miss and is quoted in it', () => {
  const ev = failedCall(403, 'IP Address Not Allowed', { at: 40, headers: { warning: ['399 sbc "source not in ACL"'] } });
  const [f, ...rest] = diagnoseCall(ev);
  assert.equal(f.id, 'acl.not-whitelisted');
  assert.equal(rest.length, 0);
  assert.ok(f.evidence.includes('Warning: 399 sbc "source not in ACL"'));
  assert.ok(f.evidence.includes('reason phrase "IP Address Not Allowed"'));
});

test('a 403 to a source the server accepted before is not an ACL miss: the whitelist let it through', () => {
  const ev = { ...failedCall(403, 'Forbidden', { at: 45 }), sourceAcceptedBefore: 'REGISTER from 203.0.113.10:5060 answered 200 by 198.51.100.20:5070 at 2026-01-23T09:20:00.000Z' };
  const found = diagnoseCall(ev);
  assert.deepEqual(ids(found), ['sip.403']);
  assert.equal(found[0].fault_domain, 'far-end');
  assert.match(found[0].title, /accepted before \(not an ACL miss\)/);
  assert.ok(found[0].evidence.some((e) => e.includes('the same source was accepted before: REGISTER from 203.0.113.10:5060')));
});
