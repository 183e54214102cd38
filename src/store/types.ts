/** What the repos hand out: plain readonly records, timestamps already in SPEC §1 form. */
export interface Page {
  readonly offset: number;
  readonly limit: number;
}

export interface Paged<T> {
  readonly items: readonly T[];
  readonly total: number;
}

export interface Account {
  readonly id: number;
  readonly sid: string;
  readonly api_key: string;
  readonly created_at: string;
}

export interface NewAccountCredentials {
  readonly account_sid: string;
  readonly api_key: string;
  readonly api_token: string;
}

export type AuthMode = 'ip' | 'digest' | 'ip_or_digest' | 'ip_and_digest';

export interface Trunk {
  readonly id: number;
  readonly sid: string;
  readonly account_sid: string;
  readonly trunk_name: string;
  readonly nso_code: string;
  readonly domain_name: string;
  readonly status: 'active' | 'inactive';
  readonly auth_mode: AuthMode;
  readonly secure_trunking: 'enabled' | 'disabled';
  readonly registration_enabled: boolean;
  readonly edge_preference: string;
  readonly calls_per_minute: number;
  readonly max_concurrent_calls: number | null;
  readonly failover_codes: readonly number[];
  readonly disaster_recovery_uri: string | null;
  readonly flow_uri: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface NewTrunk {
  readonly trunk_name: string;
  readonly nso_code: string;
  readonly domain_name: string;
}

export type TrunkPatch = Partial<Pick<Trunk, 'trunk_name' | 'status' | 'auth_mode' | 'secure_trunking' | 'registration_enabled' | 'calls_per_minute' | 'max_concurrent_calls' | 'failover_codes' | 'disaster_recovery_uri' | 'flow_uri'>>;

export interface PhoneNumber {
  readonly id: number;
  readonly trunk_id: number;
  readonly phone_number: string;
  /** null behaves as pstn (SPEC §1). */
  readonly mode: 'pstn' | 'flow' | null;
  readonly status: 'active' | 'inactive';
  readonly created_at: string;
  readonly updated_at: string;
}

export interface WhitelistedIp {
  readonly id: number;
  readonly trunk_id: number;
  /** Network address. */
  readonly ip: string;
  readonly mask: number;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface DestinationUri {
  readonly id: number;
  readonly trunk_id: number;
  /** `sip:host:port;transport=…` */
  readonly destination: string;
  readonly type: string;
  readonly priority: number;
  readonly weight: number;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface Credential {
  readonly id: number;
  readonly trunk_id: number;
  readonly user_name: string;
  readonly friendly_name: string | null;
  readonly realm: string;
  readonly ha1_md5: string;
  readonly ha1_sha256: string;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface TrunkSetting {
  readonly name: string;
  readonly value: string;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface StoredAnswer {
  readonly request_hash: string;
  readonly status_code: number;
  readonly response_body: string;
}
