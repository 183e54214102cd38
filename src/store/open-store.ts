import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration, type MigrationProvider } from 'kysely';
import { TrunklineError } from '../core/index.js';
import type { DialectName, StoreLocation } from './dialect.js';
import type { Database } from './schema.js';
import { MIGRATIONS, type StoreMigration } from './migrations/index.js';

/** An open store: the Kysely instance every repo is built on, its dialect, and close(). */
export interface StoreConnection {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** Applies pending migrations; returns the names applied by this call. */
  migrate(): Promise<readonly string[]>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Migrations to apply; defaults to MIGRATIONS. */
  readonly migrations?: readonly StoreMigration[];
}

export async function openStore(location: StoreLocation, options: OpenStoreOptions = {}): Promise<StoreConnection> {
  const migrations = options.migrations ?? MIGRATIONS;
  if (location.kind === 'sqlite') {
    let sqlite: SqliteDatabase.Database;
    try {
      mkdirSync(dirname(location.file), { recursive: true });
      sqlite = new SqliteDatabase(location.file);
    } catch (err) {
      throw new TrunklineError('STORE_BAD_LOCATION', `cannot open SQLite file ${location.file}: ${(err as Error).message}`, { cause: err });
    }
    // WAL: readers never block the writer. synchronous=NORMAL in WAL mode keeps every
    // committed transaction across a crash of the process (kill -9: the WAL is in the OS
    // cache); only a power loss or OS crash may undo the last commits, which FULL would
    // prevent at the price of one fsync per write.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    return connection(db, 'sqlite', migrations);
  }
  const pool = new pg.Pool({
    connectionString: location.url,
    max: 10,
    // A schema of its own (tests run in a fresh one); set on every pooled connection.
    ...(location.schema ? { options: `-c search_path=${location.schema}` } : {}),
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => {});
    throw new TrunklineError('STORE_BAD_LOCATION', `cannot connect to ${redact(location.url)}: ${(err as Error).message}`, { cause: err });
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return connection(db, 'postgres', migrations, location.schema ?? searchPathOf(location.url));
}

/**
 * The schema a postgres:// URL selects with `options=-c search_path=NAME` (how an operator
 * or a test gives serve a schema of its own): Kysely's migration table and lock belong there too.
 */
function searchPathOf(url: string): string | undefined {
  let options: string | null;
  try {
    options = new URL(url).searchParams.get('options');
  } catch {
    return undefined;
  }
  const m = /(?:^|\s)-c\s*search_path=([A-Za-z_][A-Za-z0-9_]*)(?:\s|$)/.exec(options ?? '');
  return m?.[1];
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

function connection(db: Kysely<Database>, dialect: DialectName, migrations: readonly StoreMigration[], schema?: string): StoreConnection {
  return {
    db,
    dialect,
    async migrate() {
      const provider: MigrationProvider = {
        async getMigrations() {
          const all: Record<string, Migration> = {};
          for (const m of migrations) all[m.name] = { up: (tx) => m.up(tx, dialect) };
          return all;
        },
      };
      // Kysely's Migrator keeps a migration table and a lock, so two edges starting at
      // once on one PostgreSQL database do not both apply a migration.
      // With a schema of its own, the migration table and lock are looked for in that schema:
      // otherwise Kysely finds another schema's kysely_migration_lock in the same database,
      // skips creating its own, and the migration fails (seen with two test runs side by side).
      const { error, results } = await new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) }).migrateToLatest();
      if (error) {
        const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
        throw new TrunklineError('STORE_MIGRATION_FAILED', `migration ${failed} failed: ${(error as Error).message}`, { cause: error, details: { migration: failed } });
      }
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    },
    async close() {
      await db.destroy();
    },
  };
}

/** Liveness of the store for /healthz. */
export async function pingStore(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
