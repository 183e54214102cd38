import type { GuideSipRow } from './types.js';

// Sections 1)–5) of the guide (../shared/seed/000_289403b9e8f0abac.txt), every row, in its words.
const S1 = 'Provisional responses (1xx – informational)';
const S2 = 'Successful responses (2xx)';
const S3 = 'Client errors (4xx – most common)';
const S4 = 'Server errors (5xx)';
const S5 = 'Global failures (6xx)';

export const GUIDE_SIP_ROWS: readonly GuideSipRow[] = [
  { code: 100, meaning: 'Trying', cause: 'SIP request received and being processed', check: 'Normal behavior', section: S1 },
  { code: 180, meaning: 'Ringing', cause: 'Destination endpoint is ringing', check: 'Normal behavior', section: S1 },
  { code: 183, meaning: 'Session Progress', cause: 'Early media (IVR / announcements)', check: 'If audio missing → RTP ports', section: S1 },
  { code: 200, meaning: 'OK', cause: 'Call successfully connected', check: 'If no audio → RTP / NAT', section: S2 },
  { code: 400, meaning: 'Bad Request', cause: 'Malformed SIP headers or SDP', check: 'SIP logs for invalid headers', section: S3 },
  { code: 401, meaning: 'Unauthorized', cause: 'Authentication required', check: 'Credentials (if applicable)', section: S3 },
  { code: 403, meaning: 'Forbidden', cause: 'IP not allowed', check: 'ACL / whitelisted IP', section: S3 },
  { code: 404, meaning: 'Not Found', cause: 'Invalid DID or routing', check: 'Phone number mapping', section: S3 },
  { code: 408, meaning: 'Request Timeout', cause: 'No SIP response', check: 'Firewall / reachability', section: S3 },
  { code: 410, meaning: 'Gone', cause: 'Number inactive or removed', check: 'DID status', section: S3 },
  { code: 415, meaning: 'Unsupported Media', cause: 'Codec not supported', check: 'Ensure G.711 A-law enabled', section: S3 },
  { code: 480, meaning: 'Temporarily Unavailable', cause: 'Endpoint unreachable', check: 'PBX availability', section: S3 },
  { code: 484, meaning: 'Address Incomplete', cause: 'Invalid number format', check: 'E.164 format', section: S3 },
  { code: 486, meaning: 'Busy Here', cause: 'Destination busy', check: 'Normal behavior', section: S3 },
  { code: 488, meaning: 'Not Acceptable Here', cause: 'SDP / codec mismatch', check: 'G.711 A-law only', section: S3 },
  { code: 500, meaning: 'Server Error', cause: 'Internal processing failure', check: 'Retry call', section: S4 },
  { code: 502, meaning: 'Bad Gateway', cause: 'Upstream routing issue', check: 'Retry', section: S4 },
  { code: 503, meaning: 'Service Unavailable', cause: 'Destination unreachable', check: 'Network / routing', section: S4 },
  { code: 504, meaning: 'Gateway Timeout', cause: 'No upstream response', check: 'Firewall / latency', section: S4 },
  { code: 580, meaning: 'Precondition Failure', cause: 'Media negotiation failed', check: 'RTP / NAT', section: S4 },
  { code: 600, meaning: 'Busy Everywhere', cause: 'All endpoints busy', check: 'Retry', section: S5 },
  { code: 603, meaning: 'Decline', cause: 'Call rejected by endpoint', check: 'PBX dialplan', section: S5 },
  { code: 604, meaning: 'Does Not Exist Anywhere', cause: 'Invalid number', check: 'DID correctness', section: S5 },
  { code: 606, meaning: 'Not Acceptable', cause: 'Media policy failure', check: 'Codec / SDP', section: S5 },
];
