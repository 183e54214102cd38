import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';
import { withId } from './001-initial.js';
import type { StoreMigration } from './migration.js';

// Issue 11 item 2: the edge as a registrar (RFC 3261 §10). One row per binding (address-of-record
// → contact) with what the edge needs to reach a PBX behind NAT: the source address, port,
// transport and connection the REGISTER came from (RFC 5626-style flow). Bindings are in the
// store, not in memory, so they survive a restart and are shared by edges on one PostgreSQL.
export const registrations: StoreMigration = {
  name: '006-registrations',
  async up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
    await withId(db.schema.createTable('registrations'), dialect)
      .addColumn('trunk_id', 'integer', (c) => c.notNull().references('trunks.id').onDelete('cascade'))
      .addColumn('trunk_sid', 'text', (c) => c.notNull())
      .addColumn('account_sid', 'text', (c) => c.notNull())
      .addColumn('aor', 'text', (c) => c.notNull())
      .addColumn('user_name', 'text', (c) => c.notNull())
      .addColumn('contact', 'text', (c) => c.notNull())
      // RFC 3261 §20.10 q-value in thousandths (portable integer column); null when the contact gave none.
      .addColumn('q_milli', 'integer')
      .addColumn('call_id', 'text', (c) => c.notNull())
      // RFC 3261 §8.1.1.5: a CSeq number is below 2^31, so a 32-bit integer holds it.
      .addColumn('cseq', 'integer', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('source_address', 'text', (c) => c.notNull())
      .addColumn('source_port', 'integer', (c) => c.notNull())
      .addColumn('transport', 'text', (c) => c.notNull())
      .addColumn('connection_id', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('registered_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('registrations_binding_unique', ['trunk_id', 'aor', 'contact'])
      .execute();
    await db.schema.createIndex('registrations_trunk_expires').on('registrations').columns(['trunk_id', 'expires_at']).execute();
  },
};
