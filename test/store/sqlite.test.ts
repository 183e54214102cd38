import { storeConformance } from './conformance.js';
import { sqliteTestStore } from './support.js';

storeConformance('SQLite (better-sqlite3, WAL)', sqliteTestStore);
