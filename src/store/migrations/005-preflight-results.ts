import type { Kysely } from 'kysely';
import type { StoreMigration } from './migration.js';

// Preflight results (SPEC §6, issue 12): the report `trunkline preflight` stores through the API
// when it has credentials, kept whole as JSON; a support bundle carries the latest of the call's trunk.
export const preflightResults: StoreMigration = {
  name: '005-preflight-results',
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('preflight_results')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_sid', 'text', (c) => c.notNull())
      .addColumn('trunk_sid', 'text')
      .addColumn('trunk_domain', 'text', (c) => c.notNull())
      .addColumn('ok', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('report', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('preflight_results_trunk').on('preflight_results').columns(['account_sid', 'trunk_sid', 'created_at']).execute();
  },
};
