import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalAor, contactKey, DEFAULT_REGISTRAR_LIMITS, planBindings, readContacts } from '../../src/edge/index.js';
import { parseMessage, type SipRequest } from '../../src/sip/index.js';
import type { Registration } from '../../src/store/index.js';

// RFC 3261 §10.3 steps 6–7 as pure rules: what a REGISTER's Contact and Expires ask for, and
// how it changes the bindings of its address-of-record.
function register(lines: readonly string[]): SipRequest {
  const text = [
    'REGISTER sip:acc1.pstn.localhost SIP/2.0', 'Via: SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bK1', 'Max-Forwards: 70',
    'From: <sip:pbx1@acc1.pstn.localhost>;tag=1', 'To: <sip:pbx1@acc1.pstn.localhost>', 'Call-ID: c1', 'CSeq: 5 REGISTER',
    ...lines, 'Content-Length: 0', '', '',
  ].join('\r\n');
  const m = parseMessage(Buffer.from(text));
  assert.equal(m.kind, 'request');
  return m as SipRequest;
}
const L = DEFAULT_REGISTRAR_LIMITS;

test('RFC 3261 §10.3 step 7: the contact\'s expires parameter wins over the Expires header, which wins over the default; the maximum shortens', () => {
  const r = readContacts(register(['Contact: <sip:a@10.0.0.1>;expires=120, <sip:b@10.0.0.2>;q=0.7', 'Expires: 900']), L);
  assert.deepEqual(r, { ok: true, kind: 'bindings', bindings: [{ contact: 'sip:a@10.0.0.1', q: null, expires: 120 }, { contact: 'sip:b@10.0.0.2', q: 0.7, expires: 900 }] });
  const d = readContacts(register(['Contact: <sip:a@10.0.0.1>']), L);
  assert.ok(d.ok && d.kind === 'bindings' && d.bindings[0].expires === L.defaultExpires);
  const long = readContacts(register(['Contact: <sip:a@10.0.0.1>;expires=99999']), L);
  assert.ok(long.ok && long.kind === 'bindings' && long.bindings[0].expires === L.maxExpires);
});

test('an expiry under the minimum is 423 with Min-Expires, 0 is a removal; malformed expires, q, or a lone * without Expires: 0 is 400', () => {
  const brief = readContacts(register(['Contact: <sip:a@10.0.0.1>', 'Expires: 59']), L);
  assert.deepEqual(brief, { ok: false, cause: 'interval-too-brief', detail: '59 s asked, at least 60 s', minExpires: 60 });
  const zero = readContacts(register(['Contact: <sip:a@10.0.0.1>;expires=0']), L);
  assert.ok(zero.ok && zero.kind === 'bindings' && zero.bindings[0].expires === 0);
  for (const lines of [['Contact: <sip:a@10.0.0.1>;expires=soon'], ['Contact: <sip:a@10.0.0.1>;q=1.5'], ['Contact: *'], ['Contact: *', 'Expires: 60'], ['Contact: <sip:a@10.0.0.1>', 'Expires: -1'], ['Contact: <tel:+919876543210>']]) {
    const r = readContacts(register(lines), L);
    assert.ok(!r.ok && r.cause === 'malformed-request', lines.join(' / '));
  }
  assert.deepEqual(readContacts(register(['Contact: *', 'Expires: 0']), L), { ok: true, kind: 'remove-all' });
  assert.deepEqual(readContacts(register([]), L), { ok: true, kind: 'fetch' });
});

test('RFC 3261 §19.1.4 in short: contacts equal by scheme, user, host case-insensitively, port and transport; the AOR is sip:user@host', () => {
  assert.equal(contactKey('sip:a@EXAMPLE.com:5060;transport=UDP'), contactKey('sip:a@example.com:5060;transport=udp'));
  assert.notEqual(contactKey('sip:a@example.com'), contactKey('sip:A@example.com'));
  assert.notEqual(contactKey('sip:a@example.com:5060'), contactKey('sip:a@example.com:5061'));
  assert.deepEqual(canonicalAor('sips:pbx1@ACC1.pstn.localhost;transport=tls'), { aor: 'sip:pbx1@acc1.pstn.localhost', user: 'pbx1', host: 'acc1.pstn.localhost' });
  assert.equal(canonicalAor('sip:acc1.pstn.localhost'), undefined, 'an AOR needs a user');
});

