/** Where the fault lies: the guide's "where the issue most likely lies", as a closed set. */
export const FAULT_DOMAINS = ['customer-network', 'customer-pbx', 'trunk-config', 'carrier', 'far-end', 'edge'] as const;
export type FaultDomain = (typeof FAULT_DOMAINS)[number];

/** Where to act, in words: the side a problem list names. */
export const FAULT_DOMAIN_WORDS: Readonly<Record<FaultDomain, string>> = {
  'customer-network': "the customer's network (firewall, NAT, ports)",
  'customer-pbx': "the customer's PBX configuration",
  'trunk-config': 'the trunk configuration (provisioning)',
  carrier: 'the carrier / upstream network',
  'far-end': 'the far end (the called or calling party)',
  edge: 'the trunkline edge itself',
};

export const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * What the engine concludes about one call. `id` is stable (e.g. `codec.no-pcma`) and is
 * the same whether the evidence came from a capture, the edge or the media relay.
 */
export interface Finding {
  readonly id: string;
  readonly code?: number;
  readonly title: string;
  readonly severity: Severity;
  readonly fault_domain: FaultDomain;
  /** What was seen, in plain words with the values (addresses, codecs, times). */
  readonly evidence: readonly string[];
  /** What to check next, most likely first. */
  readonly checks: readonly string[];
  readonly fix: string;
}
