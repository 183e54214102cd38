import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { A, apiFixture, one, type ApiFixture, trunkBody } from './support.js';
import { seededRandom as prng } from '../support/prng.js';

// SPEC §8: bad input never crashes anything. Seeded, bounded: random JSON values in every
// field of every write, and random bytes as bodies; every answer must be a documented
// envelope, never a 500.
let f: ApiFixture;
let T: string;
before(async () => {
  f = await apiFixture();
  const t = one((await f.json({ method: 'POST', url: `${A}/trunks`, payload: trunkBody('fuzz') })).body).data;
  T = `${A}/trunks/${String(t.trunk_sid)}`;
});
after(async () => {
  await f.close();
});


const STRINGS = ['', ' ', 'a', 'x'.repeat(300), '+919876543210', '10.0.0.1', '::1', 'pbx.example.com:5061;transport=tls', '../../etc', '\u0000', '💥', '<script>', 'null', '-1', '1e999'];

function value(rand: () => number, depth = 0): unknown {
  const pick = Math.floor(rand() * 9);
  switch (pick) {
    case 0: return null;
    case 1: return rand() < 0.5;
    case 2: return Math.floor(rand() * 2 ** 31) * (rand() < 0.5 ? -1 : 1);
    case 3: return rand() * 1e6;
    case 4:
    case 5: return STRINGS[Math.floor(rand() * STRINGS.length)];
    case 6: return depth > 2 ? [] : Array.from({ length: Math.floor(rand() * 3) }, () => value(rand, depth + 1));
    default: return depth > 2 ? {} : { k: value(rand, depth + 1) };
  }
}

const TARGETS: { method: 'POST' | 'PUT'; url: () => string; fields: string[] }[] = [
  { method: 'POST', url: () => `${A}/trunks`, fields: ['trunk_name', 'nso_code', 'domain_name'] },
  { method: 'PUT', url: () => T, fields: ['trunk_name', 'status', 'auth_mode', 'auth_type', 'secure_trunking', 'calls_per_minute', 'max_concurrent_calls', 'failover_codes', 'disaster_recovery_uri', 'flow_uri'] },
  { method: 'POST', url: () => `${T}/phone-numbers`, fields: ['phone_number', 'mode'] },
  { method: 'PUT', url: () => `${T}/phone-numbers/1`, fields: ['phone_number', 'mode', 'status'] },
  { method: 'POST', url: () => `${T}/whitelisted-ips`, fields: ['ip', 'mask'] },
  { method: 'POST', url: () => `${T}/destination-uris`, fields: ['destinations'] },
  { method: 'POST', url: () => `${T}/credentials`, fields: ['user_name', 'password', 'friendly_name'] },
  { method: 'POST', url: () => `${T}/settings`, fields: ['settings'] },
];

const GOOD: Record<string, string> = { nso_code: 'ANY-ANY', domain_name: 'acme.pstn.example.com', trunk_name: 'fuzz_ok', mode: 'flow', status: 'active', auth_type: 'IP-WHITELIST' };

const DOCUMENTED = new Set([200, 207, 400, 404, 409, 413, 415]);

test('random field values and random bodies on every write get a documented answer, never a 500', async () => {
  const rand = prng(0x7e1c0de);
  const seen = new Set<number>();
  for (let i = 0; i < 400; i++) {
    const target = TARGETS[i % TARGETS.length];
    let payload: string;
    if (i % 10 === 9) {
      payload = Buffer.from(Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 256))).toString('latin1');
    } else {
      const body: Record<string, unknown> = {};
      for (const field of target.fields) {
        if (rand() >= 0.8) continue;
        // Some fields get a good value half the time, so the inputs also reach the handlers (the
        // create-trunk contract needs an exact nso_code and domain_name).
        const good = GOOD[field];
        body[field] = field === 'destinations' || field === 'settings' ? [{ destination: value(rand), name: value(rand), value: value(rand), priority: value(rand) }] : good !== undefined && rand() < 0.5 ? good : value(rand);
      }
      payload = JSON.stringify(body);
    }
    const res = await f.call({ method: target.method, url: target.url(), payload, headers: { 'content-type': 'application/json' } });
    seen.add(res.statusCode);
    assert.ok(DOCUMENTED.has(res.statusCode), `${target.method} ${target.url()} ${payload.slice(0, 120)} → ${res.statusCode} ${res.body.slice(0, 300)}`);
    const env = JSON.parse(res.body) as { http_code: number; request_id: string };
    assert.equal(env.http_code, res.statusCode);
    assert.match(env.request_id, /^[0-9a-f]{32}$/);
  }
  assert.ok(seen.has(200) && seen.has(400), `the inputs reach both the handlers and the checks (seen ${[...seen].join(', ')})`);
});
