import type { Kysely } from 'kysely';
import { isoSeconds, type Clock } from '../core/index.js';
import type { Database } from './schema.js';
import type { StoredAnswer } from './types.js';

/** Keys are kept a day, like the providers whose Idempotency-Key users know. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

export class IdempotencyRepo {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  async find(accountSid: string, key: string): Promise<StoredAnswer | undefined> {
    const since = isoSeconds(this.#clock.now() - IDEMPOTENCY_TTL_MS);
    const row = await this.#db
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'status_code', 'response_body'])
      .where('account_sid', '=', accountSid)
      .where('idem_key', '=', key)
      .where('created_at', '>=', since)
      .executeTakeFirst();
    return row ? { ...row, status_code: Number(row.status_code) } : undefined;
  }

  /** First answer wins: a concurrent second save of the same key is ignored. */
  async save(accountSid: string, key: string, answer: StoredAnswer): Promise<void> {
    const now = this.#clock.now();
    await this.#db.deleteFrom('idempotency_keys').where('created_at', '<', isoSeconds(now - IDEMPOTENCY_TTL_MS)).execute();
    await this.#db
      .insertInto('idempotency_keys')
      .values({ account_sid: accountSid, idem_key: key, ...answer, created_at: isoSeconds(now) })
      .onConflict((oc) => oc.columns(['account_sid', 'idem_key']).doNothing())
      .execute();
  }
}
