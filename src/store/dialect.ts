import { TrunklineError } from '../core/index.js';

export type DialectName = 'sqlite' | 'postgres';

/** Where the store lives: an SQLite file in the data directory, or a PostgreSQL database. */
export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema?: string };

/** SQLite: SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY; PostgreSQL: SQLSTATE 23505 unique_violation. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** Turns a unique violation into STORE_DUPLICATE naming what was duplicated; rethrows the rest. */
export function mapDuplicate(err: unknown, what: string): never {
  if (isUniqueViolation(err)) throw new TrunklineError('STORE_DUPLICATE', `${what} already exists`, { cause: err, details: { what } });
  throw err;
}
