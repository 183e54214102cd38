import type { Kysely } from 'kysely';
import { isoSeconds, type Clock } from '../core/index.js';
import { toCredential, toDestination, toTrunk, toWhitelistedIp } from './rows.js';
import type { Database } from './schema.js';
import type { Account, Credential, DestinationUri, PhoneNumber, Trunk, WhitelistedIp } from './types.js';
import { REMOVED_NUMBER_MEMORY_MS } from './trunks-repo.js';

/** A trunk with everything the edge needs to identify, authenticate and route a call. */
export interface TrunkView {
  readonly trunk: Trunk;
  readonly whitelisted: readonly WhitelistedIp[];
  readonly credentials: readonly Credential[];
  /** Ordered for routing: priority ascending (lower first), then weight descending. */
  readonly destinations: readonly DestinationUri[];
  readonly settings: Readonly<Record<string, string>>;
}

/** Where a dialled number goes on the platform. */
export type NumberRoute =
  | {
      readonly kind: 'mapped';
      readonly phone_number: string;
      readonly id: number;
      readonly account_sid: string;
      readonly trunk_sid: string;
      readonly mode: PhoneNumber['mode'];
      readonly status: PhoneNumber['status'];
    }
  /** Unmapped in the last 30 days: the guide's 410 Gone. */
  | { readonly kind: 'removed'; readonly phone_number: string; readonly account_sid: string; readonly trunk_sid: string; readonly removed_at: string };

/** Read-only queries for the SIP edge (and anyone else who needs whole trunks). */
export class ReadModel {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  async findAccountBySid(sid: string): Promise<Account | undefined> {
    const row = await this.#db.selectFrom('accounts').select(['id', 'sid', 'api_key', 'created_at']).where('sid', '=', sid).executeTakeFirst();
    return row ? { ...row, id: Number(row.id) } : undefined;
  }

  /** Every trunk of the account with its networks, credentials, destinations and settings. */
  async trunksOfAccount(accountSid: string): Promise<readonly TrunkView[]> {
    const trunks = await this.#db.selectFrom('trunks').selectAll().where('account_sid', '=', accountSid).orderBy('id', 'desc').execute();
    return this.#views(trunks.map(toTrunk));
  }

  /** Every account sid (the edge ties a refusal to the account its Request-URI names, at once). */
  async accountSids(): Promise<readonly string[]> {
    return (await this.#db.selectFrom('accounts').select('sid').execute()).map((r) => r.sid);
  }

  /** Every trunk on the platform (for an in-memory index of source networks). */
  async allTrunks(): Promise<readonly TrunkView[]> {
    const trunks = await this.#db.selectFrom('trunks').selectAll().orderBy('id', 'desc').execute();
    return this.#views(trunks.map(toTrunk));
  }

  async trunkBySid(trunkSid: string): Promise<TrunkView | undefined> {
    const row = await this.#db.selectFrom('trunks').selectAll().where('sid', '=', trunkSid).executeTakeFirst();
    return row ? (await this.#views([toTrunk(row)]))[0] : undefined;
  }

  /** The trunk a number is mapped to, or its removal within 30 days, or undefined. */
  async numberRoute(phoneNumber: string): Promise<NumberRoute | undefined> {
    const row = await this.#db
      .selectFrom('phone_numbers')
      .innerJoin('trunks', 'trunks.id', 'phone_numbers.trunk_id')
      .select(['phone_numbers.id', 'phone_numbers.phone_number', 'phone_numbers.mode', 'phone_numbers.status', 'trunks.sid as trunk_sid', 'trunks.account_sid'])
      .where('phone_numbers.phone_number', '=', phoneNumber)
      .executeTakeFirst();
    if (row) {
      return { kind: 'mapped', ...row, id: Number(row.id), mode: row.mode as PhoneNumber['mode'], status: row.status as PhoneNumber['status'] };
    }
    const removed = await this.#db
      .selectFrom('removed_numbers')
      .selectAll()
      .where('phone_number', '=', phoneNumber)
      .where('removed_at', '>=', isoSeconds(this.#clock.now() - REMOVED_NUMBER_MEMORY_MS))
      .executeTakeFirst();
    return removed ? { kind: 'removed', ...removed } : undefined;
  }

  async #views(trunks: readonly Trunk[]): Promise<readonly TrunkView[]> {
    if (trunks.length === 0) return [];
    const ids = trunks.map((t) => t.id);
    const [ips, creds, dests, settings] = await Promise.all([
      this.#db.selectFrom('whitelisted_ips').selectAll().where('trunk_id', 'in', ids).orderBy('id').execute(),
      this.#db.selectFrom('credentials').selectAll().where('trunk_id', 'in', ids).orderBy('id').execute(),
      this.#db.selectFrom('destination_uris').selectAll().where('trunk_id', 'in', ids).orderBy('priority').orderBy('weight', 'desc').orderBy('id').execute(),
      this.#db.selectFrom('trunk_settings').selectAll().where('trunk_id', 'in', ids).execute(),
    ]);
    return trunks.map((trunk) => ({
      trunk,
      whitelisted: ips.filter((r) => Number(r.trunk_id) === trunk.id).map(toWhitelistedIp),
      credentials: creds.filter((r) => Number(r.trunk_id) === trunk.id).map(toCredential),
      destinations: dests.filter((r) => Number(r.trunk_id) === trunk.id).map(toDestination),
      settings: Object.fromEntries(settings.filter((r) => Number(r.trunk_id) === trunk.id).map((r) => [r.name, r.value])),
    }));
  }
}
