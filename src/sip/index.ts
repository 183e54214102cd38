// sip: our RFC 3261 stack on Node built-ins only; this file is its whole public face.
export { DIGEST_ALGORITHMS, type DigestAlgorithm, digestHash, computeHa1 } from './auth/ha1.js';
