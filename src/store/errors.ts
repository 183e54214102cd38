// Codes of the store layer.
export const StoreErrorCodes = {
  STORE_DUPLICATE: 'A write broke a unique constraint (trunk name, phone number, network, destination, credential user, account); details name the resource',
  STORE_NOT_FOUND: 'The row to change or delete does not exist (or belongs to another account)',
  STORE_BAD_LOCATION: 'The store location is neither a writable SQLite path nor a reachable postgres:// URL',
  STORE_MIGRATION_FAILED: 'A schema migration failed; the cause carries the database error and the migration name',
  STORE_COUNTER_UNAVAILABLE: 'The shared counter backend (Redis) did not answer',
} as const;

export type StoreErrorCode = keyof typeof StoreErrorCodes;
