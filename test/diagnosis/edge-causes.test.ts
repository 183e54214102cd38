import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnoseCall, EDGE_CAUSES, edgeCauseHeader, edgeCauseText, FINDING_CATALOGUE, FAULT_DOMAINS } from '../../src/diagnosis/index.js';
import { answeredCall, failedCall, ids, twoWay } from './support/evidence.js';

test('every code the edge generates in SPEC §2 has a cause, and the RTP timeout ends calls with a BYE', () => {
  const generated = [400, 401, 403, 404, 408, 410, 415, 480, 484, 488, 500, 502, 503, 504, 580, 604, 606];
  const responses = Object.values(EDGE_CAUSES).filter((e) => e.sends === 'response');
  // Beyond SPEC §2: 483 (Max-Forwards exhausted) and the registrar's 423 (expiry below Min-Expires).
  assert.deepEqual([...new Set(responses.map((e) => e.status))].sort((a, b) => a - b), [...generated, 423, 483].sort((a, b) => a - b));
  assert.equal(EDGE_CAUSES['rtp-timeout'].sends, 'bye');
  for (const e of Object.values(EDGE_CAUSES)) {
    const spec = FINDING_CATALOGUE.get(e.findingId);
    assert.ok(spec, `${e.cause} → ${e.findingId}`);
    assert.equal(e.title, spec.title);
    assert.ok(FAULT_DOMAINS.includes(e.fault_domain));
    assert.ok(e.text && e.checks.length && e.fix, e.cause);
  }
});

test('the rows of SPEC §2 map to the causes it names', () => {
  const expect: Record<string, number> = {
    'malformed-request': 400, 'malformed-sdp': 400, 'auth-required': 401, 'auth-failed': 401, 'ip-not-whitelisted': 403, 'trunk-inactive': 403,
    'did-not-mapped': 404, 'caller-not-mapped': 404, 'destination-timeout': 408, 'did-inactive': 410, 'did-removed': 410, 'unsupported-body': 415,
    'no-destination': 480, 'destination-unreachable': 480, 'not-e164': 484, 'no-pcma': 488, 'internal-error': 500, 'bad-upstream-response': 502,
    'fqdn-unresolvable': 502, 'no-carrier': 503, overload: 503, 'rate-limited': 503, 'carrier-timeout': 504, 'srtp-not-allowed': 580,
    'srtp-required': 580, 'preconditions-required': 580, 'number-not-in-plan': 604, 'no-usable-media': 606,
  };
  for (const [cause, status] of Object.entries(expect)) assert.equal(EDGE_CAUSES[cause]?.status, status, cause);
});

test('the header names the cause in plain words: Warning 305 lists the offer, 400 names the header', () => {
  assert.deepEqual(edgeCauseHeader('no-pcma', { offered: ['PCMU/8000', 'G729/8000'] }, 'edge.example'), {
    name: 'Warning', value: '305 edge.example "Offer has no G.711 A-law (PCMA/8000); offered PCMU/8000, G729/8000"',
  });
  assert.equal(edgeCauseHeader('malformed-request', { header: 'Content-Length' })?.value, '399 trunkline "Malformed request: bad or missing Content-Length header"');
  assert.equal(edgeCauseHeader('ip-not-whitelisted', { source: '203.0.113.7' })?.value, 'SIP;cause=403;text="Source IP 203.0.113.7 is in no whitelisted range of any trunk of the account"');
  // Without the details the fixed words still stand.
  assert.equal(edgeCauseText('ip-not-whitelisted'), 'Source IP is in no whitelisted range of any trunk of the account');
  assert.equal(edgeCauseHeader('nonsense'), undefined);
});

test('an edge cause on the evidence becomes its finding, with the details as evidence', () => {
  const ev = { ...failedCall(488, 'Not Acceptable Here'), edgeCause: 'no-pcma', edgeCauseDetails: { offered: ['PCMU/8000', 'G729/8000'] } };
  const found = diagnoseCall(ev);
  assert.deepEqual(ids(found), ['sip.488.no-pcma']);
  assert.ok(found[0].evidence.includes('offered: PCMU/8000, G729/8000'));
  assert.ok(found[0].evidence[0].startsWith('the edge refused with 488 Not Acceptable Here'));
  const acl = diagnoseCall({ ...failedCall(403, 'Forbidden'), edgeCause: 'ip-not-whitelisted', edgeCauseDetails: { source: '203.0.113.7' } });
  assert.deepEqual(ids(acl), ['acl.not-whitelisted']);
  assert.equal(acl[0].code, 403);
  const rate = diagnoseCall({ ...failedCall(503, 'Service Unavailable', { headers: { 'retry-after': ['5'] } }), edgeCause: 'rate-limited', edgeCauseDetails: { limit: 200 } });
  assert.equal(rate[0].id, 'trunk.rate-limited');
});

test('the RTP timeout BYE of the relay is filed as media.rtp-timeout alongside what the streams show', () => {
  const ev = { ...answeredCall({ streams: twoWay(31_000), byeAt: 61_000 }), source: 'edge' as const, edgeCause: 'rtp-timeout', edgeCauseDetails: { timeoutMs: 30_000 } };
  const found = diagnoseCall(ev);
  assert.deepEqual(ids(found), ['media.rtp-timeout']);
  assert.ok(found[0].evidence.some((e) => e.includes('BYE, Reason: SIP;cause=408;text="RTP timeout: no media for 30000 ms"')));
  assert.ok(found[0].evidence.some((e) => e.includes('30.0 s after answer')));
});

test('an unknown edge cause is reported as such, never dropped', () => {
  assert.deepEqual(ids(diagnoseCall({ ...failedCall(500, 'Server Internal Error'), edgeCause: 'cosmic-ray' })), ['sip.500', 'edge.unknown-cause'], 'most severe first');
});
