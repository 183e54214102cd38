import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EDGE_CAUSES, causeRow, reject, checkNumber, numberVerdictsKept, VERDICTS_KEPT, SlidingWindowLimiter, orderTargets, shouldFailover } from '../../src/edge/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { findingSpec } from '../../src/diagnosis/index.js';

test('every generated code of SPEC §2 has a cause that produces it', () => {
  const generated = [400, 401, 403, 404, 408, 410, 415, 480, 484, 488, 500, 502, 503, 504, 580, 604, 606];
  const covered = new Set(EDGE_CAUSES.map((c) => causeRow(c).status));
  for (const code of generated) assert.ok(covered.has(code), `no cause generates ${code}`);
  for (const relayed of [486, 600, 603]) assert.ok(!covered.has(relayed), `${relayed} must be relayed, never generated`);
});

test('every cause files its refusal under a finding the diagnosis engine knows', () => {
  for (const c of EDGE_CAUSES) assert.ok(findingSpec(causeRow(c).finding), `${c} → ${causeRow(c).finding}`);
});

test('a refusal carries Reason (RFC 3326), X-Trunkline-Finding and X-Trunkline-Call-Sid', () => {
  const r = reject('ip-not-whitelisted', 'abc123', 'edge.example');
  assert.equal(r.status, 403);
  const h = new Map(r.headers);
  assert.match(h.get('Reason')!, /^SIP;cause=403;text="Source IP is in no whitelisted range/);
  assert.equal(h.get('X-Trunkline-Finding'), 'acl.not-whitelisted');
  assert.equal(h.get('X-Trunkline-Call-Sid'), 'abc123');
});

test('488 carries Warning 305 listing the offer (RFC 3261 §20.43)', () => {
  const r = reject('no-pcma', 'sid', 'edge.example', { detail: 'offered PCMU/8000, G729/8000' });
  const warning = new Map(r.headers).get('Warning')!;
  assert.equal(warning, '305 edge.example "Offer has no G.711 A-law (PCMA/8000): offered PCMU/8000, G729/8000"');
});

test('503 always carries Retry-After (RFC 3261 §21.5.4)', () => {
  assert.equal(new Map(reject('rate-limited', 's', 'a', { retryAfter: 12.2 }).headers).get('Retry-After'), '13');
  assert.equal(new Map(reject('no-carrier', 's', 'a').headers).get('Retry-After'), '5');
});

test('warning text with quotes is a valid quoted-string', () => {
  const w = new Map(reject('malformed-request', 's', 'a', { detail: 'header "Via" missing\r\n' }).headers).get('Warning')!;
  assert.equal(w, '399 a "Malformed request: header \\"Via\\" missing "');
});

test('the dialled number must be E.164, else 484', () => {
  for (const n of ['919876540486', '09876540486', '+91abc', '+12', 'alice']) {
    const v = checkNumber(n);
    assert.equal(v.ok, false, n);
    if (!v.ok) assert.equal(v.cause, 'not-e164', n);
  }
});

test('an E.164 number outside its numbering plan is 604, a valid one passes', () => {
  const bad = checkNumber('+912212340000');
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.equal(bad.cause, 'number-not-in-plan');
  const good = checkNumber('+91-98765-40486');
  assert.deepEqual(good, { ok: true, e164: '+919876540486', country: 'IN' });
  assert.equal(checkNumber('%2B14155550100').ok, true);
});

test('a number dialled again gets the same verdict, and the verdicts kept stay bounded however many numbers are dialled', () => {
  assert.deepEqual(checkNumber('+912212340000'), checkNumber('+912212340000'));
  assert.deepEqual(checkNumber('+919876540486'), { ok: true, e164: '+919876540486', country: 'IN' });
  // Past the bound the oldest are dropped; each number still gets its own verdict.
  for (let i = 0; i < VERDICTS_KEPT + 500; i++) {
    const dialled = `+9198765${String(i).padStart(5, '0')}`;
    const v = checkNumber(dialled);
    assert.equal(v.ok, true, dialled);
    if (v.ok) assert.equal(v.e164, dialled);
  }
  assert.ok(numberVerdictsKept() <= VERDICTS_KEPT, `${numberVerdictsKept()} verdicts kept`);
  const dropped = checkNumber('+912212340000');
  assert.equal(dropped.ok, false, 'a verdict dropped from the cache is judged again, the same');
  if (!dropped.ok) assert.equal(dropped.cause, 'number-not-in-plan');
  assert.equal(checkNumber('alice').ok, false);
});

test('the call-rate limit is a sliding window: 200 in any 60 s, then 503 with Retry-After', () => {
  const clock = new FakeClock();
  const limiter = new SlidingWindowLimiter(clock);
  for (let i = 0; i < 200; i++) {
    assert.equal(limiter.take('t1', 200).allowed, true);
    clock.advance(100);
  }
  const refused = limiter.take('t1', 200);
  assert.equal(refused.allowed, false);
  assert.equal(refused.retryAfter, 40);
  assert.equal(limiter.take('t2', 200).allowed, true, 'limits are per trunk');
  clock.advance(40_000);
  assert.equal(limiter.take('t1', 200).allowed, true, 'the oldest start left the window');
  assert.equal(limiter.take('t1', 200).allowed, false);
});

test('routes go by priority, lower first, and weight orders within a priority', () => {
  const targets = [
    { uri: 'sip:b', priority: 1, weight: 1 },
    { uri: 'sip:a1', priority: 0, weight: 3 },
    { uri: 'sip:a2', priority: 0, weight: 1 },
  ];
  let firstA1 = 0;
  let seed = 1;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let i = 0; i < 400; i++) {
    const order = orderTargets(targets, rand, 'sip:dr');
    assert.equal(order.length, 4);
    assert.equal(order[2].uri, 'sip:b');
    assert.equal(order[3].uri, 'sip:dr', 'disaster recovery goes last');
    if (order[0].uri === 'sip:a1') firstA1++;
  }
  assert.ok(firstA1 > 240 && firstA1 < 360, `weight 3 of 4 should lead about 300/400 times, led ${firstA1}`);
});

test('failover on timeout, transport error, 408 and 5xx; never on 486, 600, 603', () => {
  assert.equal(shouldFailover({ kind: 'timeout' }), true);
  assert.equal(shouldFailover({ kind: 'transport-error' }), true);
  for (const s of [408, 500, 502, 503, 504]) assert.equal(shouldFailover({ kind: 'response', status: s }), true, String(s));
  for (const s of [486, 600, 603, 404, 200]) assert.equal(shouldFailover({ kind: 'response', status: s }), false, String(s));
  assert.equal(shouldFailover({ kind: 'response', status: 486 }, [486]), false, 'busy is the callee\'s answer');
  assert.equal(shouldFailover({ kind: 'response', status: 480 }, [480]), true, 'trunk-configured codes apply');
});
