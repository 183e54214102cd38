// Codes of the store layer.
export const StoreErrorCodes = {
  STORE_DUPLICATE: 'A write broke a unique constraint (trunk name, phone number, network, destination, credential user, account); details name the resource',
  STORE_NOT_FOUND: 'The row to change or delete does not exist (or belongs to another account)',
  STORE_BAD_LOCATION: 'The store location is neither a writable SQLite path nor a reachable postgres:// URL',
  STORE_MIGRATION_FAILED: 'A schema migration failed; the cause carries the database error and the migration name',
  STORE_COUNTER_UNAVAILABLE: 'The shared counter backend (Redis) did not answer',
  STORE_WRITE_FAILED: 'A call record was not stored (a constraint, a locked or closed database); details carry the call sid and the driver code; the rest of its batch is stored',
  STORE_WRITER_LOST: 'The call-record writer thread exited unexpectedly; its unacknowledged batches are written again on the main connection, later ones on a new thread (on the main thread after the third loss)',
} as const;

export type StoreErrorCode = keyof typeof StoreErrorCodes;
