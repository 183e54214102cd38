import type { Kysely, CreateTableBuilder } from 'kysely';
import type { DialectName } from '../dialect.js';
import type { StoreMigration } from './migration.js';

// Tables of the provisioning API (SPEC §1). Integer surrogate keys give numeric sub-resource
// ids and a stable "newest first" order; unique constraints — not check-then-insert — make
// concurrent identical creates end in exactly one row.
export function withId<T extends string>(t: CreateTableBuilder<T, never>, dialect: DialectName): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? t.addColumn('id', 'serial', (c) => c.primaryKey())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

export const initial: StoreMigration = {
  name: '001-initial',
  async up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
    await withId(db.schema.createTable('accounts'), dialect)
      .addColumn('sid', 'text', (c) => c.notNull().unique())
      .addColumn('api_key', 'text', (c) => c.notNull().unique())
      .addColumn('token_hash', 'text', (c) => c.notNull())
      .addColumn('token_salt', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await withId(db.schema.createTable('trunks'), dialect)
      .addColumn('sid', 'text', (c) => c.notNull().unique())
      .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('account_sid', 'text', (c) => c.notNull())
      .addColumn('trunk_name', 'text', (c) => c.notNull())
      .addColumn('nso_code', 'text', (c) => c.notNull())
      .addColumn('domain_name', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('auth_mode', 'text', (c) => c.notNull())
      .addColumn('secure_trunking', 'text', (c) => c.notNull())
      .addColumn('registration_enabled', 'integer', (c) => c.notNull())
      .addColumn('edge_preference', 'text', (c) => c.notNull())
      .addColumn('calls_per_minute', 'integer', (c) => c.notNull())
      .addColumn('max_concurrent_calls', 'integer')
      .addColumn('failover_codes', 'text', (c) => c.notNull())
      .addColumn('disaster_recovery_uri', 'text')
      .addColumn('flow_uri', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('trunks_account_name_unique', ['account_id', 'trunk_name'])
      .execute();

    await withId(db.schema.createTable('phone_numbers'), dialect)
      .addColumn('trunk_id', 'integer', (c) => c.notNull().references('trunks.id').onDelete('cascade'))
      // SPEC §1: a number maps to one trunk on the whole platform.
      .addColumn('phone_number', 'text', (c) => c.notNull().unique())
      .addColumn('mode', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('phone_numbers_trunk').on('phone_numbers').column('trunk_id').execute();

    await db.schema
      .createTable('removed_numbers')
      .addColumn('phone_number', 'text', (c) => c.primaryKey())
      .addColumn('account_sid', 'text', (c) => c.notNull())
      .addColumn('trunk_sid', 'text', (c) => c.notNull())
      .addColumn('removed_at', 'text', (c) => c.notNull())
      .execute();

    await withId(db.schema.createTable('whitelisted_ips'), dialect)
      .addColumn('trunk_id', 'integer', (c) => c.notNull().references('trunks.id').onDelete('cascade'))
      .addColumn('ip', 'text', (c) => c.notNull())
      .addColumn('mask', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('whitelisted_ips_network_unique', ['trunk_id', 'ip', 'mask'])
      .execute();

    await withId(db.schema.createTable('destination_uris'), dialect)
      .addColumn('trunk_id', 'integer', (c) => c.notNull().references('trunks.id').onDelete('cascade'))
      .addColumn('destination', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('weight', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('destination_uris_unique', ['trunk_id', 'destination'])
      .execute();

    await withId(db.schema.createTable('credentials'), dialect)
      .addColumn('trunk_id', 'integer', (c) => c.notNull().references('trunks.id').onDelete('cascade'))
      .addColumn('account_sid', 'text', (c) => c.notNull())
      .addColumn('user_name', 'text', (c) => c.notNull())
      .addColumn('friendly_name', 'text')
      .addColumn('ha1_md5', 'text', (c) => c.notNull())
      .addColumn('ha1_sha256', 'text', (c) => c.notNull())
      .addColumn('realm', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      // One realm (the account's domain) serves all its trunks, so a user name is unique per account.
      .addUniqueConstraint('credentials_user_unique', ['account_sid', 'user_name'])
      .execute();

    await db.schema
      .createTable('trunk_settings')
      .addColumn('trunk_id', 'integer', (c) => c.notNull().references('trunks.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('trunk_settings_pk', ['trunk_id', 'name'])
      .execute();

    await db.schema
      .createTable('idempotency_keys')
      .addColumn('account_sid', 'text', (c) => c.notNull())
      .addColumn('idem_key', 'text', (c) => c.notNull())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('status_code', 'integer', (c) => c.notNull())
      .addColumn('response_body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['account_sid', 'idem_key'])
      .execute();
  },
};
