import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { TrunklineError } from '../core/index.js';
import type { DialectName, StoreLocation } from './dialect.js';
import type { Database } from './schema.js';
import { MIGRATIONS, type StoreMigration } from './migrations/index.js';
import { applyMigrations } from './migrate.js';
import { StatementCache } from './statement-cache.js';

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
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new StatementCache(sqlite) }) });
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
  return connection(db, 'postgres', migrations);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

function connection(db: Kysely<Database>, dialect: DialectName, migrations: readonly StoreMigration[]): StoreConnection {
  return {
    db,
    dialect,
    migrate() {
      return applyMigrations(db as unknown as Kysely<unknown>, dialect, migrations);
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
