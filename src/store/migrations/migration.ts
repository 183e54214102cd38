import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/**
 * One versioned schema change. `name` sorts in apply order (`001-initial`, `002-calls`…);
 * `up` gets the dialect because autoincrement keys are spelled differently.
 */
export interface StoreMigration {
  readonly name: string;
  up(db: Kysely<unknown>, dialect: DialectName): Promise<void>;
}
