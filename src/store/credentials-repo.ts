import type { Kysely } from 'kysely';
import { isoSeconds, type Clock } from '../core/index.js';
import { computeHa1 } from '../sip/index.js';
import { mapDuplicate } from './dialect.js';
import { toCredential } from './rows.js';
import type { Database } from './schema.js';
import { deleteOfTrunk, getOfTrunk, listOfTrunk } from './trunk-child.js';
import type { Credential, Page, Paged, Trunk } from './types.js';

/**
 * SIP digest credentials. The password is write-only: only RFC 7616 §3.4.2 H(A1) for MD5 and
 * SHA-256 is kept, with realm = the trunk's domain_name, which is all a verifier needs.
 */
function hashes(userName: string, realm: string, password: string): { ha1_md5: string; ha1_sha256: string } {
  return { ha1_md5: computeHa1('MD5', userName, realm, password), ha1_sha256: computeHa1('SHA-256', userName, realm, password) };
}

export class CredentialsRepo {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  async create(trunk: Trunk, input: { user_name: string; password: string; friendly_name: string | null }): Promise<Credential> {
    const now = isoSeconds(this.#clock.now());
    try {
      const row = await this.#db
        .insertInto('credentials')
        .values({
          trunk_id: trunk.id, account_sid: trunk.account_sid, user_name: input.user_name, friendly_name: input.friendly_name,
          realm: trunk.domain_name, ...hashes(input.user_name, trunk.domain_name, input.password), created_at: now, updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toCredential(row);
    } catch (err) {
      return mapDuplicate(err, `credential user_name ${input.user_name}`);
    }
  }

  async get(trunk: Trunk, id: number): Promise<Credential | undefined> {
    const row = await getOfTrunk(this.#db, 'credentials', trunk.id, id);
    return row ? toCredential(row) : undefined;
  }

  async list(trunk: Trunk, page: Page): Promise<Paged<Credential>> {
    const { rows, total } = await listOfTrunk(this.#db, 'credentials', trunk.id, page);
    return { items: rows.map(toCredential), total };
  }

  /**
   * Changes friendly_name and/or the password. A new user_name needs the password too,
   * because the HA1 hashes include the user name; the caller enforces that.
   */
  async update(trunk: Trunk, id: number, patch: { user_name?: string; password?: string; friendly_name?: string | null }): Promise<Credential | undefined> {
    return this.#db.transaction().execute(async (tx) => {
      const current = await tx.selectFrom('credentials').selectAll().where('trunk_id', '=', trunk.id).where('id', '=', id).executeTakeFirst();
      if (!current) return undefined;
      const userName = patch.user_name ?? current.user_name;
      try {
        const row = await tx
          .updateTable('credentials')
          .set({
            user_name: userName,
            ...(patch.friendly_name !== undefined ? { friendly_name: patch.friendly_name } : {}),
            ...(patch.password !== undefined ? hashes(userName, current.realm, patch.password) : {}),
            updated_at: isoSeconds(this.#clock.now()),
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        return toCredential(row);
      } catch (err) {
        return mapDuplicate(err, `credential user_name ${userName}`);
      }
    });
  }

  async delete(trunk: Trunk, id: number): Promise<Credential | undefined> {
    const row = await deleteOfTrunk(this.#db, 'credentials', trunk.id, id);
    return row ? toCredential(row) : undefined;
  }
}
