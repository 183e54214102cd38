import type { Generated } from 'kysely';

/**
 * The provisioning tables. Portable column types only (integer, text) so that the same
 * migrations and the same repos run on SQLite and PostgreSQL; timestamps are ISO 8601 text
 * in UTC without fractions (SPEC §1), which also sorts correctly as text.
 */
export interface AccountsTable {
  id: Generated<number>;
  sid: string;
  api_key: string;
  /** sha256(salt ‖ token), hex; the token itself is never stored. */
  token_hash: string;
  token_salt: string;
  created_at: string;
}

export interface TrunksTable {
  id: Generated<number>;
  sid: string;
  account_id: number;
  account_sid: string;
  trunk_name: string;
  nso_code: string;
  domain_name: string;
  status: string;
  auth_mode: string;
  secure_trunking: string;
  registration_enabled: number;
  edge_preference: string;
  calls_per_minute: number;
  max_concurrent_calls: number | null;
  /** JSON array of SIP status codes. */
  failover_codes: string;
  disaster_recovery_uri: string | null;
  flow_uri: string | null;
  created_at: string;
  updated_at: string;
}

export interface PhoneNumbersTable {
  id: Generated<number>;
  trunk_id: number;
  phone_number: string;
  mode: string | null;
  status: string;
  created_at: string;
  updated_at: string;
}

/** Numbers unmapped in the last 30 days: the edge answers 410 Gone for them (guide: 410 = removed). */
export interface RemovedNumbersTable {
  phone_number: string;
  account_sid: string;
  trunk_sid: string;
  removed_at: string;
}

export interface WhitelistedIpsTable {
  id: Generated<number>;
  trunk_id: number;
  /** The network address (ip & mask), not the address as sent. */
  ip: string;
  mask: number;
  created_at: string;
  updated_at: string;
}

export interface DestinationUrisTable {
  id: Generated<number>;
  trunk_id: number;
  destination: string;
  type: string;
  priority: number;
  weight: number;
  created_at: string;
  updated_at: string;
}

export interface CredentialsTable {
  id: Generated<number>;
  trunk_id: number;
  account_sid: string;
  user_name: string;
  friendly_name: string | null;
  /** RFC 7616 §3.4.2 H(username:realm:password), realm = the trunk's domain_name. */
  ha1_md5: string;
  ha1_sha256: string;
  realm: string;
  created_at: string;
  updated_at: string;
}

export interface TrunkSettingsTable {
  trunk_id: number;
  name: string;
  value: string;
  created_at: string;
  updated_at: string;
}

export interface IdempotencyKeysTable {
  account_sid: string;
  idem_key: string;
  request_hash: string;
  status_code: number;
  response_body: string;
  created_at: string;
}

/** RFC 3261 §10 bindings of registered PBXs, with the flow each REGISTER came on (RFC 5626 style). */
export interface RegistrationsTable {
  id: Generated<number>;
  trunk_id: number;
  trunk_sid: string;
  account_sid: string;
  aor: string;
  user_name: string;
  contact: string;
  q_milli: number | null;
  call_id: string;
  cseq: number;
  expires_at: string;
  source_address: string;
  source_port: number;
  transport: string;
  connection_id: string | null;
  user_agent: string | null;
  registered_at: string;
  updated_at: string;
}

export interface Database {
  accounts: AccountsTable;
  trunks: TrunksTable;
  phone_numbers: PhoneNumbersTable;
  removed_numbers: RemovedNumbersTable;
  whitelisted_ips: WhitelistedIpsTable;
  destination_uris: DestinationUrisTable;
  credentials: CredentialsTable;
  trunk_settings: TrunkSettingsTable;
  idempotency_keys: IdempotencyKeysTable;
  registrations: RegistrationsTable;
}