test('RFC 3261 §10.3 step 7: same Call-ID and a CSeq not above the binding\'s aborts; another Call-ID replaces; * removes all unless one is newer', () => {
  const bound: Registration = {
    id: 7, trunk_sid: 't', account_sid: 'a', aor: 'sip:pbx1@acc1.pstn.localhost', user_name: 'pbx1', contact: 'sip:a@10.0.0.1', q: null,
    call_id: 'c1', cseq: 5, expires_at: '2026-01-23T10:00:00Z', source_address: '127.0.0.2', source_port: 5060, transport: 'udp',
    connection_id: null, user_agent: null, registered_at: '2026-01-23T09:00:00Z', updated_at: '2026-01-23T09:00:00Z',
  };
  const flow = { userName: 'pbx1', callId: 'c1', cseq: 5, address: '127.0.0.9', port: 4000, transport: 'udp' as const, connectionId: null, userAgent: 'x' };
  const req = { ok: true as const, kind: 'bindings' as const, bindings: [{ contact: 'sip:a@10.0.0.1', q: null, expires: 60 }] };
  assert.deepEqual(planBindings([bound], req, flow, 0), { ok: false, refusal: 'out-of-order' });
  const newer = planBindings([bound], req, { ...flow, cseq: 6 }, 1000);
  assert.ok(newer.ok && newer.put[0].expires_at_ms === 61_000 && newer.put[0].source_address === '127.0.0.9');
  const otherCall = planBindings([bound], { ...req, bindings: [{ contact: 'sip:a@10.0.0.1', q: null, expires: 0 }] }, { ...flow, callId: 'c2', cseq: 1 }, 0);
  assert.deepEqual(otherCall, { ok: true, put: [], remove: [7] });
  assert.deepEqual(planBindings([bound], { ok: true, kind: 'remove-all' }, flow, 0), { ok: false, refusal: 'out-of-order' });
  assert.deepEqual(planBindings([bound], { ok: true, kind: 'remove-all' }, { ...flow, cseq: 9 }, 0), { ok: true, put: [], remove: [7] });
});

test('an address-of-record keeps at most maxContacts bindings: a REGISTER that would add past it is refused, a refresh or a removal is not', () => {
  const flow = { userName: 'pbx1', callId: 'c9', cseq: 1, address: '127.0.0.2', port: 5060, transport: 'udp' as const, connectionId: null, userAgent: null };
  const want = (n: number, expires = 60) => ({ ok: true as const, kind: 'bindings' as const, bindings: Array.from({ length: n }, (_, i) => ({ contact: `sip:c${i}@10.0.0.1`, q: null, expires })) });
  assert.ok(planBindings([], want(10), flow, 0, 10).ok);
  assert.deepEqual(planBindings([], want(11), flow, 0, 10), { ok: false, refusal: 'too-many-contacts' });
  const held = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, contact: `sip:c${i}@10.0.0.1`, call_id: 'old', cseq: 1 }) as Registration);
  assert.ok(planBindings(held, want(10), flow, 0, 10).ok, 'refreshing the ten it holds');
  assert.deepEqual(planBindings(held, { ok: true, kind: 'bindings', bindings: [{ contact: 'sip:new@10.0.0.1', q: null, expires: 60 }] }, flow, 0, 10), { ok: false, refusal: 'too-many-contacts' });
  const swap = { ok: true as const, kind: 'bindings' as const, bindings: [{ contact: 'sip:c0@10.0.0.1', q: null, expires: 0 }, { contact: 'sip:new@10.0.0.1', q: null, expires: 60 }] };
  assert.ok(planBindings(held, swap, flow, 0, 10).ok, 'one removed, one added');
});
