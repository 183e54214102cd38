import { createHash } from 'node:crypto';

/** RFC 7616 §3.4.2 algorithms we accept; the -sess variants are derived from the same HA1. */
export const DIGEST_ALGORITHMS = ['MD5', 'SHA-256'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

const NODE_HASH: Record<DigestAlgorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

export function digestHash(algorithm: DigestAlgorithm, data: string): string {
  return createHash(NODE_HASH[algorithm]).update(data, 'utf8').digest('hex');
}

/**
 * RFC 7616 §3.4.2: A1 = username ":" realm ":" passwd. Storing H(A1) per algorithm lets the
 * edge verify a response without ever keeping the password.
 */
export function computeHa1(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  return digestHash(algorithm, `${username}:${realm}:${password}`);
}
