import type { Kysely } from 'kysely';
import { isoSeconds, type Clock } from '../core/index.js';
import { mapDuplicate } from './dialect.js';
import { toWhitelistedIp } from './rows.js';
import type { Database } from './schema.js';
import { deleteOfTrunk, getOfTrunk, listOfTrunk } from './trunk-child.js';
import type { Page, Paged, Trunk, WhitelistedIp } from './types.js';

/** Networks are stored as their network address (the caller computes it with ipaddr.js). */
export class WhitelistedIpsRepo {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  async create(trunk: Trunk, network: { ip: string; mask: number }): Promise<WhitelistedIp> {
    const now = isoSeconds(this.#clock.now());
    try {
      const row = await this.#db
        .insertInto('whitelisted_ips')
        .values({ trunk_id: trunk.id, ip: network.ip, mask: network.mask, created_at: now, updated_at: now })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toWhitelistedIp(row);
    } catch (err) {
      return mapDuplicate(err, `whitelisted ip ${network.ip}/${network.mask}`);
    }
  }

  async get(trunk: Trunk, id: number): Promise<WhitelistedIp | undefined> {
    const row = await getOfTrunk(this.#db, 'whitelisted_ips', trunk.id, id);
    return row ? toWhitelistedIp(row) : undefined;
  }

  async list(trunk: Trunk, page: Page): Promise<Paged<WhitelistedIp>> {
    const { rows, total } = await listOfTrunk(this.#db, 'whitelisted_ips', trunk.id, page);
    return { items: rows.map(toWhitelistedIp), total };
  }

  /** Every network of the trunk (the API checks IP destinations against them). */
  async all(trunk: Trunk): Promise<readonly WhitelistedIp[]> {
    const rows = await this.#db.selectFrom('whitelisted_ips').selectAll().where('trunk_id', '=', trunk.id).orderBy('id', 'desc').execute();
    return rows.map(toWhitelistedIp);
  }

  async update(trunk: Trunk, id: number, network: { ip: string; mask: number }): Promise<WhitelistedIp | undefined> {
    try {
      const row = await this.#db
        .updateTable('whitelisted_ips')
        .set({ ip: network.ip, mask: network.mask, updated_at: isoSeconds(this.#clock.now()) })
        .where('trunk_id', '=', trunk.id)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row ? toWhitelistedIp(row) : undefined;
    } catch (err) {
      return mapDuplicate(err, `whitelisted ip ${network.ip}/${network.mask}`);
    }
  }

  async delete(trunk: Trunk, id: number): Promise<WhitelistedIp | undefined> {
    const row = await deleteOfTrunk(this.#db, 'whitelisted_ips', trunk.id, id);
    return row ? toWhitelistedIp(row) : undefined;
  }
}
