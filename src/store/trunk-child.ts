import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';
import type { Page } from './types.js';

/** Tables whose rows belong to one trunk by `trunk_id` and have a numeric `id`. */
export type TrunkChildTable = 'phone_numbers' | 'whitelisted_ips' | 'destination_uris' | 'credentials';

// The same three reads of every sub-resource, written once. Kysely cannot resolve columns
// through a union of table names, so the queries are typed on one member and the rows cast
// back to the table asked for; every member has the `id` and `trunk_id` used here.
type Row<T extends TrunkChildTable> = Selectable<Database[T]>;

/** A page of the trunk's rows, newest first, and the total. */
export async function listOfTrunk<T extends TrunkChildTable>(db: Kysely<Database>, table: T, trunkId: number, page: Page): Promise<{ rows: Row<T>[]; total: number }> {
  const base = db.selectFrom(table as 'phone_numbers').where('trunk_id', '=', trunkId);
  const [count, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
    base.selectAll().orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute(),
  ]);
  return { rows: rows as unknown as Row<T>[], total: Number(count.n) };
}

export async function getOfTrunk<T extends TrunkChildTable>(db: Kysely<Database>, table: T, trunkId: number, id: number): Promise<Row<T> | undefined> {
  const row = await db.selectFrom(table as 'phone_numbers').selectAll().where('trunk_id', '=', trunkId).where('id', '=', id).executeTakeFirst();
  return row as unknown as Row<T> | undefined;
}

export async function deleteOfTrunk<T extends TrunkChildTable>(db: Kysely<Database>, table: T, trunkId: number, id: number): Promise<Row<T> | undefined> {
  const row = await db.deleteFrom(table as 'phone_numbers').where('trunk_id', '=', trunkId).where('id', '=', id).returningAll().executeTakeFirst();
  return row as unknown as Row<T> | undefined;
}
