import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type StoreConnection } from '../../src/store/index.js';

/** A store opened for one test file and a cleanup that removes every trace of it. */
export interface TestStore {
  readonly conn: StoreConnection;
  cleanup(): Promise<void>;
}

export async function sqliteTestStore(): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-store-'));
  const conn = await openStore({ kind: 'sqlite', file: join(dir, 'trunkline.db') });
  await conn.migrate();
  return {
    conn,
    async cleanup() {
      await conn.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const PG_HOST = process.env.PGHOST ?? '127.0.0.1';
const PG_USERS = ['postgres', 'root'];

/** The first user the local server accepts (CI has `postgres`, some machines only `root`). */
async function pgUrl(): Promise<string> {
  let last: unknown;
  for (const user of PG_USERS) {
    const url = `postgres://${user}@${PG_HOST}:5432/test`;
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return url;
    } catch (err) {
      last = err;
      await client.end().catch(() => {});
    }
  }
  throw new Error(`PostgreSQL at ${PG_HOST}:5432 database test accepted none of ${PG_USERS.join(', ')}: ${String(last)}`);
}

/** A fresh schema per run on the machine's PostgreSQL, dropped at cleanup. */
export async function postgresTestStore(): Promise<TestStore> {
  const url = await pgUrl();
  const schema = `tl_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const conn = await openStore({ kind: 'postgres', url, schema });
  await conn.migrate();
  return {
    conn,
    async cleanup() {
      await conn.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

/**
 * A fresh schema on the machine's PostgreSQL for a process that takes a --db URL (serve,
 * accounts create): `db` selects the schema through search_path; `drop` removes it.
 */
export interface PgSchema {
  readonly schema: string;
  readonly db: string;
  query<R extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

export async function pgSchema(prefix: string): Promise<PgSchema> {
  const url = await pgUrl();
  const schema = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  return {
    schema,
    db: `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    query: async <R extends Record<string, unknown>>(sql: string, params?: unknown[]) => (await admin.query(sql, params)).rows as R[],
    async drop() {
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    },
  };
}

export { pgUrl };
