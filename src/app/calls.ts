import type { Kysely } from 'kysely';
import { CallsRepo, openStore, type CallRecord, type CallsDatabase, type StoreLocation } from '../store/index.js';
import { badConfig } from './config.js';

/**
 * `trunkline calls show|list` (issue 11 item 4): the operator reads call records straight from
 * the store, whatever their account — a refusal the edge could tie to no account is found here
 * too. The store is migrated first, as `accounts create` does, so a fresh one answers "none".
 */
async function withCalls<T>(location: StoreLocation, use: (calls: CallsRepo) => Promise<T>): Promise<T> {
  const store = await openStore(location);
  try {
    await store.migrate();
    return await use(new CallsRepo(store.db as unknown as Kysely<CallsDatabase>));
  } finally {
    await store.close();
  }
}

export function findCall(location: StoreLocation, callSid: string): Promise<CallRecord | undefined> {
  return withCalls(location, (calls) => calls.getBySid(callSid));
}

export function listCalls(location: StoreLocation, raw: { readonly limit?: string; readonly account?: string }): Promise<readonly CallRecord[]> {
  const limit = raw.limit === undefined ? 20 : Number(raw.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badConfig('limit', 'must be a whole number 1–1000', raw.limit);
  return withCalls(location, (calls) => calls.listAll({ limit, offset: 0, ...(raw.account ? { accountSid: raw.account } : {}) }));
}
