import type { Credential, DestinationUri, PhoneNumber, Trunk, TrunkSetting, WhitelistedIp } from '../store/index.js';

// Records as the API shows them: Exotel's field names, spellings and types, numeric ids as
// strings, every sub-resource with its trunk_sid, and the sub-resource paths of a trunk
// (docs/exotel-api.md gives the source of each shape). Secrets (HA1 hashes) never leave here.

/**
 * Exotel documents one value, `IP-WHITELIST` (create-trunk response); the other modes of
 * trunkline's auth_mode are spelled the same way (upper case, hyphens).
 */
export const AUTH_TYPE: Record<Trunk['auth_mode'], string> = {
  ip: 'IP-WHITELIST',
  digest: 'CREDENTIALS',
  ip_or_digest: 'IP-WHITELIST-OR-CREDENTIALS',
  ip_and_digest: 'IP-WHITELIST-AND-CREDENTIALS',
};

/**
 * auth_mode from Exotel's auth_type as a client may send it on PUT /trunks (its Postman
 * collection lists auth_type among the fields of the update): any case, with hyphens, spaces or
 * underscores (Exotel's pages show both `IP-WHITELIST` and `ip whitelist`).
 */
export function authModeOfType(authType: string): Trunk['auth_mode'] | undefined {
  const spelled = authType.trim().toUpperCase().replace(/[\s_]+/g, '-');
  return (Object.keys(AUTH_TYPE) as Trunk['auth_mode'][]).find((m) => AUTH_TYPE[m] === spelled);
}

/** Exotel's trunk answers carry `"enabled"` / `"disabled"`, not a JSON boolean. */
export function registrationEnabled(on: boolean): 'enabled' | 'disabled' {
  return on ? 'enabled' : 'disabled';
}

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
    registration_enabled: registrationEnabled(t.registration_enabled),
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

// Exotel's whitelisted-ip answers carry `friendly_name` (null unless set); its documented
// request takes only ip and mask, so through this API it is always null.
export function presentIp(w: WhitelistedIp, trunkSid: string) {
  return { id: String(w.id), ip: w.ip, mask: w.mask, trunk_sid: trunkSid, friendly_name: null, date_created: w.created_at, date_updated: w.updated_at };
}

export function presentDestination(d: DestinationUri, trunkSid: string) {
  return { id: String(d.id), destination: d.destination, type: d.type, priority: d.priority, weight: d.weight, trunk_sid: trunkSid, date_created: d.created_at, date_updated: d.updated_at };
}

export function presentCredential(c: Credential, trunkSid: string) {
  return { id: String(c.id), trunk_sid: trunkSid, user_name: c.user_name, friendly_name: c.friendly_name, realm: c.realm, date_created: c.created_at, date_updated: c.updated_at };
}

export function presentSetting(s: TrunkSetting, trunkSid: string) {
  return { name: s.name, value: s.value, trunk_sid: trunkSid, date_created: s.created_at, date_updated: s.updated_at };
}
