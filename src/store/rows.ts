import type { Selectable } from 'kysely';
import type { Database } from './schema.js';
import type { AuthMode, Credential, DestinationUri, PhoneNumber, Trunk, WhitelistedIp } from './types.js';

// Row → record conversions. PostgreSQL hands back counts (bigint) as strings, so numbers
// are coerced here once rather than at every caller.
export function toTrunk(r: Selectable<Database['trunks']>): Trunk {
  return {
    id: Number(r.id), sid: r.sid, account_sid: r.account_sid, trunk_name: r.trunk_name, nso_code: r.nso_code,
    domain_name: r.domain_name, status: r.status as Trunk['status'], auth_mode: r.auth_mode as AuthMode,
    secure_trunking: r.secure_trunking as Trunk['secure_trunking'], registration_enabled: Number(r.registration_enabled) === 1,
    edge_preference: r.edge_preference, calls_per_minute: Number(r.calls_per_minute),
    max_concurrent_calls: r.max_concurrent_calls === null ? null : Number(r.max_concurrent_calls),
    failover_codes: JSON.parse(r.failover_codes) as number[], disaster_recovery_uri: r.disaster_recovery_uri,
    flow_uri: r.flow_uri, created_at: r.created_at, updated_at: r.updated_at,
  };
}

export function toPhoneNumber(r: Selectable<Database['phone_numbers']>): PhoneNumber {
  return {
    id: Number(r.id), trunk_id: Number(r.trunk_id), phone_number: r.phone_number, mode: r.mode as PhoneNumber['mode'],
    status: r.status as PhoneNumber['status'], created_at: r.created_at, updated_at: r.updated_at,
  };
}

export function toWhitelistedIp(r: Selectable<Database['whitelisted_ips']>): WhitelistedIp {
  return { id: Number(r.id), trunk_id: Number(r.trunk_id), ip: r.ip, mask: Number(r.mask), created_at: r.created_at, updated_at: r.updated_at };
}

export function toDestination(r: Selectable<Database['destination_uris']>): DestinationUri {
  return {
    id: Number(r.id), trunk_id: Number(r.trunk_id), destination: r.destination, type: r.type, priority: Number(r.priority),
    weight: Number(r.weight), created_at: r.created_at, updated_at: r.updated_at,
  };
}

export function toCredential(r: Selectable<Database['credentials']>): Credential {
  return {
    id: Number(r.id), trunk_id: Number(r.trunk_id), user_name: r.user_name, friendly_name: r.friendly_name, realm: r.realm,
    ha1_md5: r.ha1_md5, ha1_sha256: r.ha1_sha256, created_at: r.created_at, updated_at: r.updated_at,
  };
}
