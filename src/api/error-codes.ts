import { TrunklineError } from '../core/index.js';
import type { ApiErrorCode } from './errors.js';

/** SPEC §1 / the guide §8: Exotel's API error codes with their HTTP status and exact message. */
export const EXOTEL_ERRORS = {
  1000: { http: 404, message: 'Not Found' },
  1001: { http: 400, message: 'Mandatory parameter missing' },
  1002: { http: 400, message: 'Invalid parameter' },
  1007: { http: 400, message: 'Invalid request body' },
  1008: { http: 409, message: 'Duplicate resource' },
  1010: { http: 401, message: 'Authorization failed' },
  1011: { http: 415, message: 'Unsupported content type' },
  1030: { http: 429, message: 'Rate limit exceeded' },
  // Beyond Exotel's table (docs/errors.md): an action on a call that needs the call to be up.
  1040: { http: 409, message: 'Call not in progress' },
} as const;

export type ExotelCode = keyof typeof EXOTEL_ERRORS;

const BY_API_CODE: Record<ApiErrorCode, { exotel: ExotelCode | null; http: number }> = {
  API_NOT_FOUND: { exotel: 1000, http: 404 },
  API_METHOD_NOT_ALLOWED: { exotel: 1000, http: 405 },
  API_MISSING_PARAMETER: { exotel: 1001, http: 400 },
  API_INVALID_PARAMETER: { exotel: 1002, http: 400 },
  API_INVALID_BODY: { exotel: 1007, http: 400 },
  API_BODY_TOO_LARGE: { exotel: 1007, http: 413 },
  API_DUPLICATE: { exotel: 1008, http: 409 },
  API_IDEMPOTENCY_IN_PROGRESS: { exotel: 1008, http: 409 },
  API_UNAUTHORIZED: { exotel: 1010, http: 401 },
  API_UNSUPPORTED_CONTENT_TYPE: { exotel: 1011, http: 415 },
  API_RATE_LIMITED: { exotel: 1030, http: 429 },
  API_CALL_NOT_IN_PROGRESS: { exotel: 1040, http: 409 },
  API_INTERNAL: { exotel: null, http: 500 },
};

/** An answer-shaped failure: the API code, its Exotel code and HTTP status, and a description naming field and rule. */
export class ApiError extends TrunklineError<ApiErrorCode> {
  readonly httpStatus: number;
  readonly exotelCode: ExotelCode | null;
  readonly description: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ApiErrorCode, description: string, options: { cause?: unknown; headers?: Record<string, string> } = {}) {
    super(code, description, { cause: options.cause });
    const row = BY_API_CODE[code];
    this.httpStatus = row.http;
    this.exotelCode = row.exotel;
    this.description = description;
    this.headers = Object.freeze({ ...(options.headers ?? {}) });
  }
}

// Descriptions use Exotel's phrases (docs/exotel-api.md): an unknown id is "Not Found", a
// missing field "… is mandatory"; each still names the field or id.
export const notFound = (what: string): ApiError => new ApiError('API_NOT_FOUND', `Not Found: ${what}`);
export const missing = (field: string, extra = ''): ApiError => new ApiError('API_MISSING_PARAMETER', `${field} is mandatory${extra}`);
export const invalid = (field: string, rule: string): ApiError => new ApiError('API_INVALID_PARAMETER', `${field}: ${rule}`);
