import ipaddr from 'ipaddr.js';
import type { EdgeCause } from '../causes.js';
import type { EdgeDirectory, TrunkView } from '../ports/directory.js';

/**
 * SPEC §2 "Identifying the trunk of a request from the customer side": the Request-URI domain
 * names the account, the source address picks the trunk whose whitelisted range contains it
 * (longest prefix wins, like a routing table), and trunks that accept digest alone are kept as
 * candidates for a request from an address no range contains.
 */
export type Identification =
  | { readonly ok: true; readonly accountSid: string; readonly trunk: TrunkView; readonly byIp: true }
  | { readonly ok: true; readonly accountSid: string; readonly digestCandidates: readonly TrunkView[]; readonly byIp: false }
  | { readonly ok: false; readonly cause: Extract<EdgeCause, 'unknown-domain' | 'ip-not-whitelisted' | 'trunk-inactive'>; readonly accountSid?: string; readonly trunkSid?: string; readonly detail: string };

/** Length of the longest whitelisted prefix of `trunk` containing `ip`, or -1. */
export function matchPrefix(ip: string, cidrs: readonly string[]): number {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(ip);
  } catch {
    return -1;
  }
  let best = -1;
  for (const cidr of cidrs) {
    const range = rangeOf(cidr);
    if (range === null) continue;
    const [net, bits] = range;
    if (net.kind() === addr.kind() && addr.match(net, bits) && bits > best) best = bits;
  }
  return best;
}

/**
 * Whitelisted ranges parsed once, not on every INVITE (ipaddr's parseCIDR tries IPv6 first: it
 * was ~2 % of serve's CPU under load, issue 13). Ranges are few; the bound only guards the memory.
 */
const ranges = new Map<string, [ipaddr.IPv4 | ipaddr.IPv6, number] | null>();

function rangeOf(cidr: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | null {
  let range = ranges.get(cidr);
  if (range === undefined) {
    try {
      range = ipaddr.parseCIDR(cidr.includes('/') ? cidr : `${cidr}/${cidr.includes(':') ? 128 : 32}`);
    } catch {
      // A malformed stored range matches nothing; the API validates on the way in.
      range = null;
    }
    if (ranges.size >= 10_000) ranges.clear();
    ranges.set(cidr, range);
  }
  return range;
}

export async function identifyTrunk(dir: EdgeDirectory, requestHost: string, sourceIp: string): Promise<Identification> {
  const accountSid = await dir.accountByDomain(requestHost.toLowerCase());
  if (!accountSid) return { ok: false, cause: 'unknown-domain', detail: `"${requestHost}"` };
  const trunks = await dir.trunksOfAccount(accountSid);
  let best: TrunkView | undefined;
  let bestBits = -1;
  for (const t of trunks) {
    const bits = matchPrefix(sourceIp, t.whitelist);
    if (bits > bestBits) [best, bestBits] = [t, bits];
  }
  if (best) {
    if (best.status !== 'active') return { ok: false, cause: 'trunk-inactive', accountSid, trunkSid: best.trunkSid, detail: best.trunkSid };
    return { ok: true, accountSid, trunk: best, byIp: true };
  }
  // A trunk that takes registrations serves PBXs on addresses nobody whitelisted (issue 11 item 2):
  // their calls are admitted by digest alone, like a digest trunk's — unless it demands IP and digest.
  const digestOnly = trunks.filter((t) => t.credentials.length > 0
    && (t.authMode === 'digest' || t.authMode === 'ip_or_digest' || (t.registrationEnabled === true && t.authMode !== 'ip_and_digest')));
  if (digestOnly.length) return { ok: true, accountSid, digestCandidates: digestOnly, byIp: false };
  return { ok: false, cause: 'ip-not-whitelisted', accountSid, detail: `${sourceIp} is not in the ranges of the account's trunks` };
}

/**
 * Whether a trunk found by IP must also pass digest auth. SPEC §2: "a trunk that has
 * credentials also demands digest auth" — so the store's default `ip` mode means "IP, and
 * digest once credentials exist"; only `ip_or_digest` lets a whitelisted source in alone.
 */
export function needsDigest(trunk: TrunkView): boolean {
  if (trunk.credentials.length === 0) return false;
  return trunk.authMode !== 'ip_or_digest';
}
