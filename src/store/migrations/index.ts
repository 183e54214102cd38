import type { StoreMigration } from './migration.js';
import { initial } from './001-initial.js';
import { calls } from './002-calls.js';
import { provisioningIndexes } from './003-provisioning-indexes.js';
import { callsNode } from './004-calls-node.js';
import { preflightResults } from './005-preflight-results.js';
import { registrations } from './006-registrations.js';

export type { StoreMigration } from './migration.js';

/** Applied in this order, once each; append new files (`002-calls.ts`…) at the end. */
export const MIGRATIONS: readonly StoreMigration[] = [initial, calls, provisioningIndexes, callsNode, preflightResults, registrations];
