import type { Severity } from '../finding.js';
import { GUIDE_SIP_ROWS } from './guide-sip.js';
import { SIP_REGISTRY, type RegistryRow } from './sip-registry.js';
import type { SipCodeEntry } from './types.js';

// Outcomes the guide calls normal behaviour (or that follow a caller's own CANCEL): a call that
// ends with one of these is reported, not treated as a fault.
const NORMAL_OUTCOMES = new Set([486, 487, 600, 603, 607]);

function severityOf(code: number): Severity {
  if (code < 300 || NORMAL_OUTCOMES.has(code)) return 'info';
  if (code < 400) return 'warning';
  return 'error';
}

function classOf(code: number): SipCodeEntry['class'] {
  return `${Math.floor(code / 100)}xx` as SipCodeEntry['class'];
}

function elaborate(check: string, guideCheck: string): string[] {
  if (check === guideCheck) return [];
  if (!check.startsWith(`${guideCheck}:`)) return [check];
  const rest = check.slice(guideCheck.length + 1).trim();
  return [rest.charAt(0).toUpperCase() + rest.slice(1)];
}

function build(row: RegistryRow): SipCodeEntry {
  const guide = GUIDE_SIP_ROWS.find((g) => g.code === row.code);
  // The guide's check comes first, in its words; our elaboration of it follows as its own line.
  const checks = guide ? [guide.check, ...row.checks.flatMap((c) => elaborate(c, guide.check))] : row.checks;
  return Object.freeze({
    code: row.code,
    name: row.name,
    rfc: row.rfc,
    class: classOf(row.code),
    ...(guide ? { guide } : {}),
    meaning: row.cause,
    // The guide's "likely root cause" (or "what it means" for 1xx/2xx), in its words.
    likelyCause: guide ? guide.cause : row.cause,
    faultDomain: row.domain,
    severity: severityOf(row.code),
    checks,
    fix: row.fix,
  });
}

/** Every registered SIP response code, keyed by code. */
export const SIP_CODES: ReadonlyMap<number, SipCodeEntry> = new Map(SIP_REGISTRY.map((row) => [row.code, build(row)]));

export function sipCodeEntry(code: number): SipCodeEntry | undefined {
  return SIP_CODES.get(code);
}

/**
 * RFC 3261 §8.1.3.2: an unrecognized final response is treated as the x00 code of its class.
 * Returns the registered entry, or the class entry marked as such, or undefined outside 100–699.
 */
export function sipCodeOrClass(code: number): { readonly entry: SipCodeEntry; readonly registered: boolean } | undefined {
  const exact = SIP_CODES.get(code);
  if (exact) return { entry: exact, registered: true };
  if (!Number.isInteger(code) || code < 100 || code > 699) return undefined;
  const base = SIP_CODES.get(Math.floor(code / 100) * 100);
  return base ? { entry: base, registered: false } : undefined;
}
