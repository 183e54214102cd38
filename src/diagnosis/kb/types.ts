import type { FaultDomain, Severity } from '../finding.js';

/** A row of the guide's SIP tables, in the guide's own words (column by column). */
export interface GuideSipRow {
  readonly code: number;
  /** "meaning" column: the reason phrase as the guide writes it. */
  readonly meaning: string;
  /** "likely root cause" (4xx–6xx) or "what it means" (1xx–2xx). */
  readonly cause: string;
  readonly check: string;
  /** The guide's section heading. */
  readonly section: string;
}

/** One SIP response code: the registry's facts, the guide's row when it has one, our advice always. */
export interface SipCodeEntry {
  readonly code: number;
  /** IANA registry reason phrase. */
  readonly name: string;
  /** The RFC that defines it, as "RFC 3261". */
  readonly rfc: string;
  readonly class: '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | '6xx';
  readonly guide?: GuideSipRow;
  /** What it means in a real deployment. */
  readonly meaning: string;
  /** The guide's likely root cause when it has a row, else ours. */
  readonly likelyCause: string;
  readonly faultDomain: FaultDomain;
  /** How bad it is when it ends a call: normal outcomes (486, 603) are info. */
  readonly severity: Severity;
  /** What to check next, most likely first; the guide's check comes first when it has one. */
  readonly checks: readonly string[];
  readonly fix: string;
}

export interface MediaSymptom {
  readonly id: string;
  readonly symptom: string;
  readonly cause: string;
  readonly check: string;
  readonly faultDomain: FaultDomain;
  /** Finding ids the engine files this symptom under. */
  readonly findings: readonly string[];
  readonly explanation: string;
  readonly checks: readonly string[];
  readonly fix: string;
  /** Free words people use for it, for explain(). */
  readonly aliases: readonly string[];
}

export interface CodecRequirement {
  readonly item: string;
  readonly requirement: string;
}

export interface CodecRule {
  readonly requirements: readonly CodecRequirement[];
  /** The guide's "ensure …" lines. */
  readonly ensure: readonly string[];
  readonly findings: readonly string[];
}

export interface ApiErrorEntry {
  readonly code: number;
  readonly httpStatus: number;
  readonly meaning: string;
  readonly indicates: string;
  readonly endpoints: readonly string[];
  readonly action: string;
  /** 'guide' for the guide's six rows, 'spec' for the ones SPEC §1 adds. */
  readonly source: 'guide' | 'spec';
}

export interface ChecklistItem {
  readonly item: string;
  /** How to verify it with trunkline (the preflight check or the setting to read). */
  readonly how: string;
}

export interface TicketField {
  readonly field: string;
  /** Where trunkline finds it (call record field or bundle part). */
  readonly source: string;
}
