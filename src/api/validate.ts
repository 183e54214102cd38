import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { ApiError } from './error-codes.js';

/**
 * The route schemas (TypeBox, which also feed the OpenAPI document) are checked here rather
 * than by Ajv with its type coercion: a JSON body with a wrong type must be a 1007, not be
 * silently coerced, while a missing field is a 1001 and a broken rule a 1002 (SPEC §1).
 * Query strings and path params are text, so they are converted before the check.
 */
const TYPE_ERRORS = new Set([
  ValueErrorType.String, ValueErrorType.Number, ValueErrorType.Boolean, ValueErrorType.Array,
  ValueErrorType.Object, ValueErrorType.Null,
]);

function fieldName(path: string): string {
  if (path === '' || path === '/') return 'body';
  return path
    .slice(1)
    .split('/')
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function unionTypes(schema: TSchema): string[] {
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf ?? [];
  return anyOf.map((s) => {
    const c = (s as { const?: unknown }).const;
    return c !== undefined ? jsonType(c) : String((s as { type?: unknown }).type);
  });
}

function unionRule(schema: TSchema): string {
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf ?? [];
  const consts = anyOf.map((s) => (s as { const?: unknown }).const).filter((c) => c !== undefined);
  if (consts.length === anyOf.length) return `must be one of ${consts.map((c) => JSON.stringify(c)).join(', ')}`;
  return `must be ${unionTypes(schema).join(' or ')}`;
}

/** Turns the first TypeBox error into the API error with the right Exotel code. */
export function toApiError(e: ValueError, part: 'body' | 'querystring' | 'params'): ApiError {
  const field = fieldName(e.path);
  const inJson = part === 'body';
  // Exotel's phrases: "TrunkName is mandatory", "Maximum allowed length for TrunkName is 16",
  // "Allowed characters for TrunkName is alphanumeric and _" — here with the field's own name.
  if (e.type === ValueErrorType.ObjectRequiredProperty) return new ApiError('API_MISSING_PARAMETER', `${field} is mandatory`);
  if (e.type === ValueErrorType.StringMinLength && e.value === '') return new ApiError('API_MISSING_PARAMETER', `${field} is mandatory and must not be empty`);
  if (e.type === ValueErrorType.StringMaxLength && typeof e.value === 'string') {
    return new ApiError('API_INVALID_PARAMETER', `Maximum allowed length for ${field} is ${String((e.schema as { maxLength?: number }).maxLength)}; got ${e.value.length} characters`);
  }
  if (e.path === '' && e.type === ValueErrorType.Object) return new ApiError('API_INVALID_BODY', `the body must be a JSON object, got ${jsonType(e.value)}`);
  if (inJson && TYPE_ERRORS.has(e.type)) return new ApiError('API_INVALID_BODY', `${field} must be a JSON ${String((e.schema as { type?: unknown }).type)}, got ${jsonType(e.value)}`);
  if (e.type === ValueErrorType.Integer) {
    if (inJson && typeof e.value !== 'number') return new ApiError('API_INVALID_BODY', `${field} must be a JSON integer, got ${jsonType(e.value)}`);
    return new ApiError('API_INVALID_PARAMETER', `${field}: must be a whole number`);
  }
  if (e.type === ValueErrorType.Union) {
    if (inJson && !unionTypes(e.schema).includes(jsonType(e.value)) && !(jsonType(e.value) === 'integer' && unionTypes(e.schema).includes('number'))) {
      return new ApiError('API_INVALID_BODY', `${field} ${unionRule(e.schema)}, got ${jsonType(e.value)}`);
    }
    return new ApiError('API_INVALID_PARAMETER', `${field}: ${unionRule(e.schema)}`);
  }
  if (e.type === ValueErrorType.StringPattern) {
    const allowed = (e.schema as { 'x-allowed-characters'?: string })['x-allowed-characters'];
    if (allowed !== undefined) return new ApiError('API_INVALID_PARAMETER', `Allowed characters for ${field} is ${allowed}; got '${String(e.value)}'`);
    return new ApiError('API_INVALID_PARAMETER', `${field}: must match ${(e.schema as { pattern?: string }).pattern ?? 'its pattern'}`);
  }
  if (e.type === ValueErrorType.ObjectAdditionalProperties) return new ApiError('API_INVALID_PARAMETER', `${field}: unknown field`);
  return new ApiError('API_INVALID_PARAMETER', `${field}: ${e.message.replace(/^Expected/, 'expected')}`);
}

export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  const part = httpPart === 'body' ? 'body' : httpPart === 'params' ? 'params' : 'querystring';
  return (data: unknown) => {
    const value = part === 'body' ? data : Value.Convert(schema, data ?? {});
    if (part === 'body' && (data === null || data === undefined)) {
      return { error: new ApiError('API_INVALID_BODY', 'the body is empty; send a JSON object') };
    }
    if (check.Check(value)) return { value };
    const first = check.Errors(value).First();
    return { error: first ? toApiError(first, part) : new ApiError('API_INVALID_BODY', 'the body does not match the schema') };
  };
};
