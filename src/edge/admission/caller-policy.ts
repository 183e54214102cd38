import { isE164, normaliseDialled } from './number-policy.js';
import type { NumberView, TrunkView } from '../ports/directory.js';

/**
 * Outbound caller identity (SPEC §2, 404 row): the From number must be one mapped to the
 * trunk; otherwise the trunk's `trunk_external_alias` setting is presented instead; with
 * neither, the call is refused so the carrier never sees an unowned caller id.
 */
export type CallerVerdict =
  | { readonly ok: true; readonly caller: string; readonly aliased: boolean }
  | { readonly ok: false; readonly detail: string };

/** The caller's E.164 form, when the From user part is one. */
export function callerE164(fromUser: string): string | undefined {
  try {
    const c = normaliseDialled(fromUser);
    return isE164(c) ? c : undefined;
  } catch {
    return undefined;
  }
}

/** `mapping`: where the caller number is mapped on the platform (the directory's answer), if anywhere. */
export function checkCaller(trunk: TrunkView, fromUser: string, mapping?: NumberView): CallerVerdict {
  const caller = callerE164(fromUser);
  const owned = caller !== undefined && ((mapping && !mapping.removed && mapping.trunkSid === trunk.trunkSid) || trunk.numbers.includes(caller));
  if (caller && owned) return { ok: true, caller, aliased: false };
  if (trunk.externalAlias) return { ok: true, caller: trunk.externalAlias, aliased: true };
  return { ok: false, detail: `"${fromUser}" is not a number of trunk ${trunk.trunkSid}` };
}
