import type { Kysely } from 'kysely';
import type { Clock } from '../core/index.js';
import { AccountsRepo } from './accounts-repo.js';
import { CredentialsRepo } from './credentials-repo.js';
import { DestinationUrisRepo } from './destination-uris-repo.js';
import { IdempotencyRepo } from './idempotency-repo.js';
import { PhoneNumbersRepo } from './phone-numbers-repo.js';
import { PreflightResultsRepo, type PreflightResultsDatabase } from './preflight-results-repo.js';
import { ReadModel } from './read-model.js';
import { RegistrationsRepo } from './registrations-repo.js';
import type { Database } from './schema.js';
import { SettingsRepo } from './settings-repo.js';
import { TrunksRepo } from './trunks-repo.js';
import { WhitelistedIpsRepo } from './whitelisted-ips-repo.js';

/** One repo per resource, all on the same Kysely instance. */
export interface Repos {
  readonly accounts: AccountsRepo;
  readonly trunks: TrunksRepo;
  readonly phoneNumbers: PhoneNumbersRepo;
  readonly whitelistedIps: WhitelistedIpsRepo;
  readonly destinationUris: DestinationUrisRepo;
  readonly credentials: CredentialsRepo;
  readonly settings: SettingsRepo;
  readonly idempotency: IdempotencyRepo;
  readonly read: ReadModel;
  readonly preflightResults: PreflightResultsRepo;
  readonly registrations: RegistrationsRepo;
}

export function createRepos(db: Kysely<Database>, clock: Clock): Repos {
  return Object.freeze({
    accounts: new AccountsRepo(db, clock),
    trunks: new TrunksRepo(db, clock),
    phoneNumbers: new PhoneNumbersRepo(db, clock),
    whitelistedIps: new WhitelistedIpsRepo(db, clock),
    destinationUris: new DestinationUrisRepo(db, clock),
    credentials: new CredentialsRepo(db, clock),
    settings: new SettingsRepo(db, clock),
    idempotency: new IdempotencyRepo(db, clock),
    read: new ReadModel(db, clock),
    preflightResults: new PreflightResultsRepo(db as unknown as Kysely<PreflightResultsDatabase>, clock),
    registrations: new RegistrationsRepo(db, clock),
  });
}
