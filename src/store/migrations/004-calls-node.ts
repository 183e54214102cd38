import type { Kysely } from 'kysely';
import type { StoreMigration } from './migration.js';

// Issue 15: several edges write one calls table; each record names the node carrying the call,
// so a survivor can find and close the in-progress calls of a node that was lost.
export const callsNode: StoreMigration = {
  name: '004-calls-node',
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('calls').addColumn('node_id', 'text').execute();
    await db.schema.createIndex('calls_node_status').on('calls').columns(['node_id', 'status']).execute();
  },
};
