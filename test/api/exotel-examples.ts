/**
 * Request/response examples as Exotel documents them, for test/api/exotel-replay.test.ts.
 * Each names its source; the values are the documented ones (account `exoteltest`, its SIP
 * domain `exoteltest.pstn.exotel.com`), except where the documentation contradicts itself,
 * which the comment at the example says. Instance data (request ids, sids, ids, timestamps)
 * are compared by form, not value.
 */
const REF = 'https://github.com/exotel/exotel-vsip-trunk-Configuration-API/blob/main/docs/API_REFERENCE.md';
const CRED = 'https://github.com/exotel/exotel-vsip-trunk-Configuration-API/blob/main/docs/Public-SIP-Trunk-Credentials-APIs.md';
const ERR = 'https://github.com/exotel/exotel-vsip-trunk-Configuration-API/blob/main/TRUNK_ERRORS_README.md';

/** The trunk sid the documented answers use; a replayed answer carries its own instead. */
export const DOC_TRUNK_SID = 'trmum1f708622631150902801a1n';
const PATHS = `/v2/accounts/exoteltest/trunks/${DOC_TRUNK_SID}`;

export interface Example {
  readonly source: string;
  /** Where trunkline's description says more than Exotel's: what it must match instead. */
  readonly description?: RegExp;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Below /v2/accounts/exoteltest; `{trunk}` and `{id}` are filled in at replay. */
  readonly path: string;
  readonly body?: unknown;
  readonly http: number;
  readonly answer: Record<string, unknown>;
}

const ok = (data: unknown) => ({ code: 200, error_data: null, status: 'success', data });

export const CREATE_TRUNK: Example = {
  source: `${REF} §1 Create Trunk; https://developer.exotel.com/api/create-trunk`,
  method: 'POST', path: '/trunks', http: 200,
  body: { trunk_name: 'outbound_trunk', nso_code: 'ANY-ANY', domain_name: 'exoteltest.pstn.exotel.com' },
  answer: {
    request_id: '10a67da360d446378d5c2b66407b7f18', method: 'POST', http_code: 200,
    response: ok({
      trunk_name: 'outbound_trunk', date_created: '2026-01-23T09:24:59Z', date_updated: '2026-01-23T09:24:59Z', trunk_sid: DOC_TRUNK_SID,
      status: 'active', domain_name: 'exoteltest.pstn.exotel.com', auth_type: 'IP-WHITELIST', registration_enabled: 'disabled',
      edge_preference: 'auto', nso_code: 'ANY-ANY', secure_trunking: 'disabled',
      destination_uris: `${PATHS}/destination-uris`, whitelisted_ips: `${PATHS}/whitelisted-ips`,
      credentials: `${PATHS}/credentials`, phone_numbers: `${PATHS}/phone-numbers`,
    }),
  },
};

// The documented request sends "mode": "pstn" and the documented answer shows mode null;
// the answer matches a request without mode (the Postman and inbound examples send none).
export const MAP_NUMBER: Example = {
  source: `${REF} §2 Map Phone Number; https://developer.exotel.com/api/map-phone-number-to-trunk`,
  method: 'POST', path: '/trunks/{trunk}/phone-numbers', http: 200, body: { phone_number: '+919876543210' },
  answer: {
    request_id: '13ab9319cf574486ba299c364f82cade', method: 'POST', http_code: 200,
    response: ok({ id: '41512', phone_number: '+919876543210', trunk_sid: DOC_TRUNK_SID, date_created: '2026-01-23T10:26:54Z', date_updated: '2026-01-23T10:26:54Z', mode: null }),
  },
};

export const SECOND_NUMBER = { phone_number: '+918040264208' };

const flowNumber = { id: '41523', phone_number: '+918040264208', trunk_sid: DOC_TRUNK_SID, date_created: '2026-01-23T13:28:11Z', date_updated: '2026-01-23T13:41:59Z', mode: 'flow' };

export const UPDATE_MODE: Example = {
  source: `${REF} §3 Update Phone Number Mode; https://developer.exotel.com/api/update-phone-number-mode`,
  method: 'PUT', path: '/trunks/{trunk}/phone-numbers/{id}', http: 200, body: { phone_number: '+918040264208', mode: 'flow' },
  answer: { request_id: 'c719cd56eb5943e789e1bdbd4ce1515a', method: 'PUT', http_code: 200, response: ok(flowNumber) },
};

