import type { Kysely } from 'kysely';
import type { StoreMigration } from './migration.js';

// Lookups the API and the edge make on every request: an account's trunks (list, read
// model) and a credential by user within an account (the unique constraint covers that).
export const provisioningIndexes: StoreMigration = {
  name: '003-provisioning-indexes',
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('trunks_account_sid').on('trunks').columns(['account_sid', 'id']).execute();
    await db.schema.createIndex('idempotency_keys_created').on('idempotency_keys').column('created_at').execute();
  },
};
