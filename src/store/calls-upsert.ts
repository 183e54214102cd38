import type { Kysely } from 'kysely';
import type { CallsDatabase, CallsTable } from './calls-repo.js';

/** Rows of one INSERT: 25 columns × 200 stays under every SQLite build's bound-parameter limit. */
export const BATCH_ROWS = 200;

/** The columns an upsert overwrites: all but the key. */
const UPDATED: readonly Exclude<keyof CallsTable, 'call_sid'>[] = [
  'account_sid', 'trunk_sid', 'direction', 'from_number', 'to_number', 'source_address', 'transport', 'sip_call_id', 'status',
  'started_at', 'answered_at', 'ended_at', 'final_code', 'final_reason', 'final_by', 'end_cause', 'edge_cause', 'duration_s',
  'setup_ms', 'findings', 'events', 'trace', 'media', 'node_id',
];

/** Every column in the order the upsert binds them. */
export const COLUMNS: readonly (keyof CallsTable)[] = ['call_sid', ...UPDATED];

/** The upsert of `rows` as Kysely builds it (compiled once per row count by CallsRepo; its parameters are upsertParameters). */
export function upsertQuery(db: Kysely<CallsDatabase>, rows: readonly CallsTable[]) {
  return db.insertInto('calls').values([...rows])
    .onConflict((oc) => oc.column('call_sid').doUpdateSet((eb) => Object.fromEntries(UPDATED.map((c) => [c, eb.ref(`excluded.${c}`)]))));
}

/** The SQL of upsertQuery for `count` rows, whatever their values: built over rows of nulls, every column present. */
export function upsertSql(db: Kysely<CallsDatabase>, count: number): string {
  const blank = Object.fromEntries(COLUMNS.map((c) => [c, null])) as unknown as CallsTable;
  return upsertQuery(db, Array.from({ length: count }, () => blank)).compile().sql;
}

/** The values Kysely binds for upsertQuery(rows): row by row, each in COLUMNS order (a column left undefined is NULL, as Kysely's DEFAULT is here). */
export function upsertParameters(rows: readonly CallsTable[]): unknown[] {
  const out = new Array<unknown>(rows.length * COLUMNS.length);
  let i = 0;
  for (const row of rows) for (const c of COLUMNS) out[i++] = row[c] ?? null;
  return out;
}

/**
 * The upsert's SQL by row count (at most BATCH_ROWS texts): Kysely builds and compiles the
 * statement once per row count and each batch's rows are bound to that text — building it for
 * every batch was ~1 % of serve's CPU (issue 13). A test holds it equal to upsertQuery's on both dialects.
 */
export class UpsertSql {
  readonly #db: Kysely<CallsDatabase>;
  readonly #byCount = new Map<number, string>();

  constructor(db: Kysely<CallsDatabase>) {
    this.#db = db;
  }

  for(count: number): string {
    let text = this.#byCount.get(count);
    if (text === undefined) {
      text = upsertSql(this.#db, count);
      this.#byCount.set(count, text);
    }
    return text;
  }
}