export const WHITELIST_IP: Example = {
  source: `${REF} §4 Whitelist IP Address; https://developer.exotel.com/api/map-acl-to-trunkwhitelist-ips-for-outbound-sip`,
  method: 'POST', path: '/trunks/{trunk}/whitelisted-ips', http: 200, body: { ip: '203.0.113.50', mask: 32 },
  answer: {
    request_id: '3daaed4cd05d443f854e07e60dd4c008', method: 'POST', http_code: 200,
    response: ok({ id: '1153', mask: 32, trunk_sid: DOC_TRUNK_SID, ip: '203.0.113.50', friendly_name: null, date_created: '2026-01-23T11:37:36Z', date_updated: '2026-01-23T11:37:36Z' }),
  },
};

// The documented request whitelists 203.0.113.50 and answers for 44.248.146.11; §8 shows
// 44.248.146.11 whitelisted, so the replay whitelists it first and adds that destination.
export const ADD_DESTINATION: Example = {
  source: `${REF} §5 Add Destination URI`,
  method: 'POST', path: '/trunks/{trunk}/destination-uris', http: 200, body: { destinations: [{ destination: '44.248.146.11:5061;transport=tls' }] },
  answer: {
    request_id: '63999f0a98a24a0aa58ab5b74aec9f0a', method: 'POST', http_code: 200, metadata: { total: 1, success: 1 },
    response: [ok({ id: '2543', destination: 'sip:44.248.146.11:5061;transport=tls', date_created: '2026-01-23T13:38:32Z', date_updated: '2026-01-23T13:38:32Z', type: 'public', priority: 0, weight: 1, trunk_sid: DOC_TRUNK_SID })],
  },
};

const failedItem = (description: string) => ({ code: 400, error_data: { code: 1002, message: 'Invalid parameter', description }, status: 'failure', data: null });

export const DESTINATION_INVALID: Example = {
  source: `${REF} §5 Error Response (400/207 - Invalid Destination)`,
  method: 'POST', path: '/trunks/{trunk}/destination-uris', http: 207, body: { destinations: [{ destination: 'not_a_host!:5061;transport=tls' }] },
  answer: { request_id: 'f4909884342e4532a4ccf30d617519af', method: 'POST', http_code: 207, metadata: { failed: 1, total: 1, success: 0 }, response: [failedItem('Destination is not a valid Ip or Fqdn')] },
};

export const DESTINATION_NOT_WHITELISTED: Example = {
  source: `${REF} §5 Error Response (207 - Destination Not Whitelisted)`,
  method: 'POST', path: '/trunks/{trunk}/destination-uris', http: 207, body: { destinations: [{ destination: '198.51.100.99:5061;transport=tls' }] },
  answer: { request_id: 'c06dc46304aa406ea7daca83785bc7a9', method: 'POST', http_code: 207, metadata: { failed: 1, total: 1, success: 0 }, response: [failedItem('Destination not whitelisted')] },
};

const page = (sub: string) => ({ page_size: 50, first_page_uri: `${PATHS}/${sub}?offset=0&page_size=50`, prev_page_uri: null, next_page_uri: null });

export const LIST_NUMBERS: Example = {
  source: `${REF} §7 Get Phone Numbers; https://developer.exotel.com/api/get-phone-numbers-details-of-trunk`,
  method: 'GET', path: '/trunks/{trunk}/phone-numbers', http: 200,
  answer: { request_id: '785471d288054cbf8c677b75e0b5f2f8', method: 'GET', http_code: 200, metadata: page('phone-numbers'), response: [ok(flowNumber)] },
};

export const LIST_IPS: Example = {
  source: `${REF} §8 Get Whitelisted IPs`,
  method: 'GET', path: '/trunks/{trunk}/whitelisted-ips', http: 200,
  answer: {
    request_id: '91dc982ca79846479c6f9678c788cfc1', method: 'GET', http_code: 200, metadata: page('whitelisted-ips'),
    response: [ok({ id: '1154', mask: 32, trunk_sid: DOC_TRUNK_SID, ip: '44.248.146.11', friendly_name: null, date_created: '2026-01-23T13:30:04Z', date_updated: '2026-01-23T13:30:04Z' })],
  },
};

export const FQDN_DESTINATION = { destinations: [{ destination: 'sip.mycompany.com:5061;transport=tls' }] };

export const LIST_DESTINATIONS: Example = {
  source: `${REF} §9 Get Destination URIs; https://developer.exotel.com/api/get-sip-inbound-destination-uri-of-trunk`,
  method: 'GET', path: '/trunks/{trunk}/destination-uris', http: 200,
  answer: {
    request_id: 'bfc1544ab0ab4df3ae49173ccc744331', method: 'GET', http_code: 200, metadata: page('destination-uris'),
    response: [
      ok({ id: '2544', destination: 'sip:sip.mycompany.com:5061;transport=tls', date_created: '2026-01-23T13:39:06Z', date_updated: '2026-01-23T13:39:06Z', type: 'public', priority: 0, weight: 1, trunk_sid: DOC_TRUNK_SID }),
      ok({ id: '2543', destination: 'sip:44.248.146.11:5061;transport=tls', date_created: '2026-01-23T13:38:32Z', date_updated: '2026-01-23T13:38:32Z', type: 'public', priority: 0, weight: 1, trunk_sid: DOC_TRUNK_SID }),
    ],
  },
};

