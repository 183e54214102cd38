import { Type } from '@sinclair/typebox';
import { Enum, Nullable } from './common.js';

export const TRUNK_NAME_PATTERN = '^[A-Za-z0-9_]{1,16}$';

export const CreateTrunkBody = Type.Object({
  trunk_name: Type.String({ minLength: 1, maxLength: 16, pattern: TRUNK_NAME_PATTERN, description: 'letters, digits and _; unique per account' }),
  nso_code: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'from the configured allow-list (default ANY-ANY)' })),
});

export const AUTH_MODES = ['ip', 'digest', 'ip_or_digest', 'ip_and_digest'] as const;

export const UpdateTrunkBody = Type.Object({
  trunk_name: Type.Optional(Type.String({ minLength: 1, maxLength: 16, pattern: TRUNK_NAME_PATTERN })),
  status: Type.Optional(Enum(['active', 'inactive'])),
  auth_mode: Type.Optional(Enum(AUTH_MODES, 'how callers from the customer side are authenticated')),
  secure_trunking: Type.Optional(Enum(['enabled', 'disabled'])),
  calls_per_minute: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
  max_concurrent_calls: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 100000 }))),
  failover_codes: Type.Optional(Type.Array(Type.Integer(), { maxItems: 50, description: 'SIP statuses that move on to the next destination; never 486, 600, 603' })),
  disaster_recovery_uri: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 255 }))),
  flow_uri: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 255 }))),
});

export const DeleteTrunkQuery = Type.Object({ trunk_sid: Type.Optional(Type.String()) });
