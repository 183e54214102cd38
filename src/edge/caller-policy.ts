import { isE164, normaliseDialled } from './number-policy.js';
import type { TrunkView } from './directory.js';

/**
 * Outbound caller identity (SPEC §2, 404 row): the From number must be one mapped to the
 * trunk; otherwise the trunk's `trunk_external_alias` setting is presented instead; with
 * neither, the call is refused so the carrier never sees an unowned caller id.
 */
export type CallerVerdict =
  | { readonly ok: true; readonly caller: string; readonly aliased: boolean }
  | { readonly ok: false; readonly detail: string };

export function checkCaller(trunk: TrunkView, fromUser: string): CallerVerdict {
  let caller = fromUser;
  try {
    caller = normaliseDialled(fromUser);
  } catch {
    // Keep the raw user part; it will not match a mapped number.
  }
  if (isE164(caller) && trunk.numbers.includes(caller)) return { ok: true, caller, aliased: false };
  if (trunk.externalAlias) return { ok: true, caller: trunk.externalAlias, aliased: true };
  return { ok: false, detail: `"${fromUser}" is not a number of trunk ${trunk.trunkSid}` };
}
