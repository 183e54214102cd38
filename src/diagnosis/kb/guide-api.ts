import type { ApiErrorEntry, ChecklistItem, TicketField } from './types.js';

// Section 8) of the guide, in its words; 1010 and 1030 are the codes SPEC §1 adds.
export const API_ERRORS: readonly ApiErrorEntry[] = [
  {
    code: 1000, httpStatus: 404, meaning: 'Not Found', indicates: 'Resource does not exist',
    endpoints: ['POST /trunks/{trunk_sid}/phone-numbers', 'POST /trunks/{trunk_sid}/whitelisted-ips', 'POST /trunks/{trunk_sid}/destination-uris', 'PUT /trunks/{trunk_sid}/phone-numbers/{id}'],
    action: 'Verify trunk SID, phone number ID, or API path', source: 'guide',
  },
  {
    code: 1001, httpStatus: 400, meaning: 'Mandatory parameter missing', indicates: 'Required field not sent in request',
    endpoints: ['POST /trunks', 'POST /phone-numbers', 'PUT /phone-numbers/{id}'],
    action: 'Ensure all mandatory fields are present', source: 'guide',
  },
  {
    code: 1002, httpStatus: 400, meaning: 'Invalid parameter', indicates: 'Field value is invalid or not allowed',
    endpoints: ['POST /trunks', 'POST /destination-uris', 'POST /whitelisted-ips'],
    action: 'Validate parameter format (IP, FQDN, E.164 number)', source: 'guide',
  },
  {
    code: 1007, httpStatus: 400, meaning: 'Invalid request body', indicates: 'JSON is malformed or not parsable',
    endpoints: ['All POST / PUT APIs'],
    action: 'Fix JSON syntax, remove trailing commas, ensure valid JSON', source: 'guide',
  },
  {
    code: 1008, httpStatus: 409, meaning: 'Duplicate resource', indicates: 'Resource already exists',
    endpoints: ['POST /trunks', 'POST /phone-numbers', 'POST /whitelisted-ips'],
    action: 'Safe to ignore if config already exists', source: 'guide',
  },
  {
    code: 1010, httpStatus: 401, meaning: 'Authorization failed', indicates: 'Missing or wrong api_key / api_token (HTTP Basic)',
    endpoints: ['All APIs'],
    action: 'Send the account api_key:api_token as HTTP Basic credentials', source: 'spec',
  },
  {
    code: 1011, httpStatus: 415, meaning: 'Unsupported content type', indicates: 'Incorrect Content-Type header',
    endpoints: ['All POST / PUT APIs'],
    action: 'Use Content-Type: application/json', source: 'guide',
  },
  {
    code: 1030, httpStatus: 429, meaning: 'Rate limit exceeded', indicates: "Over the account's request rate (200 requests/min by default)",
    endpoints: ['All APIs'],
    action: 'Wait for the Retry-After seconds, then retry at a lower rate', source: 'spec',
  },
];

// Section 9) of the guide: before contacting support.
export const SUPPORT_CHECKLIST: readonly ChecklistItem[] = [
  { item: 'SIP signaling port (443 / 5070) reachable', how: 'trunkline preflight checks TCP 5070 and TLS 443 (or the configured ports) and sends OPTIONS over each transport' },
  { item: 'UDP 10000–40000 open', how: 'trunkline preflight runs an echo test through the media relay' },
  { item: 'Correct Exotel IPs allowed', how: "the edge's signaling and media addresses are allowed in the PBX firewall; this host's public IP is in the trunk's whitelisted IPs" },
  { item: 'Correct trunk domain used', how: 'the Request-URI domain is the trunk domain_name ({account_sid}.<sip_domain>)' },
  { item: 'Correct mode (PSTN or Flow)', how: 'each phone number has the mode it needs (GET /trunks/{trunk_sid}/phone-numbers)' },
  { item: 'Correct destination URI configured', how: 'GET /trunks/{trunk_sid}/destination-uris lists a reachable host:port;transport' },
  { item: 'G.711 A-law enabled', how: 'the PBX offers PCMA first; trunkline preflight checks the offer' },
];

// Section 10) of the guide: what a ticket carries.
export const TICKET_FIELDS: readonly TicketField[] = [
  { field: 'Trunk SID', source: 'call record trunk_sid' },
  { field: 'CallSid', source: 'call record call_sid (X-Trunkline-Call-Sid header)' },
  { field: 'Call direction (inbound / outbound)', source: 'call record direction' },
  { field: 'SIP response code (if any)', source: 'call record final code' },
  { field: 'Timestamp (with timezone)', source: 'call record start time, ISO 8601 with offset' },
  { field: 'PBX SIP logs or PCAP (if available)', source: 'the SIP trace and pcap in `trunkline bundle CALL_SID`' },
];

/** The guide's advice on when to contact support, in its words. */
export const SUPPORT_CONTACT = 'Raise a ticket only after verification, and share the ticket fields.';
