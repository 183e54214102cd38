import type { Kysely } from 'kysely';
import { isoSeconds, type Clock } from '../core/index.js';
import type { Database } from './schema.js';
import type { Trunk, TrunkSetting } from './types.js';

/**
 * Settings known to the platform (SPEC §1); any other name fails its batch item. Beyond
 * Exotel (issue 7 items 5, 7): `rtp_timeout` (seconds, 0 = off) overrides the server's
 * --rtp-timeout for the trunk's calls; `record_calls` ("true"/"false") records each call to pcap.
 */
export const TRUNK_SETTING_NAMES = ['trunk_external_alias', 'rtp_timeout', 'record_calls'] as const;
export type TrunkSettingName = (typeof TRUNK_SETTING_NAMES)[number];

export class SettingsRepo {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  /** Upsert: a second write of the same name replaces the value. */
  async put(trunk: Trunk, name: TrunkSettingName, value: string): Promise<TrunkSetting> {
    const now = isoSeconds(this.#clock.now());
    const row = await this.#db
      .insertInto('trunk_settings')
      .values({ trunk_id: trunk.id, name, value, created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['trunk_id', 'name']).doUpdateSet({ value, updated_at: now }))
      .returning(['name', 'value', 'created_at', 'updated_at'])
      .executeTakeFirstOrThrow();
    return row;
  }

  async list(trunk: Trunk, name?: string): Promise<readonly TrunkSetting[]> {
    let q = this.#db.selectFrom('trunk_settings').select(['name', 'value', 'created_at', 'updated_at']).where('trunk_id', '=', trunk.id);
    if (name !== undefined) q = q.where('name', '=', name);
    return q.orderBy('name').execute();
  }

  async delete(trunk: Trunk, name: string): Promise<TrunkSetting | undefined> {
    return this.#db
      .deleteFrom('trunk_settings')
      .where('trunk_id', '=', trunk.id)
      .where('name', '=', name)
      .returning(['name', 'value', 'created_at', 'updated_at'])
      .executeTakeFirst();
  }
}
