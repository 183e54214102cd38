import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isTrunklineError } from '../../src/core/index.js';
import { computeHa1 } from '../../src/sip/index.js';
import { createRepos, MIGRATIONS, type Repos, type StoreConnection } from '../../src/store/index.js';
import { FakeClock } from '../support/fake-clock.js';
import type { TestStore } from './support.js';
import { registrationsConformance } from './registrations-conformance.js';

/**
 * One suite for every store dialect (CONVENTIONS habit 6): sqlite.test.ts and
 * postgres.test.ts run exactly these tests.
 */
export function storeConformance(dialect: string, open: () => Promise<TestStore>): void {
  describe(`store on ${dialect}`, () => {
    let store: TestStore;
    let conn: StoreConnection;
    let repos: Repos;
    const clock = new FakeClock(Date.parse('2026-01-23T09:24:59Z'));

    before(async () => {
      store = await open();
      conn = store.conn;
      repos = createRepos(conn.db, clock);
    });
    after(async () => {
      await store?.cleanup();
    });

    async function account(sid: string) {
      await repos.accounts.create(sid);
      const a = await repos.accounts.findBySid(sid);
      assert.ok(a);
      return a;
    }

    test('migrations are applied once: a second migrate() applies nothing', async () => {
      assert.deepEqual(await conn.migrate(), []);
      assert.equal(MIGRATIONS[0].name, '001-initial');
    });

    test('an account token is stored hashed and verifies only with the right key and token', async () => {
      const created = await repos.accounts.create('acc_hash');
      const row = await conn.db.selectFrom('accounts').selectAll().where('sid', '=', 'acc_hash').executeTakeFirstOrThrow();
      assert.notEqual(row.token_hash, created.api_token);
      assert.ok(!JSON.stringify(row).includes(created.api_token), 'the token appears nowhere in the row');
      assert.equal((await repos.accounts.verify(created.api_key, created.api_token))?.sid, 'acc_hash');
      assert.equal(await repos.accounts.verify(created.api_key, `${created.api_token}x`), undefined);
      assert.equal(await repos.accounts.verify('nokey', created.api_token), undefined);
      await assert.rejects(repos.accounts.create('acc_hash'), (e) => isTrunklineError(e, 'STORE_DUPLICATE'));
    });

    test('trunk names are unique per account, not across accounts; lists are newest first', async () => {
      const a = await account('acc_trunks');
      const b = await account('acc_trunks_b');
      const t1 = await repos.trunks.create(a.id, a.sid, { trunk_name: 'one', nso_code: 'ANY-ANY', domain_name: 'acc_trunks.pstn.test' });
      clock.advance(1000);
      const t2 = await repos.trunks.create(a.id, a.sid, { trunk_name: 'two', nso_code: 'ANY-ANY', domain_name: 'acc_trunks.pstn.test' });
      await assert.rejects(repos.trunks.create(a.id, a.sid, { trunk_name: 'one', nso_code: 'ANY-ANY', domain_name: 'x' }), (e) => isTrunklineError(e, 'STORE_DUPLICATE'));
      await repos.trunks.create(b.id, b.sid, { trunk_name: 'one', nso_code: 'ANY-ANY', domain_name: 'x' });
      const page = await repos.trunks.list(a.sid, { offset: 0, limit: 10 });
      assert.equal(page.total, 2);
      assert.deepEqual(page.items.map((t) => t.sid), [t2.sid, t1.sid]);
      assert.equal(t1.created_at, '2026-01-23T09:24:59Z');
      assert.deepEqual(t1.failover_codes, [408, 500, 502, 503, 504]);
      assert.equal(await repos.trunks.get(b.sid, t1.sid), undefined, 'another account does not see the trunk');
      const changed = await repos.trunks.update(a.sid, t1.sid, { status: 'inactive', failover_codes: [503], max_concurrent_calls: 5 });
      assert.equal(changed?.status, 'inactive');
      assert.deepEqual(changed?.failover_codes, [503]);
      assert.equal(changed?.max_concurrent_calls, 5);
    });

    test('a phone number maps to one trunk on the whole platform', async () => {
      const a = await account('acc_num_a');
      const b = await account('acc_num_b');
      const ta = await repos.trunks.create(a.id, a.sid, { trunk_name: 'ta', nso_code: 'ANY-ANY', domain_name: 'd' });
      const tb = await repos.trunks.create(b.id, b.sid, { trunk_name: 'tb', nso_code: 'ANY-ANY', domain_name: 'd' });
      await repos.phoneNumbers.create(ta, { phone_number: '+919876543210', mode: 'pstn' });
      await assert.rejects(repos.phoneNumbers.create(tb, { phone_number: '+919876543210', mode: null }), (e) => isTrunklineError(e, 'STORE_DUPLICATE'));
      const route = await repos.read.numberRoute('+919876543210');
      assert.equal(route?.kind, 'mapped');
      assert.equal(route?.kind === 'mapped' ? route.trunk_sid : '', ta.sid);
    });

    test('a removed number is remembered for 30 days (the edge answers 410), then forgotten; mapping again clears it', async () => {
      const a = await account('acc_removed');
      const t = await repos.trunks.create(a.id, a.sid, { trunk_name: 'tr', nso_code: 'ANY-ANY', domain_name: 'd' });
      const n = await repos.phoneNumbers.create(t, { phone_number: '+14155550123', mode: null });
      assert.ok(await repos.phoneNumbers.delete(t, n.id));
      const removed = await repos.read.numberRoute('+14155550123');
      assert.equal(removed?.kind, 'removed');
      clock.advance(31 * 24 * 3600 * 1000);
      assert.equal(await repos.read.numberRoute('+14155550123'), undefined);
      await repos.phoneNumbers.create(t, { phone_number: '+14155550123', mode: 'flow' });
      assert.equal((await repos.read.numberRoute('+14155550123'))?.kind, 'mapped');
    });

    test('deleting a trunk removes everything under it in one transaction and returns the trunk', async () => {
      const a = await account('acc_cascade');
      const t = await repos.trunks.create(a.id, a.sid, { trunk_name: 'gone', nso_code: 'ANY-ANY', domain_name: 'acc_cascade.pstn.test' });
      await repos.phoneNumbers.create(t, { phone_number: '+442079460000', mode: null });
      await repos.whitelistedIps.create(t, { ip: '10.0.0.0', mask: 24 });
      await repos.destinationUris.create(t, { destination: 'sip:10.0.0.5:5060;transport=udp', priority: 0, weight: 1 });
      await repos.credentials.create(t, { user_name: 'u1', password: 'secret-pass', friendly_name: null });
      await repos.settings.put(t, 'trunk_external_alias', '+919876543211');
      const deleted = await repos.trunks.delete(a.sid, t.sid);
      assert.equal(deleted?.sid, t.sid);
      for (const table of ['phone_numbers', 'whitelisted_ips', 'destination_uris', 'credentials', 'trunk_settings'] as const) {
        const left = await conn.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('trunk_id', '=', t.id).executeTakeFirstOrThrow();
        assert.equal(Number(left.n), 0, `${table} emptied`);
      }
      assert.equal((await repos.read.numberRoute('+442079460000'))?.kind, 'removed');
      assert.equal(await repos.trunks.delete(a.sid, t.sid), undefined);
    });

    test('whitelisted networks, destinations and credentials are unique per trunk / account', async () => {
      const a = await account('acc_uniq');
      const t = await repos.trunks.create(a.id, a.sid, { trunk_name: 'u', nso_code: 'ANY-ANY', domain_name: 'acc_uniq.pstn.test' });
      const t2 = await repos.trunks.create(a.id, a.sid, { trunk_name: 'u2', nso_code: 'ANY-ANY', domain_name: 'acc_uniq.pstn.test' });
      await repos.whitelistedIps.create(t, { ip: '192.168.0.0', mask: 16 });
      await assert.rejects(repos.whitelistedIps.create(t, { ip: '192.168.0.0', mask: 16 }), (e) => isTrunklineError(e, 'STORE_DUPLICATE'));
      await repos.whitelistedIps.create(t, { ip: '192.168.0.0', mask: 24 });
      await repos.destinationUris.create(t, { destination: 'sip:pbx.example.com;transport=tls', priority: 0, weight: 1 });
      await assert.rejects(repos.destinationUris.create(t, { destination: 'sip:pbx.example.com;transport=tls', priority: 1, weight: 1 }), (e) => isTrunklineError(e, 'STORE_DUPLICATE'));
      await repos.credentials.create(t, { user_name: 'alice', password: 'password1', friendly_name: 'A' });
      await assert.rejects(repos.credentials.create(t2, { user_name: 'alice', password: 'password2', friendly_name: null }), (e) => isTrunklineError(e, 'STORE_DUPLICATE'));
    });

    test('credentials keep only RFC 7616 HA1 hashes (MD5 and SHA-256) with realm = the trunk domain', async () => {
      const a = await account('acc_cred');
      const t = await repos.trunks.create(a.id, a.sid, { trunk_name: 'c', nso_code: 'ANY-ANY', domain_name: 'acc_cred.pstn.test' });
      const c = await repos.credentials.create(t, { user_name: 'bob', password: 'hunter2hunter2', friendly_name: null });
      assert.equal(c.realm, 'acc_cred.pstn.test');
      assert.equal(c.ha1_md5, computeHa1('MD5', 'bob', 'acc_cred.pstn.test', 'hunter2hunter2'));
      assert.equal(c.ha1_sha256, computeHa1('SHA-256', 'bob', 'acc_cred.pstn.test', 'hunter2hunter2'));
      const row = await conn.db.selectFrom('credentials').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
      assert.ok(!JSON.stringify(row).includes('hunter2hunter2'), 'the password is stored nowhere');
      const changed = await repos.credentials.update(t, c.id, { password: 'newpassword' });
      assert.equal(changed?.ha1_md5, computeHa1('MD5', 'bob', 'acc_cred.pstn.test', 'newpassword'));
    });

    test('settings are upserted by name', async () => {
      const a = await account('acc_set');
      const t = await repos.trunks.create(a.id, a.sid, { trunk_name: 's', nso_code: 'ANY-ANY', domain_name: 'd' });
      await repos.settings.put(t, 'trunk_external_alias', '+919876543210');
      await repos.settings.put(t, 'trunk_external_alias', '+919876543211');
      assert.deepEqual((await repos.settings.list(t)).map((s) => [s.name, s.value]), [['trunk_external_alias', '+919876543211']]);
      assert.ok(await repos.settings.delete(t, 'trunk_external_alias'));
      assert.equal((await repos.settings.list(t)).length, 0);
    });

    test('the read model gives the edge whole trunks: networks, credentials, destinations by priority then weight, settings', async () => {
      const a = await account('acc_read');
      const t = await repos.trunks.create(a.id, a.sid, { trunk_name: 'r', nso_code: 'ANY-ANY', domain_name: 'acc_read.pstn.test' });
      await repos.whitelistedIps.create(t, { ip: '203.0.113.0', mask: 24 });
      await repos.destinationUris.create(t, { destination: 'sip:203.0.113.9:5060;transport=udp', priority: 5, weight: 1 });
      await repos.destinationUris.create(t, { destination: 'sip:203.0.113.7:5060;transport=udp', priority: 1, weight: 1 });
      await repos.destinationUris.create(t, { destination: 'sip:203.0.113.8:5060;transport=udp', priority: 1, weight: 9 });
      await repos.credentials.create(t, { user_name: 'carol', password: 'password9', friendly_name: null });
      await repos.settings.put(t, 'trunk_external_alias', '+919876543212');
      assert.equal((await repos.read.findAccountBySid('acc_read'))?.sid, 'acc_read');
      const views = await repos.read.trunksOfAccount('acc_read');
      assert.equal(views.length, 1);
      const v = views[0];
      assert.deepEqual(v.whitelisted.map((w) => `${w.ip}/${w.mask}`), ['203.0.113.0/24']);
      assert.deepEqual(v.destinations.map((d) => d.destination), ['sip:203.0.113.8:5060;transport=udp', 'sip:203.0.113.7:5060;transport=udp', 'sip:203.0.113.9:5060;transport=udp']);
      assert.equal(v.credentials[0].user_name, 'carol');
      assert.deepEqual(v.settings, { trunk_external_alias: '+919876543212' });
      assert.equal((await repos.read.trunkBySid(t.sid))?.trunk.sid, t.sid);
      assert.ok((await repos.read.allTrunks()).some((x) => x.trunk.sid === t.sid));
    });

    test('50 concurrent identical creates end in exactly one row (unique constraint, not check-then-insert)', async () => {
      const a = await account('acc_race');
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, () => repos.trunks.create(a.id, a.sid, { trunk_name: 'race', nso_code: 'ANY-ANY', domain_name: 'd' })),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      assert.ok(results.every((r) => r.status === 'fulfilled' || isTrunklineError(r.reason, 'STORE_DUPLICATE')));
    });

    test('an idempotency key is reserved once: a concurrent second request sees it pending, then the first answer', async () => {
      const tries = await Promise.all(Array.from({ length: 10 }, () => repos.idempotency.reserve('acc_idem', 'k1', 'h1')));
      assert.equal(tries.filter((t) => t.kind === 'reserved').length, 1);
      assert.ok(tries.every((t) => t.kind === 'reserved' || (t.kind === 'pending' && t.request_hash === 'h1')));
      await repos.idempotency.complete('acc_idem', 'k1', { request_hash: 'h1', status_code: 200, response_body: '{"a":1}' });
      assert.deepEqual(await repos.idempotency.reserve('acc_idem', 'k1', 'h2'), { kind: 'answered', answer: { request_hash: 'h1', status_code: 200, response_body: '{"a":1}' } });
      assert.equal((await repos.idempotency.reserve('other', 'k1', 'h1')).kind, 'reserved', 'keys are per account');
      await repos.idempotency.release('other', 'k1');
      assert.equal((await repos.idempotency.reserve('other', 'k1', 'h3')).kind, 'reserved', 'a released key is free again');
    });

    test('a reservation whose request died is taken over after a minute', async () => {
      assert.equal((await repos.idempotency.reserve('acc_idem', 'dead', 'h1')).kind, 'reserved');
      assert.equal((await repos.idempotency.reserve('acc_idem', 'dead', 'h1')).kind, 'pending');
      clock.advance(61_000);
      assert.equal((await repos.idempotency.reserve('acc_idem', 'dead', 'h1')).kind, 'reserved');
    });

    registrationsConformance(() => repos, clock);
  });
}
