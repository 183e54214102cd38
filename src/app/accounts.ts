import { systemClock, TrunklineError } from '../core/index.js';
import { ACCOUNT_SID_PATTERN, createRepos, openStore, type NewAccountCredentials, type StoreLocation } from '../store/index.js';
import { badConfig } from './config.js';

/** `trunkline accounts create SID`: opens (and migrates) the store, creates the account. */
export async function createAccount(location: StoreLocation, sid: string): Promise<NewAccountCredentials> {
  if (!ACCOUNT_SID_PATTERN.test(sid)) throw badConfig('SID', `must match ${ACCOUNT_SID_PATTERN.source}`, sid);
  const store = await openStore(location);
  try {
    await store.migrate();
    return await createRepos(store.db, systemClock).accounts.create(sid);
  } catch (err) {
    if (err instanceof TrunklineError && err.code === 'STORE_DUPLICATE') throw new TrunklineError('STORE_DUPLICATE', `account ${sid} already exists`, { cause: err });
    throw err;
  } finally {
    await store.close();
  }
}
