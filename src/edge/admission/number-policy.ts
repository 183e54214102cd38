import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { BoundedMemo } from '../../core/index.js';
import type { EdgeCause } from '../causes.js';

/**
 * The guide's number rules: the dialled number must be E.164 (484 otherwise) and must exist
 * in its country's numbering plan (604 otherwise). The "max" metadata checks number ranges,
 * not only lengths, so a well-formed but unassigned range is a 604, not a ring-out.
 */
export type NumberVerdict =
  | { readonly ok: true; readonly e164: string; readonly country?: string }
  | { readonly ok: false; readonly cause: Extract<EdgeCause, 'not-e164' | 'number-not-in-plan'>; readonly detail: string };

/** ITU-T E.164 §6: '+' then a country code and at most 15 digits; shorter than 8 is never a full number. */
const E164 = /^\+[1-9]\d{7,14}$/;

/**
 * Takes a Request-URI or To user part (sip:+91…@host;user=phone or tel:+91…); visual
 * separators of RFC 3966 §5.1.1 (`-` `.` `(` `)`) are ignored, anything else breaks E.164.
 */
export function normaliseDialled(user: string): string {
  return decodeURIComponent(user).replace(/[-.()]/g, '');
}

/**
 * Verdicts by the user part as dialled. The plan lookup (libphonenumber's parse and range match
 * with the "max" metadata) was ~55 µs a call, a quarter of an outbound call's admission and
 * ~4.6 % of serve's SIP thread (issue 13); the verdict depends on the string alone, and calls
 * repeat numbers: every inbound call dials one of the platform's DIDs, outbound ones a PBX's
 * frequent destinations.
 */
const verdicts = new BoundedMemo<NumberVerdict>(4096, judgeNumber);
export const VERDICTS_KEPT = verdicts.max;

/** How many verdicts are kept now (tests: the bound holds). */
export function numberVerdictsKept(): number {
  return verdicts.size;
}

export function checkNumber(user: string): NumberVerdict {
  return verdicts.get(user);
}

function judgeNumber(user: string): NumberVerdict {
  let dialled: string;
  try {
    dialled = normaliseDialled(user);
  } catch {
    return { ok: false, cause: 'not-e164', detail: `"${user}" is not a number` };
  }
  if (!E164.test(dialled)) {
    const why = !dialled.startsWith('+') ? 'missing "+"' : /\D/.test(dialled.slice(1)) ? 'contains characters other than digits' : 'wrong length';
    return { ok: false, cause: 'not-e164', detail: `"${user}" (${why})` };
  }
  const parsed = parsePhoneNumberFromString(dialled);
  if (!parsed || !parsed.isValid()) {
    return { ok: false, cause: 'number-not-in-plan', detail: `${dialled}${parsed?.country ? ` in the ${parsed.country} plan` : ''}` };
  }
  return parsed.country ? { ok: true, e164: dialled, country: parsed.country } : { ok: true, e164: dialled };
}

/** True when the string is E.164-shaped; caller-id checks use it without the plan lookup. */
export function isE164(value: string): boolean {
  return E164.test(value);
}
