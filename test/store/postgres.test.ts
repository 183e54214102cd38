import { storeConformance } from './conformance.js';
import { postgresTestStore } from './support.js';

// PostgreSQL is on every machine and in CI (.ci/run starts it), so this is never skipped:
// a fresh schema per run at 127.0.0.1:5432, database `test`, dropped at the end.
storeConformance('PostgreSQL (pg)', postgresTestStore);
