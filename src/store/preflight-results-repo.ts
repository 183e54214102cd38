import type { Kysely } from 'kysely';
import { randomBytes } from 'node:crypto';
import { isoSeconds, type Clock } from '../core/index.js';

/**
 * Preflight reports stored by the API (POST …/preflight-results). The report is opaque JSON
 * here (its shape is src/preflight's); the row keeps what lists and bundles filter on.
 */
export interface PreflightResultRow {
  readonly id: string;
  readonly account_sid: string;
  readonly trunk_sid: string | null;
  readonly trunk_domain: string;
  readonly ok: boolean;
  readonly created_at: string;
  readonly report: unknown;
}

interface PreflightResultsTable {
  id: string;
  account_sid: string;
  trunk_sid: string | null;
  trunk_domain: string;
  ok: number;
  created_at: string;
  report: string;
}

export interface PreflightResultsDatabase {
  preflight_results: PreflightResultsTable;
}

function fromRow(r: PreflightResultsTable): PreflightResultRow {
  return { id: r.id, account_sid: r.account_sid, trunk_sid: r.trunk_sid, trunk_domain: r.trunk_domain, ok: Number(r.ok) === 1, created_at: r.created_at, report: JSON.parse(r.report) as unknown };
}

export class PreflightResultsRepo {
  readonly #db: Kysely<PreflightResultsDatabase>;
  readonly #clock: Clock;

  constructor(db: Kysely<PreflightResultsDatabase>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  async save(input: { readonly accountSid: string; readonly trunkSid: string | null; readonly trunkDomain: string; readonly ok: boolean; readonly report: unknown }): Promise<PreflightResultRow> {
    const now = this.#clock.now();
    // Sortable and unique: milliseconds then randomness (two runs in one second stay ordered).
    const id = `${now.toString(16).padStart(12, '0')}${randomBytes(4).toString('hex')}`;
    const row: PreflightResultsTable = { id, account_sid: input.accountSid, trunk_sid: input.trunkSid, trunk_domain: input.trunkDomain, ok: input.ok ? 1 : 0, created_at: isoSeconds(now), report: JSON.stringify(input.report) };
    await this.#db.insertInto('preflight_results').values(row).execute();
    return fromRow(row);
  }

  /** Newest first; `trunkSid` narrows to one trunk. */
  async list(accountSid: string, options: { readonly trunkSid?: string; readonly offset: number; readonly limit: number }): Promise<{ readonly items: readonly PreflightResultRow[]; readonly total: number }> {
    let base = this.#db.selectFrom('preflight_results').where('account_sid', '=', accountSid);
    if (options.trunkSid) base = base.where('trunk_sid', '=', options.trunkSid);
    const count = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    const rows = await base.selectAll().orderBy('id', 'desc').limit(options.limit).offset(options.offset).execute();
    return { items: rows.map(fromRow), total: Number(count?.n ?? 0) };
  }

  async get(accountSid: string, id: string): Promise<PreflightResultRow | undefined> {
    const row = await this.#db.selectFrom('preflight_results').selectAll().where('account_sid', '=', accountSid).where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** The latest result for a trunk: what a support bundle of one of its calls carries. */
  async latestForTrunk(accountSid: string, trunkSid: string): Promise<PreflightResultRow | undefined> {
    const row = await this.#db.selectFrom('preflight_results').selectAll().where('account_sid', '=', accountSid).where('trunk_sid', '=', trunkSid).orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }
}
