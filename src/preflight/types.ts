/** One item of the guide's checklist (§9) as preflight saw it. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Stable id: `signaling.tcp`, `options.udp`, `tls.certificate`, `media.echo`, `trunk.whitelist`, … */
  readonly id: string;
  /** The checklist item in the guide's words. */
  readonly item: string;
  readonly status: CheckStatus;
  /** What was seen, in plain words with the values. */
  readonly seen: string;
  /** The exact change to make (absent when the item passed). */
  readonly change?: string;
  /** Round trip of the exchange, when the item is one (OPTIONS, connect, handshake). */
  readonly rtt_ms?: number;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface PreflightReport {
  readonly trunk_domain: string;
  readonly edge: { readonly host: string; readonly sip_port: number; readonly tls_port: number | null };
  /** Filled when API credentials named the trunk. */
  readonly account_sid: string | null;
  readonly trunk_sid: string | null;
  readonly trunk_name: string | null;
  /** This host's address as the edge saw it (the `received`/`rport` of its Via), when it answered. */
  readonly public_address: string | null;
  /** UTC ISO 8601 with milliseconds. */
  readonly started_at: string;
  readonly finished_at: string;
  readonly items: readonly CheckResult[];
  readonly summary: { readonly pass: number; readonly warn: number; readonly fail: number; readonly skip: number };
  /** No item failed. */
  readonly ok: boolean;
  /** Where the report was stored on the edge (with API credentials, unless --no-save). */
  readonly saved: { readonly id: string | null; readonly uri: string | null; readonly error: string | null } | null;
}

/** The checklist items of the guide (§9), word for word, that each check reports under. */
export const ITEMS = {
  signaling: 'SIP signaling port (443 / 5070) reachable',
  rtp: 'UDP 10000–40000 open',
  ips: 'Correct Exotel IPs allowed',
  domain: 'Correct trunk domain used',
  mode: 'Correct mode (PSTN or Flow)',
  destination: 'Correct destination URI configured',
  codec: 'G.711 A-law enabled',
} as const;

export function summarise(items: readonly CheckResult[]): PreflightReport['summary'] {
  const s = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const i of items) s[i.status]++;
  return s;
}
