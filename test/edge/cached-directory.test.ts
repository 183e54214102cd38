import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRepos, ProvisioningWatch, type Repos } from '../../src/store/index.js';
import { CachedDirectory, StoreDirectory } from '../../src/edge/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { sqliteTestStore, type TestStore } from '../store/support.js';

// Issue 13: serve on SQLite keeps the edge's lookups (ACL, account, number) and drops them at
// every provisioning write through its repos, so an API change applies to the next call; a
// writer it is not told of (another process on the file) is seen after maxAgeMs. The clock
// never moves here unless a test says so: what a test sees is the invalidation, not an expiry.

async function setup(): Promise<{ store: TestStore; repos: Repos; unwatched: Repos; dir: CachedDirectory; clock: FakeClock; trunk: Awaited<ReturnType<Repos['trunks']['create']>> }> {
  const store = await sqliteTestStore();
  const clock = new FakeClock();
  const watch = new ProvisioningWatch();
  const repos = createRepos(store.conn.db.withPlugin(watch), clock);
  const dir = new CachedDirectory(new StoreDirectory(repos.read, 'pstn.test'), clock);
  watch.onChange(() => dir.invalidate());
  await repos.accounts.create('acc_cache');
  const a = (await repos.accounts.findBySid('acc_cache'))!;
  const trunk = await repos.trunks.create(a.id, a.sid, { trunk_name: 'pbx', nso_code: 'ANY-ANY', domain_name: 'acc_cache.pstn.test' });
  return { store, repos, unwatched: createRepos(store.conn.db, clock), dir, clock, trunk };
}

test('a trunk change, a whitelisted network removed and a number added through the repos show in the very next lookup', async () => {
  const { store, repos, dir, trunk } = await setup();
  try {
    const net = await repos.whitelistedIps.create(trunk, { ip: '192.0.2.0', mask: 24 });
    assert.deepEqual((await dir.trunk(trunk.sid))?.whitelist, ['192.0.2.0/24']);
    assert.equal((await dir.trunksOfAccount('acc_cache'))[0].status, 'active');
    assert.equal(await dir.numberByE164('+919876541111'), undefined);

    await repos.trunks.update('acc_cache', trunk.sid, { status: 'inactive' });
    assert.equal((await dir.trunksOfAccount('acc_cache'))[0].status, 'inactive');
    await repos.whitelistedIps.delete(trunk, net.id);
    assert.deepEqual((await dir.trunk(trunk.sid))?.whitelist, []);
    await repos.phoneNumbers.create(trunk, { phone_number: '+919876541111', mode: 'pstn' });
    assert.equal((await dir.numberByE164('+919876541111'))?.trunkSid, trunk.sid);
  } finally {
    await store.cleanup();
  }
});

test('without a provisioning write a lookup is served from the cache until maxAgeMs, then read again', async () => {
  const { store, unwatched, dir, clock, trunk } = await setup();
  try {
    assert.equal((await dir.trunk(trunk.sid))?.status, 'active');
    // Another writer on the same file: not told to the watch.
    await unwatched.trunks.update('acc_cache', trunk.sid, { status: 'inactive' });
    assert.equal((await dir.trunk(trunk.sid))?.status, 'active', 'kept: no write this process saw');
    clock.advance(1000);
    assert.equal((await dir.trunk(trunk.sid))?.status, 'inactive');
  } finally {
    await store.cleanup();
  }
});

test('writes to registrations and idempotency keys do not drop the cache; a write to trunks does', async () => {
  const store = await sqliteTestStore();
  try {
    const watch = new ProvisioningWatch();
    let changes = 0;
    watch.onChange(() => changes++);
    const db = store.conn.db.withPlugin(watch);
    await db.insertInto('idempotency_keys').values({} as never).execute().catch(() => undefined);
    await db.deleteFrom('registrations').execute();
    assert.equal(changes, 0);
    await db.updateTable('trunks').set({ status: 'inactive' }).execute();
    assert.ok(changes > 0);
  } finally {
    await store.cleanup();
  }
});
