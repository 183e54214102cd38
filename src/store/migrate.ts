import { sql, type Kysely } from 'kysely';
import { TrunklineError } from '../core/index.js';
import type { DialectName } from './dialect.js';
import type { StoreMigration } from './migrations/index.js';

/**
 * The table that remembers applied migrations. Its name and columns are Kysely's Migrator's,
 * so a store migrated by an earlier trunkline (which used Kysely's Migrator) is read as is.
 */
const MIGRATION_TABLE = 'kysely_migration';

/**
 * Applies the migrations not yet recorded, in order, in one transaction, holding a lock so two
 * edges starting at once on one database apply each migration once.
 *
 * Why not Kysely's Migrator: it checks for its tables by introspecting every schema of the
 * database, calling pg_get_serial_sequence() on each table it lists; when another schema's table
 * is dropped at that moment (test runs, tenants side by side on one PostgreSQL) the query fails
 * with `relation "…" does not exist` and the migration with it. Here nothing looks outside the
 * store's own schema (the connection's search_path), and the lock is per schema.
 */
export async function applyMigrations(db: Kysely<unknown>, dialect: DialectName, migrations: readonly StoreMigration[]): Promise<string[]> {
  return db.connection().execute(async (conn) => {
    // SQLite: IMMEDIATE takes the write lock at once, so a second process waits (busy_timeout)
    // instead of both reading "not applied". PostgreSQL: DDL is transactional, and the advisory
    // lock (released at commit) serialises edges migrating the same schema.
    await sql.raw(dialect === 'sqlite' ? 'begin immediate' : 'begin').execute(conn);
    let current: string | undefined;
    try {
      if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext('trunkline-migrate:' || current_schema()))`.execute(conn);
      await sql`create table if not exists ${sql.table(MIGRATION_TABLE)} (name varchar(255) not null primary key, timestamp varchar(255) not null)`.execute(conn);
      const rows = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(conn);
      const done = new Set(rows.rows.map((r) => r.name));
      const applied: string[] = [];
      for (const m of migrations) {
        if (done.has(m.name)) continue;
        current = m.name;
        await m.up(conn, dialect);
        await sql`insert into ${sql.table(MIGRATION_TABLE)} (name, timestamp) values (${m.name}, ${new Date().toISOString()})`.execute(conn);
        applied.push(m.name);
      }
      await sql.raw('commit').execute(conn);
      return applied;
    } catch (err) {
      await sql.raw('rollback').execute(conn).catch(() => {});
      const failed = current ?? 'migration table';
      throw new TrunklineError('STORE_MIGRATION_FAILED', `migration ${failed} failed: ${(err as Error).message}`, { cause: err, details: { migration: failed } });
    }
  });
}
