import type { Kysely } from 'kysely';
import { isoSeconds, type Clock } from '../core/index.js';
import { mapDuplicate } from './dialect.js';
import { toPhoneNumber } from './rows.js';
import type { Database } from './schema.js';
import { getOfTrunk, listOfTrunk } from './trunk-child.js';
import type { Page, Paged, PhoneNumber, Trunk } from './types.js';

export interface NewPhoneNumber {
  readonly phone_number: string;
  readonly mode: PhoneNumber['mode'];
  readonly status?: PhoneNumber['status'];
}

export class PhoneNumbersRepo {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  /** Maps a number; the platform-wide unique constraint makes a second mapping a duplicate. */
  async create(trunk: Trunk, input: NewPhoneNumber): Promise<PhoneNumber> {
    const now = isoSeconds(this.#clock.now());
    try {
      return await this.#db.transaction().execute(async (tx) => {
        const row = await tx
          .insertInto('phone_numbers')
          .values({ trunk_id: trunk.id, phone_number: input.phone_number, mode: input.mode, status: input.status ?? 'active', created_at: now, updated_at: now })
          .returningAll()
          .executeTakeFirstOrThrow();
        // Mapped again: no longer "removed" (SPEC §1).
        await tx.deleteFrom('removed_numbers').where('phone_number', '=', input.phone_number).execute();
        return toPhoneNumber(row);
      });
    } catch (err) {
      return mapDuplicate(err, `phone_number ${input.phone_number}`);
    }
  }

  async get(trunk: Trunk, id: number): Promise<PhoneNumber | undefined> {
    const row = await getOfTrunk(this.#db, 'phone_numbers', trunk.id, id);
    return row ? toPhoneNumber(row) : undefined;
  }

  async list(trunk: Trunk, page: Page): Promise<Paged<PhoneNumber>> {
    const { rows, total } = await listOfTrunk(this.#db, 'phone_numbers', trunk.id, page);
    return { items: rows.map(toPhoneNumber), total };
  }

  async update(trunk: Trunk, id: number, patch: { mode: PhoneNumber['mode']; status?: PhoneNumber['status'] }): Promise<PhoneNumber | undefined> {
    const row = await this.#db
      .updateTable('phone_numbers')
      .set({ mode: patch.mode, ...(patch.status ? { status: patch.status } : {}), updated_at: isoSeconds(this.#clock.now()) })
      .where('trunk_id', '=', trunk.id)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row ? toPhoneNumber(row) : undefined;
  }

  /** Unmaps and remembers the number as removed, in one transaction. */
  async delete(trunk: Trunk, id: number): Promise<PhoneNumber | undefined> {
    const now = isoSeconds(this.#clock.now());
    return this.#db.transaction().execute(async (tx) => {
      const row = await tx.deleteFrom('phone_numbers').where('trunk_id', '=', trunk.id).where('id', '=', id).returningAll().executeTakeFirst();
      if (!row) return undefined;
      const removed = { account_sid: trunk.account_sid, trunk_sid: trunk.sid, removed_at: now };
      await tx
        .insertInto('removed_numbers')
        .values({ phone_number: row.phone_number, ...removed })
        .onConflict((oc) => oc.column('phone_number').doUpdateSet(removed))
        .execute();
      return toPhoneNumber(row);
    });
  }

  /** The account's mapping of a number (for GET /trunk-maps?exophone=). */
  async findInAccount(accountSid: string, phoneNumber: string): Promise<{ readonly number: PhoneNumber; readonly trunk_sid: string } | undefined> {
    const row = await this.#db
      .selectFrom('phone_numbers')
      .innerJoin('trunks', 'trunks.id', 'phone_numbers.trunk_id')
      .selectAll('phone_numbers')
      .select('trunks.sid as trunk_sid')
      .where('phone_numbers.phone_number', '=', phoneNumber)
      .where('trunks.account_sid', '=', accountSid)
      .executeTakeFirst();
    if (!row) return undefined;
    const { trunk_sid, ...number } = row;
    return { number: toPhoneNumber(number), trunk_sid };
  }
}
