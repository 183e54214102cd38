/**
 * What the edge needs to know about the provisioning, as a port: app/ adapts the store's
 * read model to it. Every call asks again, so a change made through the API applies to the
 * next call with no restart (issue item 1).
 */
export type AuthMode = 'ip' | 'digest' | 'ip_or_digest' | 'ip_and_digest';

export interface CredentialView {
  readonly username: string;
  /** RFC 7616 H(A1) per algorithm, realm = the trunk's domain_name. */
  readonly ha1Md5: string;
  readonly ha1Sha256: string;
}

export interface DestinationView {
  readonly uri: string;
  readonly priority: number;
  readonly weight: number;
}

export interface TrunkView {
  readonly trunkSid: string;
  readonly accountSid: string;
  readonly name: string;
  readonly domainName: string;
  readonly status: 'active' | 'inactive';
  /** Absent → `ip`, plus digest when the trunk has credentials (SPEC §2). */
  readonly authMode?: AuthMode | null;
  readonly secureTrunking: boolean;
  readonly callsPerMinute: number;
  readonly maxConcurrentCalls?: number | null;
  readonly failoverCodes: readonly number[];
  readonly disasterRecoveryUri?: string | null;
  readonly flowUri?: string | null;
  /** CIDR strings, e.g. "203.0.113.0/24". */
  readonly whitelist: readonly string[];
  readonly credentials: readonly CredentialView[];
  readonly destinations: readonly DestinationView[];
  /** E.164 numbers mapped to the trunk (active ones), for the caller check. */
  readonly numbers: readonly string[];
  readonly externalAlias?: string | null;
  /** Setting rtp_timeout: overrides the server's RTP timeout for this trunk's calls (0 = off); absent → the server's. */
  readonly rtpTimeoutSeconds?: number | null;
  /** Setting record_calls: every call on the trunk is recorded to pcap. */
  readonly recordCalls?: boolean;
  /** Exotel's registration_enabled: PBXs register (RFC 3261 §10) and inbound calls try their contacts first. */
  readonly registrationEnabled?: boolean;
}

export interface NumberView {
  readonly e164: string;
  readonly trunkSid: string;
  readonly accountSid: string;
  readonly status: 'active' | 'inactive';
  /** Removed from the trunk and remembered (calls get 410). */
  readonly removed: boolean;
  readonly mode: 'pstn' | 'flow' | null;
}

export interface EdgeDirectory {
  /** The account named by a Request-URI host: `{account_sid}.{sip_domain}` or a trunk's domain_name. */
  accountByDomain(host: string): Promise<string | undefined>;
  trunksOfAccount(accountSid: string): Promise<readonly TrunkView[]>;
  trunk(trunkSid: string): Promise<TrunkView | undefined>;
  numberByE164(e164: string): Promise<NumberView | undefined>;
  /** Every trunk of the platform (to tie a refusal to the account whose ranges hold its source); optional. */
  allTrunks?(): Promise<readonly TrunkView[]>;
  /** Every account sid (with allTrunks: which `{account_sid}.{sip_domain}` hosts name an account); optional. */
  accountSids?(): Promise<readonly string[]>;
}
