import type { CallRecord, TrunkView } from '../store/index.js';

/**
 * The trunk's configuration for a ticket, secrets removed: credentials keep only who and for
 * which realm, never a password or an HA1 (SPEC §8; the guide's ticket wants the trunk, not its
 * keys). The store keeps no history of a trunk, so this is the configuration when the bundle is
 * made, with a flag saying whether the trunk changed after the call started.
 */
export interface TrunkSnapshot {
  readonly trunk_sid: string;
  readonly trunk_name: string;
  readonly account_sid: string;
  readonly domain_name: string;
  readonly nso_code: string;
  readonly status: string;
  readonly auth_mode: string;
  readonly secure_trunking: string;
  readonly calls_per_minute: number;
  readonly max_concurrent_calls: number | null;
  readonly failover_codes: readonly number[];
  readonly disaster_recovery_uri: string | null;
  readonly flow_uri: string | null;
  readonly date_created: string;
  readonly date_updated: string;
  readonly as_of: string;
  readonly changed_since_call: boolean;
  readonly whitelisted_ips: readonly { readonly ip: string; readonly mask: number }[];
  readonly destination_uris: readonly { readonly destination: string; readonly priority: number; readonly weight: number }[];
  readonly credentials: readonly { readonly user_name: string; readonly realm: string; readonly friendly_name: string | null }[];
  readonly settings: Readonly<Record<string, string>>;
}

export function trunkSnapshot(view: TrunkView, record: CallRecord, asOf: string): TrunkSnapshot {
  const t = view.trunk;
  return {
    trunk_sid: t.sid, trunk_name: t.trunk_name, account_sid: t.account_sid, domain_name: t.domain_name, nso_code: t.nso_code,
    status: t.status, auth_mode: t.auth_mode, secure_trunking: t.secure_trunking, calls_per_minute: t.calls_per_minute,
    max_concurrent_calls: t.max_concurrent_calls, failover_codes: t.failover_codes, disaster_recovery_uri: t.disaster_recovery_uri,
    flow_uri: t.flow_uri, date_created: t.created_at, date_updated: t.updated_at, as_of: asOf,
    // Timestamps are SPEC §1 text (UTC, seconds), so they compare as strings.
    changed_since_call: t.updated_at > record.started_at,
    whitelisted_ips: view.whitelisted.map((w) => ({ ip: w.ip, mask: w.mask })),
    destination_uris: view.destinations.map((d) => ({ destination: d.destination, priority: d.priority, weight: d.weight })),
    credentials: view.credentials.map((c) => ({ user_name: c.user_name, realm: c.realm, friendly_name: c.friendly_name })),
    settings: { ...view.settings },
  };
}
