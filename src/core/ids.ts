import { randomBytes, randomFillSync } from 'node:crypto';

// Several ids a call (branches, tags, Call-IDs, the call sid): read out of one pool of CSPRNG
// bytes, refilled 4 KiB at a time, instead of a Buffer and a trip to the RNG per id (issue 13).
const POOL = Buffer.allocUnsafe(4096);
let used = POOL.length;

function hex(bytes: number): string {
  if (used + bytes > POOL.length) {
    randomFillSync(POOL);
    used = 0;
  }
  const s = POOL.toString('hex', used, used + bytes);
  used += bytes;
  return s;
}

/** Exotel-shaped trunk sid: `trmum1` + 18 hex + `1a1n`. */
export function newTrunkSid(): string {
  return `trmum1${hex(9)}1a1n`;
}

export const TRUNK_SID_PATTERN = /^trmum1[0-9a-f]{18}1a1n$/;

/** Call sids are 32 hex, like Exotel's CallSid. */
export function newCallSid(): string {
  return hex(16);
}

/** request_id of the API envelope: 32 lowercase hex. */
export function newRequestId(): string {
  return hex(16);
}

/** RFC 3261 §8.1.1.7: the branch of every request we originate starts with the magic cookie. */
export function newBranch(): string {
  return `z9hG4bK${hex(10)}`;
}

/** RFC 3261 §19.3: tags need at least 32 bits of randomness. */
export function newTag(): string {
  return hex(6);
}

export function newCallId(host?: string): string {
  return host ? `${hex(12)}@${host}` : hex(16);
}

/** Secrets come straight from the RNG, never through the shared pool. */
export function newSecret(bytes = 24): string {
  return randomBytes(bytes).toString('hex');
}
