import type { Credential, DestinationUri, PhoneNumber, Trunk, TrunkSetting, WhitelistedIp } from '../store/index.js';

// Records as the API shows them: Exotel's field names, numeric ids as strings, and the
// sub-resource paths of a trunk. Secrets (HA1 hashes) never leave through here.
const AUTH_TYPE: Record<Trunk['auth_mode'], string> = {
  ip: 'ip-whitelist',
  digest: 'credentials',
  ip_or_digest: 'ip-whitelist-or-credentials',
  ip_and_digest: 'ip-whitelist-and-credentials',
};

export function trunkPath(t: Trunk): string {
  return `/v2/accounts/${t.account_sid}/trunks/${t.sid}`;
}

export function presentTrunk(t: Trunk) {
  const base = trunkPath(t);
  return {
    trunk_sid: t.sid,
    trunk_name: t.trunk_name,
    nso_code: t.nso_code,
    domain_name: t.domain_name,
    status: t.status,
    auth_type: AUTH_TYPE[t.auth_mode],
    auth_mode: t.auth_mode,
    registration_enabled: t.registration_enabled,
    edge_preference: t.edge_preference,
    secure_trunking: t.secure_trunking,
    calls_per_minute: t.calls_per_minute,
    max_concurrent_calls: t.max_concurrent_calls,
    failover_codes: t.failover_codes,
    disaster_recovery_uri: t.disaster_recovery_uri,
    flow_uri: t.flow_uri,
    date_created: t.created_at,
    date_updated: t.updated_at,
    phone_numbers: `${base}/phone-numbers`,
    whitelisted_ips: `${base}/whitelisted-ips`,
    destination_uris: `${base}/destination-uris`,
    credentials: `${base}/credentials`,
    settings: `${base}/settings`,
  };
}

export function presentNumber(n: PhoneNumber, trunkSid: string) {
  return { id: String(n.id), trunk_sid: trunkSid, phone_number: n.phone_number, mode: n.mode, status: n.status, date_created: n.created_at, date_updated: n.updated_at };
}

export function presentIp(w: WhitelistedIp) {
  return { id: String(w.id), ip: w.ip, mask: w.mask, date_created: w.created_at, date_updated: w.updated_at };
}

export function presentDestination(d: DestinationUri) {
  return { id: String(d.id), destination: d.destination, type: d.type, priority: d.priority, weight: d.weight, date_created: d.created_at, date_updated: d.updated_at };
}

export function presentCredential(c: Credential) {
  return { id: String(c.id), user_name: c.user_name, friendly_name: c.friendly_name, realm: c.realm, date_created: c.created_at, date_updated: c.updated_at };
}

export function presentSetting(s: TrunkSetting) {
  return { name: s.name, value: s.value, date_created: s.created_at, date_updated: s.updated_at };
}
