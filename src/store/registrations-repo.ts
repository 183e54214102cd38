import type { Kysely, Selectable } from 'kysely';
import { TrunklineError, isoSeconds, type Clock } from '../core/index.js';
import type { Database } from './schema.js';
import type { Page, Paged, Trunk } from './types.js';

/**
 * Registrar bindings (RFC 3261 §10.3). The rules of a REGISTER (which bindings it adds,
 * refreshes or removes, when it must fail) belong to the edge; this repo gives them one
 * atomic step: read the address-of-record's current bindings, let the edge decide, write
 * every change or none (§10.3 step 7: "committed if and only if all binding updates and
 * additions succeed"). A binding is current while its expires_at is in the future; expired
 * rows are ignored by every read and deleted by the next change of their trunk.
 */
export type RegistrationTransport = 'udp' | 'tcp' | 'tls';

export interface Registration {
  readonly id: number;
  readonly trunk_sid: string;
  readonly account_sid: string;
  /** The address-of-record, `sip:user@domain` (RFC 3261 §10.3 step 5, canonical form). */
  readonly aor: string;
  /** The digest user that registered it. */
  readonly user_name: string;
  /** The Contact URI as the PBX gave it. */
  readonly contact: string;
  /** RFC 3261 §20.10 q-value 0…1, or null when the contact carried none. */
  readonly q: number | null;
  readonly call_id: string;
  readonly cseq: number;
  readonly expires_at: string;
  /** Where the REGISTER came from (its received/rport): requests to the contact go here. */
  readonly source_address: string;
  readonly source_port: number;
  readonly transport: RegistrationTransport;
  /** The stream connection it came on (TCP/TLS), reused to reach a PBX behind NAT. */
  readonly connection_id: string | null;
  readonly user_agent: string | null;
  readonly registered_at: string;
  readonly updated_at: string;
}

/** One binding to add or refresh (matched to an existing one by contact). */
export interface RegistrationWrite {
  readonly user_name: string;
  readonly contact: string;
  readonly q: number | null;
  readonly call_id: string;
  readonly cseq: number;
  /** Epoch ms. */
  readonly expires_at_ms: number;
  readonly source_address: string;
  readonly source_port: number;
  readonly transport: RegistrationTransport;
  readonly connection_id: string | null;
  readonly user_agent: string | null;
}

/** What the edge decided for one REGISTER: the writes and removals, or a refusal carried back. */
export type RegistrationPlan<R> =
  | { readonly ok: true; readonly put: readonly RegistrationWrite[]; readonly remove: readonly number[] }
  | { readonly ok: false; readonly refusal: R };

export type RegistrationOutcome<R> = { readonly ok: true; readonly bindings: readonly Registration[] } | { readonly ok: false; readonly refusal: R };

function toRegistration(r: Selectable<Database['registrations']>): Registration {
  return {
    id: Number(r.id), trunk_sid: r.trunk_sid, account_sid: r.account_sid, aor: r.aor, user_name: r.user_name, contact: r.contact,
    q: r.q_milli === null ? null : Number(r.q_milli) / 1000, call_id: r.call_id, cseq: Number(r.cseq), expires_at: r.expires_at,
    source_address: r.source_address, source_port: Number(r.source_port), transport: r.transport as RegistrationTransport,
    connection_id: r.connection_id, user_agent: r.user_agent, registered_at: r.registered_at, updated_at: r.updated_at,
  };
}

/** Bindings expire on whole seconds, rounded up: a 3600 s binding made at …:59.4 still shows 3600 s left. */
function expiryText(ms: number): string {
  return isoSeconds(Math.ceil(ms / 1000) * 1000);
}

export class RegistrationsRepo {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  /**
   * One REGISTER's change to `aor` on the trunk, atomically. The trunk row is written first in
   * the transaction, which on PostgreSQL locks it until commit, so two REGISTERs for one trunk
   * (on two edges) are decided one after the other; SQLite runs one transaction at a time anyway.
   */
  async change<R>(trunkSid: string, aor: string, decide: (current: readonly Registration[]) => RegistrationPlan<R>): Promise<RegistrationOutcome<R>> {
    const nowMs = this.#clock.now();
    const now = isoSeconds(nowMs);
    return this.#db.transaction().execute(async (tx) => {
      const trunk = await tx.updateTable('trunks').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('sid', '=', trunkSid).returning(['id', 'account_sid']).executeTakeFirst();
      if (!trunk) throw new TrunklineError('STORE_NOT_FOUND', `trunk ${trunkSid} does not exist`);
      const trunkId = Number(trunk.id);
      await tx.deleteFrom('registrations').where('trunk_id', '=', trunkId).where('expires_at', '<=', now).execute();
      const current = (await tx.selectFrom('registrations').selectAll().where('trunk_id', '=', trunkId).where('aor', '=', aor).orderBy('id').execute()).map(toRegistration);
      const plan = decide(current);
      if (!plan.ok) return { ok: false, refusal: plan.refusal };
      if (plan.remove.length) await tx.deleteFrom('registrations').where('trunk_id', '=', trunkId).where('id', 'in', [...plan.remove]).execute();
      for (const w of plan.put) {
        const values = {
          user_name: w.user_name, q_milli: w.q === null ? null : Math.round(w.q * 1000), call_id: w.call_id, cseq: w.cseq,
          expires_at: expiryText(w.expires_at_ms), source_address: w.source_address, source_port: w.source_port, transport: w.transport,
          connection_id: w.connection_id, user_agent: w.user_agent, updated_at: now,
        };
        await tx
          .insertInto('registrations')
          .values({ trunk_id: trunkId, trunk_sid: trunkSid, account_sid: trunk.account_sid, aor, contact: w.contact, registered_at: now, ...values })
          // A refresh keeps registered_at: when the PBX first registered this contact.
          .onConflict((oc) => oc.columns(['trunk_id', 'aor', 'contact']).doUpdateSet(values))
          .execute();
      }
      const after = await tx.selectFrom('registrations').selectAll().where('trunk_id', '=', trunkId).where('aor', '=', aor).where('expires_at', '>', now).orderBy('id').execute();
      return { ok: true, bindings: after.map(toRegistration) };
    });
  }

  /**
   * The trunk's current bindings in the order inbound calls try them: RFC 3261 §16.6 / §20.10
   * highest q first (no q counts as 1.0), then the most recently refreshed.
   */
  async current(trunkSid: string): Promise<readonly Registration[]> {
    const rows = await this.#db
      .selectFrom('registrations')
      .selectAll()
      .where('trunk_sid', '=', trunkSid)
      .where('expires_at', '>', isoSeconds(this.#clock.now()))
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    const list = rows.map(toRegistration);
    return list.sort((a, b) => (b.q ?? 1) - (a.q ?? 1));
  }

  /** The API's list: current bindings of the trunk, newest registration first, paged. */
  async list(trunk: Trunk, page: Page): Promise<Paged<Registration>> {
    const base = this.#db.selectFrom('registrations').where('trunk_id', '=', trunk.id).where('expires_at', '>', isoSeconds(this.#clock.now()));
    const [count, rows] = await Promise.all([
      base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
      base.selectAll().orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute(),
    ]);
    return { items: rows.map(toRegistration), total: Number(count.n) };
  }
}
