import type { Kysely } from 'kysely';
import { isoSeconds, type Clock } from '../core/index.js';
import { mapDuplicate } from './dialect.js';
import { toDestination } from './rows.js';
import type { Database } from './schema.js';
import { deleteOfTrunk, getOfTrunk, listOfTrunk } from './trunk-child.js';
import type { DestinationUri, Page, Paged, Trunk } from './types.js';

export class DestinationUrisRepo {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  async create(trunk: Trunk, input: { destination: string; priority: number; weight: number }): Promise<DestinationUri> {
    const now = isoSeconds(this.#clock.now());
    try {
      const row = await this.#db
        .insertInto('destination_uris')
        .values({ trunk_id: trunk.id, destination: input.destination, type: 'public', priority: input.priority, weight: input.weight, created_at: now, updated_at: now })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toDestination(row);
    } catch (err) {
      return mapDuplicate(err, `destination ${input.destination}`);
    }
  }

  async get(trunk: Trunk, id: number): Promise<DestinationUri | undefined> {
    const row = await getOfTrunk(this.#db, 'destination_uris', trunk.id, id);
    return row ? toDestination(row) : undefined;
  }

  async list(trunk: Trunk, page: Page): Promise<Paged<DestinationUri>> {
    const { rows, total } = await listOfTrunk(this.#db, 'destination_uris', trunk.id, page);
    return { items: rows.map(toDestination), total };
  }

  async update(trunk: Trunk, id: number, patch: { priority?: number; weight?: number }): Promise<DestinationUri | undefined> {
    const row = await this.#db
      .updateTable('destination_uris')
      .set({ ...patch, updated_at: isoSeconds(this.#clock.now()) })
      .where('trunk_id', '=', trunk.id)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row ? toDestination(row) : undefined;
  }

  async delete(trunk: Trunk, id: number): Promise<DestinationUri | undefined> {
    const row = await deleteOfTrunk(this.#db, 'destination_uris', trunk.id, id);
    return row ? toDestination(row) : undefined;
  }
}