export const SET_ALIAS: Example = {
  source: `${REF} §10 Set Trunk Alias`,
  method: 'POST', path: '/trunks/{trunk}/settings', http: 200, body: { settings: [{ name: 'trunk_external_alias', value: '+919876543210' }] },
  answer: {
    request_id: '8ce98845365f43fd97c2f46df38438c6', method: 'POST', http_code: 200, metadata: { total: 1, success: 1 },
    response: [ok({ name: 'trunk_external_alias', value: '+919876543210', trunk_sid: DOC_TRUNK_SID, date_created: '2026-01-23T13:34:50Z', date_updated: '2026-01-23T13:34:50Z' })],
  },
};

const credential = { id: '1234', trunk_sid: DOC_TRUNK_SID, user_name: 'voice_ai_user', friendly_name: 'voice_ai_platform', date_created: '2026-01-23T11:37:36Z', date_updated: '2026-01-23T11:37:36Z' };

export const CREATE_CREDENTIAL: Example = {
  source: `${CRED} §1 Create credentials`,
  method: 'POST', path: '/trunks/{trunk}/credentials', http: 200,
  body: { user_name: 'voice_ai_user', password: 'REPLACE_WITH_STRONG_PASSWORD', friendly_name: 'voice_ai_platform' },
  answer: { request_id: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', method: 'POST', http_code: 200, response: ok(credential) },
};

// metadata.page is documented "if present"; trunkline does not send it.
export const LIST_CREDENTIALS: Example = {
  source: `${CRED} §2 List credentials`,
  method: 'GET', path: '/trunks/{trunk}/credentials?page_size=50&offset=0', http: 200,
  answer: {
    request_id: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', method: 'GET', http_code: 200,
    metadata: { total: 1, page_size: 50, first_page_uri: `${PATHS}/credentials?page_size=50&offset=0`, prev_page_uri: null, next_page_uri: null },
    response: [ok(credential)],
  },
};

export const DELETE_CREDENTIAL: Example = {
  source: `${CRED} §3 Delete credentials`,
  method: 'DELETE', path: '/trunks/{trunk}/credentials?id={id}', http: 200,
  answer: { request_id: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', method: 'DELETE', http_code: 200, response: ok(credential) },
};

// Exotel answers a duplicate inside HTTP 200 (response.code 409); trunkline's HTTP status is
// 409 too (docs/exotel-api.md), so http_code is the one documented difference here.
export const DUPLICATE_IP: Example = {
  source: `${REF} §4 Error Response (409 - Duplicate IP)`,
  method: 'POST', path: '/trunks/{trunk}/whitelisted-ips', http: 409, body: { ip: '44.248.146.11', mask: 32 },
  description: /^whitelisted ip 44\.248\.146\.11\/32 already exists$/,
  answer: {
    request_id: '901c1fb5f9c244fea99fdf498665f229', method: 'POST', http_code: 409,
    response: { code: 409, error_data: { code: 1008, message: 'Duplicate resource', description: 'Unable to Whitelist-ip with ip 44.248.146.11' }, status: 'failure', data: null },
  },
};

export const AUTH_FAILED: Example = {
  source: `${ERR} Error Code 1010`,
  method: 'POST', path: '/trunks', http: 401, body: CREATE_TRUNK.body,
  answer: {
    request_id: 'c6084ac2e9a44812824b42577f01937b', method: 'POST', http_code: 401,
    response: { code: 401, error_data: { code: 1010, message: 'Authorization failed', description: 'Authorization failed' }, status: 'failure', data: null },
  },
};

// §11's example deletes another trunk (my_trunk1234 of account ameyo5m); the replay deletes the
// trunk of §1, so the values are §1's and the fields §11's (no sub-resource paths listed).
const deleted = { ...(CREATE_TRUNK.answer.response as { data: Record<string, unknown> }).data };
for (const k of ['destination_uris', 'whitelisted_ips', 'credentials', 'phone_numbers']) delete deleted[k];

export const DELETE_TRUNK: Example = {
  source: `${REF} §11 Delete Trunk`,
  method: 'DELETE', path: '/trunks?trunk_sid={trunk}', http: 200,
  answer: { request_id: 'f708818c79f547b3aee31c4a480367a5', method: 'DELETE', http_code: 200, response: ok(deleted) },
};
