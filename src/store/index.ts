// store: the provisioning data on SQLite or PostgreSQL via kysely — schema, migrations, repos, shared counters.
/**
 * Opening: `openStore(location, {recordWriter})` → StoreConnection {db, dialect, migrate(), close(), recordWriter};
 * `new CallsRepo(db, {writer: conn.recordWriter})` writes call records from a worker thread on an SQLite file;
 * `createRepos(conn.db, clock)` → Repos, one repo per resource.
 *
 * Read model for the SIP edge (`repos.read`, class ReadModel):
 * - `findAccountBySid(sid)` → Account | undefined
 * - `trunksOfAccount(accountSid)` → TrunkView[] (trunk + whitelisted networks + credentials
 *   with HA1 hashes + destinations ordered priority↑ weight↓ + settings by name)
 * - `allTrunks()` → TrunkView[] of the whole platform (to index source networks)
 * - `trunkBySid(trunkSid)` → TrunkView | undefined
 * - `numberRoute(e164)` → {kind:'mapped', trunk_sid, account_sid, mode, status} |
 *   {kind:'removed', removed_at} (removed in the last 30 days → answer 410) | undefined
 */
export { openStore, pingStore, type StoreConnection, type OpenStoreOptions, type RecordWriterMode } from './open-store.js';
export type { RecordWriterPlan } from './calls-writer.js';
export { type DialectName, type StoreLocation, isUniqueViolation } from './dialect.js';
export { createRepos, type Repos } from './repos.js';
export { MIGRATIONS, type StoreMigration } from './migrations/index.js';
export type { Database } from './schema.js';
export type * from './types.js';
export { AccountsRepo, ACCOUNT_SID_PATTERN } from './accounts-repo.js';
export { TrunksRepo, DEFAULT_FAILOVER_CODES, DEFAULT_CALLS_PER_MINUTE, REMOVED_NUMBER_MEMORY_MS } from './trunks-repo.js';
export { PhoneNumbersRepo, type NewPhoneNumber } from './phone-numbers-repo.js';
export { WhitelistedIpsRepo } from './whitelisted-ips-repo.js';
export { DestinationUrisRepo } from './destination-uris-repo.js';
export { CredentialsRepo } from './credentials-repo.js';
export { SettingsRepo, TRUNK_SETTING_NAMES, type TrunkSettingName } from './settings-repo.js';
export { IdempotencyRepo, IDEMPOTENCY_TTL_MS, IDEMPOTENCY_PENDING_MS, type Reservation } from './idempotency-repo.js';
export { ReadModel, type TrunkView, type NumberRoute } from './read-model.js';
export { ProvisioningWatch } from './provisioning-watch.js';
export {
  RegistrationsRepo, type Registration, type RegistrationWrite, type RegistrationPlan, type RegistrationOutcome, type RegistrationTransport,
} from './registrations-repo.js';
export { type RateCounter, type RateDecision, MemoryRateCounter } from './counters/rate-counter.js';
export { RedisRateCounter, type RedisRateCounterOptions } from './counters/redis-rate-counter.js';
export { StoreErrorCodes, type StoreErrorCode } from './errors.js';
export {
  CallsRepo, SAVE_WINDOW_MS, onTheWireAt, traceJson, callsWrittenChannel, type CallsWritten, type CallsRepoOptions, type CallRecord, type CallRecordStore, type CallQuery, type CallDirection, type CallStatus, type FinalBy, type TraceEntry, type CallEvent, type CallsDatabase,
} from './calls-repo.js';
export { type CallSlots, type SlotRequest, type SlotDecision, RATE_WINDOW_MS } from './counters/call-slots.js';
export { RedisCallSlots, type RedisCallSlotsOptions } from './counters/redis-call-slots.js';
export { ClusterRedis, type ClusterRedisOptions } from './counters/redis-cluster.js';
export { PreflightResultsRepo, type PreflightResultRow, type PreflightResultsDatabase } from './preflight-results-repo.js';
