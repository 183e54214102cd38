import type { Kysely } from 'kysely';
import { isoSeconds, newTrunkSid, type Clock } from '../core/index.js';
import { mapDuplicate } from './dialect.js';
import { toTrunk } from './rows.js';
import type { Database } from './schema.js';
import type { NewTrunk, Page, Paged, Trunk, TrunkPatch } from './types.js';

/** SPEC §1 defaults of a new trunk. */
export const DEFAULT_FAILOVER_CODES: readonly number[] = [408, 500, 502, 503, 504];
export const DEFAULT_CALLS_PER_MINUTE = 200;

/** After this long a removed number is forgotten and the edge answers 404 instead of 410. */
export const REMOVED_NUMBER_MEMORY_MS = 30 * 24 * 3600 * 1000;

export class TrunksRepo {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  async create(accountId: number, accountSid: string, input: NewTrunk): Promise<Trunk> {
    const now = isoSeconds(this.#clock.now());
    try {
      const row = await this.#db
        .insertInto('trunks')
        .values({
          sid: newTrunkSid(), account_id: accountId, account_sid: accountSid, trunk_name: input.trunk_name, nso_code: input.nso_code,
          domain_name: input.domain_name, status: 'active', auth_mode: 'ip', secure_trunking: 'disabled', registration_enabled: 0,
          edge_preference: 'auto', calls_per_minute: DEFAULT_CALLS_PER_MINUTE, max_concurrent_calls: null,
          failover_codes: JSON.stringify(DEFAULT_FAILOVER_CODES), disaster_recovery_uri: null, flow_uri: null, created_at: now, updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toTrunk(row);
    } catch (err) {
      return mapDuplicate(err, `trunk_name ${input.trunk_name}`);
    }
  }

  /** The trunk if it belongs to this account; another account's trunk is simply not found. */
  async get(accountSid: string, trunkSid: string): Promise<Trunk | undefined> {
    const row = await this.#db.selectFrom('trunks').selectAll().where('sid', '=', trunkSid).where('account_sid', '=', accountSid).executeTakeFirst();
    return row ? toTrunk(row) : undefined;
  }

  /** Newest first. */
  async list(accountSid: string, page: Page): Promise<Paged<Trunk>> {
    const base = this.#db.selectFrom('trunks').where('account_sid', '=', accountSid);
    const [count, rows] = await Promise.all([
      base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
      base.selectAll().orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute(),
    ]);
    return { items: rows.map(toTrunk), total: Number(count.n) };
  }

  async update(accountSid: string, trunkSid: string, patch: TrunkPatch): Promise<Trunk | undefined> {
    const { failover_codes, registration_enabled, ...rest } = patch;
    try {
      const row = await this.#db
        .updateTable('trunks')
        .set({
          ...rest,
          ...(failover_codes ? { failover_codes: JSON.stringify(failover_codes) } : {}),
          ...(registration_enabled === undefined ? {} : { registration_enabled: registration_enabled ? 1 : 0 }),
          updated_at: isoSeconds(this.#clock.now()),
        })
        .where('sid', '=', trunkSid)
        .where('account_sid', '=', accountSid)
        .returningAll()
        .executeTakeFirst();
      return row ? toTrunk(row) : undefined;
    } catch (err) {
      return mapDuplicate(err, `trunk_name ${patch.trunk_name ?? ''}`);
    }
  }

  /**
   * Deletes the trunk and everything under it in one transaction and returns it as it was.
   * Its numbers are remembered as removed so calls to them get 410 for 30 days (SPEC §1).
   */
  async delete(accountSid: string, trunkSid: string): Promise<Trunk | undefined> {
    const now = isoSeconds(this.#clock.now());
    return this.#db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('trunks').selectAll().where('sid', '=', trunkSid).where('account_sid', '=', accountSid).executeTakeFirst();
      if (!row) return undefined;
      const numbers = await tx.selectFrom('phone_numbers').select('phone_number').where('trunk_id', '=', row.id).execute();
      for (const n of numbers) {
        await tx
          .insertInto('removed_numbers')
          .values({ phone_number: n.phone_number, account_sid: accountSid, trunk_sid: trunkSid, removed_at: now })
          .onConflict((oc) => oc.column('phone_number').doUpdateSet({ account_sid: accountSid, trunk_sid: trunkSid, removed_at: now }))
          .execute();
      }
      // Explicit child deletes: the foreign keys cascade too, but this does not depend on it.
      for (const table of ['phone_numbers', 'whitelisted_ips', 'destination_uris', 'credentials', 'trunk_settings', 'registrations'] as const) {
        await tx.deleteFrom(table).where('trunk_id', '=', row.id).execute();
      }
      await tx.deleteFrom('trunks').where('id', '=', row.id).execute();
      return toTrunk(row);
    });
  }
}
