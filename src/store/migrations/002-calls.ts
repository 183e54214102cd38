import type { Kysely } from 'kysely';
import type { StoreMigration } from './migration.js';

// Call records of the edge (SPEC §1 "the calls API"): one row per attempt, refusals included.
// Findings, events, the SIP trace and media stats are JSON text read whole with the record.
export const calls: StoreMigration = {
  name: '002-calls',
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('calls')
      .addColumn('call_sid', 'text', (c) => c.primaryKey())
      .addColumn('account_sid', 'text')
      .addColumn('trunk_sid', 'text')
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('from_number', 'text', (c) => c.notNull())
      .addColumn('to_number', 'text', (c) => c.notNull())
      .addColumn('source_address', 'text', (c) => c.notNull())
      .addColumn('transport', 'text', (c) => c.notNull())
      .addColumn('sip_call_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('answered_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('final_code', 'integer')
      .addColumn('final_reason', 'text')
      .addColumn('final_by', 'text')
      .addColumn('end_cause', 'text')
      .addColumn('edge_cause', 'text')
      .addColumn('duration_s', 'integer')
      .addColumn('setup_ms', 'integer')
      .addColumn('findings', 'text', (c) => c.notNull())
      .addColumn('events', 'text', (c) => c.notNull())
      .addColumn('trace', 'text', (c) => c.notNull())
      .addColumn('media', 'text')
      .execute();
    // The calls API lists an account's calls newest first, filtered by trunk / status / code / time.
    await db.schema.createIndex('calls_account_started').on('calls').columns(['account_sid', 'started_at']).execute();
    await db.schema.createIndex('calls_trunk_started').on('calls').columns(['trunk_sid', 'started_at']).execute();
  },
};
