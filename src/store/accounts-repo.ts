import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isoSeconds, newSecret, type Clock } from '../core/index.js';
import { mapDuplicate } from './dialect.js';
import type { Database } from './schema.js';
import type { Account, NewAccountCredentials } from './types.js';

/**
 * Tokens are 192 random bits, so a salted SHA-256 is as strong as a slow KDF against
 * guessing and keeps HTTP Basic auth cheap on every request (a password-grade KDF such as
 * scrypt costs tens of milliseconds per request and buys nothing for random secrets).
 */
function hashToken(salt: string, token: string): string {
  return createHash('sha256').update(salt).update(':').update(token).digest('hex');
}

export const ACCOUNT_SID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export class AccountsRepo {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  /** Creates an account; the token is returned here once and never again. */
  async create(sid: string): Promise<NewAccountCredentials> {
    const apiKey = newSecret(16);
    const apiToken = newSecret(24);
    const salt = randomBytes(16).toString('hex');
    try {
      await this.#db
        .insertInto('accounts')
        .values({ sid, api_key: apiKey, token_salt: salt, token_hash: hashToken(salt, apiToken), created_at: isoSeconds(this.#clock.now()) })
        .execute();
    } catch (err) {
      mapDuplicate(err, `account ${sid}`);
    }
    return { account_sid: sid, api_key: apiKey, api_token: apiToken };
  }

  /** The account whose api_key and api_token these are, or undefined. Constant-time compare. */
  async verify(apiKey: string, apiToken: string): Promise<Account | undefined> {
    const row = await this.#db.selectFrom('accounts').selectAll().where('api_key', '=', apiKey).executeTakeFirst();
    if (!row) return undefined;
    const expected = Buffer.from(row.token_hash, 'hex');
    const got = Buffer.from(hashToken(row.token_salt, apiToken), 'hex');
    if (expected.length !== got.length || !timingSafeEqual(expected, got)) return undefined;
    return { id: Number(row.id), sid: row.sid, api_key: row.api_key, created_at: row.created_at };
  }

  async findBySid(sid: string): Promise<Account | undefined> {
    const row = await this.#db.selectFrom('accounts').select(['id', 'sid', 'api_key', 'created_at']).where('sid', '=', sid).executeTakeFirst();
    return row ? { id: Number(row.id), sid: row.sid, api_key: row.api_key, created_at: row.created_at } : undefined;
  }

  async count(): Promise<number> {
    const row = await this.#db.selectFrom('accounts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
