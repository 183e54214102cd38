import { Type, type TSchema } from '@sinclair/typebox';

export const AccountParams = Type.Object({ account_sid: Type.String() });
export const TrunkParams = Type.Object({ account_sid: Type.String(), trunk_sid: Type.String() });
export const ItemParams = Type.Object({ account_sid: Type.String(), trunk_sid: Type.String(), id: Type.String() });

/** SPEC §1: offset default 0; page_size default 50, max 500. */
export const PageQuery = Type.Object({
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'items to skip' })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'items per page (max 500)' })),
});

export const IdQuery = Type.Object({ id: Type.Optional(Type.String({ description: 'the sub-resource id (or give it in the path)' })) });

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const Enum = <T extends string>(values: readonly T[], description?: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {});

export const NullableEnum = <T extends string>(values: readonly T[]) => Type.Union([...values.map((v) => Type.Literal(v)), Type.Null()]);

/** The envelope every answer has, for the OpenAPI document (not used to serialize). */
export const EnvelopeDoc = Type.Object(
  {
    request_id: Type.String({ pattern: '^[0-9a-f]{32}$', description: '32 lowercase hex' }),
    method: Type.String({ description: 'the HTTP method of the request' }),
    http_code: Type.Integer({ description: 'equal to the HTTP status' }),
    metadata: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'lists: page_size, total, first/prev/next_page_uri; batches: total, success, failed' })),
    response: Type.Unknown({
      description: '{code, error_data: {code, message, description} | null, status: "success" | "failure", data} — or an array of them for lists and batches',
    }),
  },
  { description: 'The Exotel envelope every account route answers with' },
);
