// The API's JSON shapes as the console reads them (from the OpenAPI document and the calls API).

export interface Trunk {
  trunk_sid: string;
  trunk_name: string;
  nso_code: string;
  domain_name: string;
  status: 'active' | 'inactive';
  auth_mode: 'ip' | 'digest' | 'ip_or_digest' | 'ip_and_digest';
  secure_trunking: 'enabled' | 'disabled';
  registration_enabled?: 'enabled' | 'disabled';
  calls_per_minute: number;
  max_concurrent_calls: number | null;
  failover_codes: number[];
  disaster_recovery_uri: string | null;
  flow_uri: string | null;
  date_created: string;
  date_updated: string;
}

export interface PhoneNumber { id: string; phone_number: string; mode: string | null; status: string; date_created: string }
export interface WhitelistedIp { id: string; ip: string; mask: number; date_created: string }
export interface DestinationUri { id: string; destination: string; type?: string; priority: number; weight: number; date_created: string }
export interface Credential { id: string; user_name: string; friendly_name: string | null; realm?: string; date_created: string }
export interface Setting { name: string; value: string; date_updated?: string }

export interface FindingSummary { id: string; code?: number; title: string; severity: string; fault_domain: string }
export interface Finding extends FindingSummary { evidence: string[]; checks: string[]; fix: string }

export interface CallSummary {
  call_sid: string;
  account_sid: string | null;
  trunk_sid: string | null;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  source_address: string;
  transport: string;
  status: 'in-progress' | 'completed' | 'failed' | 'refused';
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  final_code: number | null;
  final_reason: string | null;
  final_by: string | null;
  end_cause: string | null;
  edge_cause: string | null;
  duration_s: number | null;
  setup_ms: number | null;
  findings: FindingSummary[];
}

export interface DirectionMedia {
  packets: number;
  bytes: number;
  lost: number;
  jitter_ms: number;
  max_gap_ms: number;
  source: string | null;
  sdp_address: string | null;
}

/** One sample of a direction over time: [ms since the first sample, packets, lost, jitter ms]. */
export type MediaSample = [number, number, number, number];

export interface CallMedia {
  directions?: Record<'customer_to_carrier' | 'carrier_to_customer', DirectionMedia>;
  series?: { started_at: string; customer_to_carrier: MediaSample[]; carrier_to_customer: MediaSample[] };
  recording?: { started_at: string; packets: number };
}

export interface CallDetail extends Omit<CallSummary, 'findings'> {
  findings: Finding[];
  events: { at: string; kind: string; detail: string }[];
  media: CallMedia | null;
  recording: { pcap_uri?: string; status?: string } | null;
  trace_uri: string;
}

export interface TraceMessage {
  at: string;
  leg: 'customer' | 'carrier';
  direction: 'in' | 'out';
  transport: string;
  src: string;
  dst: string;
  summary: string;
  message: string;
  /** Received only: how long it waited in serve's receive queue before `at` (when the edge read it). */
  queued_ms?: number;
}
