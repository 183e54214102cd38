import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, type Migration } from 'kysely';
import { MIGRATIONS, openStore } from '../../src/store/index.js';
import { pgSchema } from './support.js';

test('migrating a PostgreSQL schema succeeds while other schemas of the same database are created and dropped (no cross-schema introspection race)', async () => {
  // Kysely's Migrator listed every schema's tables with pg_get_serial_sequence(); a schema
  // dropped meanwhile made it fail with `relation "…" does not exist` (seen with test files
  // running side by side). The churn below drops populated schemas while four stores migrate.
  const churn = await pgSchema('tl_churn');
  let stop = false;
  const churning = (async () => {
    for (let i = 0; !stop && i < 200; i++) {
      const name = `${churn.schema}_${i}`;
      await churn.query(`create schema ${name}`);
      await churn.query(`create table ${name}.t1 (id serial primary key, v text)`);
      await churn.query(`create table ${name}.kysely_migration_lock (id varchar(255) primary key, is_locked integer not null default 0)`);
      await churn.query(`drop schema ${name} cascade`);
    }
  })();
  const schemas = await Promise.all([0, 1, 2, 3].map(() => pgSchema('tl_mig')));
  try {
    const applied = await Promise.all(schemas.map(async (s) => {
      const conn = await openStore({ kind: 'postgres', url: s.db });
      try {
        return await conn.migrate();
      } finally {
        await conn.close();
      }
    }));
    for (const names of applied) assert.deepEqual(names, MIGRATIONS.map((m) => m.name));
  } finally {
    stop = true;
    await churning;
    await Promise.all(schemas.map((s) => s.drop()));
    await churn.drop();
  }
});

test('two edges migrating one PostgreSQL schema at once apply each migration once', async () => {
  const s = await pgSchema('tl_mig2');
  const a = await openStore({ kind: 'postgres', url: s.db });
  const b = await openStore({ kind: 'postgres', url: s.db });
  try {
    const [ra, rb] = await Promise.all([a.migrate(), b.migrate()]);
    assert.deepEqual([...ra, ...rb].sort(), MIGRATIONS.map((m) => m.name).sort());
    const rows = await s.query<{ n: string }>(`select count(*)::text as n from ${s.schema}.kysely_migration`);
    assert.equal(rows[0]!.n, String(MIGRATIONS.length));
  } finally {
    await a.close();
    await b.close();
    await s.drop();
  }
});

test('a SQLite store migrated by an earlier trunkline (Kysely\'s Migrator) gets only the migrations it lacks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-migrate-'));
  const file = join(dir, 'trunkline.db');
  try {
    const old = await openStore({ kind: 'sqlite', file });
    const firstTwo: Record<string, Migration> = {};
    for (const m of MIGRATIONS.slice(0, 2)) firstTwo[m.name] = { up: (db) => m.up(db, 'sqlite') };
    const r = await new Migrator({ db: old.db, provider: { getMigrations: async () => firstTwo } }).migrateToLatest();
    assert.equal(r.error, undefined);
    await old.close();

    const conn = await openStore({ kind: 'sqlite', file });
    try {
      assert.deepEqual(await conn.migrate(), MIGRATIONS.slice(2).map((m) => m.name));
      assert.deepEqual(await conn.migrate(), []);
    } finally {
      await conn.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a migration that fails leaves nothing half-applied and names itself (STORE_MIGRATION_FAILED)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-migrate-'));
  try {
    const broken = [MIGRATIONS[0]!, { name: '999-broken', up: async () => { throw new Error('boom'); } }];
    const conn = await openStore({ kind: 'sqlite', file: join(dir, 'x.db') }, { migrations: broken });
    try {
      await assert.rejects(conn.migrate(), (err: { code?: string; message: string }) => err.code === 'STORE_MIGRATION_FAILED' && /999-broken/.test(err.message));
      // The whole run was one transaction: the first migration is not recorded either.
      await assert.rejects(conn.migrate(), /999-broken/);
    } finally {
      await conn.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
