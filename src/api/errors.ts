// Codes of the API layer; each maps to one Exotel error code of error-codes.ts.
export const ApiErrorCodes = {
  API_NOT_FOUND: '1000 / 404: unknown account resource, trunk_sid, id or path (another account\'s resources are not found either)',
  API_METHOD_NOT_ALLOWED: '1000 / 405: the path exists but not with this method; the description lists the methods it accepts',
  API_MISSING_PARAMETER: '1001 / 400: a required field is absent or empty; the description names it',
  API_INVALID_PARAMETER: '1002 / 400: a value breaks its rule (format, range, E.164, whitelisted range, reused Idempotency-Key); the description names the field and the rule',
  API_INVALID_BODY: '1007 / 400: the body is not parseable JSON, not a JSON object, or a field has the wrong JSON type',
  API_BODY_TOO_LARGE: '1007 / 413: the body is larger than 1 MB',
  API_IDEMPOTENCY_IN_PROGRESS: '1008 / 409: a request with the same Idempotency-Key is still running; retry to get its answer',
  API_DUPLICATE: '1008 / 409: the trunk name, phone number, network, destination or credential user already exists',
  API_UNAUTHORIZED: '1010 / 401: missing or wrong api_key/api_token, or credentials of another account',
  API_UNSUPPORTED_CONTENT_TYPE: '1011 / 415: a POST/PUT whose Content-Type is not application/json; the description names the type sent',
  API_RATE_LIMITED: '1030 / 429: over the account\'s request rate; Retry-After says when to try again',
  API_CALL_NOT_IN_PROGRESS: '1040 / 409: the call has ended (or is not yet anchored on the media relay), so it cannot be recorded now',
  API_INTERNAL: '500: an unexpected fault; the log line with the request_id has the cause',
} as const;

export type ApiErrorCode = keyof typeof ApiErrorCodes;
