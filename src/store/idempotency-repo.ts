import type { Kysely } from 'kysely';
import { isoSeconds, type Clock } from '../core/index.js';
import type { Database } from './schema.js';
import type { StoredAnswer } from './types.js';

/** Keys are kept a day, like the providers whose Idempotency-Key users know. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/** A reservation not completed within this long belongs to a request that died; it may be taken over. */
export const IDEMPOTENCY_PENDING_MS = 60 * 1000;

/** status_code of a reserved key whose request has not answered yet. */
const PENDING = 0;

export type Reservation =
  | { readonly kind: 'reserved' }
  /** The first request with this key is still running. */
  | { readonly kind: 'pending'; readonly request_hash: string }
  | { readonly kind: 'answered'; readonly answer: StoredAnswer };

/**
 * Idempotency keys as reservations: the first request with a key inserts a pending row (the
 * primary key makes that race-free on both dialects), runs, and completes the row with its
 * answer; a concurrent second request sees "pending" instead of running the write twice.
 */
export class IdempotencyRepo {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  async reserve(accountSid: string, key: string, requestHash: string): Promise<Reservation> {
    const now = this.#clock.now();
    await this.#db.deleteFrom('idempotency_keys').where('created_at', '<', isoSeconds(now - IDEMPOTENCY_TTL_MS)).execute();
    const inserted = await this.#db
      .insertInto('idempotency_keys')
      .values({ account_sid: accountSid, idem_key: key, request_hash: requestHash, status_code: PENDING, response_body: '', created_at: isoSeconds(now) })
      .onConflict((oc) => oc.columns(['account_sid', 'idem_key']).doNothing())
      .returning('idem_key')
      .executeTakeFirst();
    if (inserted) return { kind: 'reserved' };
    // Taken over when its request died (process killed) before answering.
    const takeover = await this.#db
      .updateTable('idempotency_keys')
      .set({ request_hash: requestHash, created_at: isoSeconds(now) })
      .where('account_sid', '=', accountSid)
      .where('idem_key', '=', key)
      .where('status_code', '=', PENDING)
      .where('created_at', '<', isoSeconds(now - IDEMPOTENCY_PENDING_MS))
      .returning('idem_key')
      .executeTakeFirst();
    if (takeover) return { kind: 'reserved' };
    const row = await this.#db
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'status_code', 'response_body'])
      .where('account_sid', '=', accountSid)
      .where('idem_key', '=', key)
      .executeTakeFirst();
    if (!row) return this.reserve(accountSid, key, requestHash); // expired between the two statements
    const status = Number(row.status_code);
    if (status === PENDING) return { kind: 'pending', request_hash: row.request_hash };
    return { kind: 'answered', answer: { request_hash: row.request_hash, status_code: status, response_body: row.response_body } };
  }

  /** Stores the answer of a reserved key. */
  async complete(accountSid: string, key: string, answer: StoredAnswer): Promise<void> {
    await this.#db
      .updateTable('idempotency_keys')
      .set({ status_code: answer.status_code, response_body: answer.response_body })
      .where('account_sid', '=', accountSid)
      .where('idem_key', '=', key)
      .where('status_code', '=', PENDING)
      .execute();
  }

  /** Frees a reserved key whose request should be retried (a fault, throttling). */
  async release(accountSid: string, key: string): Promise<void> {
    await this.#db.deleteFrom('idempotency_keys').where('account_sid', '=', accountSid).where('idem_key', '=', key).where('status_code', '=', PENDING).execute();
  }
}
