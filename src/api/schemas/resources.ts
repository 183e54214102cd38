import { Type } from '@sinclair/typebox';
import { Enum, Nullable, NullableEnum } from './common.js';

export const NUMBER_MODES = ['pstn', 'flow'] as const;

export const CreatePhoneNumberBody = Type.Object({
  phone_number: Type.String({ minLength: 1, maxLength: 32, description: 'E.164, valid in its country' }),
  mode: Type.Optional(NullableEnum(NUMBER_MODES)),
});

export const UpdatePhoneNumberBody = Type.Object({
  phone_number: Type.String({ minLength: 1, maxLength: 32, description: 'must be the number of this id' }),
  mode: NullableEnum(NUMBER_MODES),
  status: Type.Optional(Enum(['active', 'inactive'])),
});

// Exotel's trunk-maps lookup: `exophone` (required) and an optional `trunk_sid`.
export const TrunkMapQuery = Type.Object({
  exophone: Type.Optional(Type.String({ description: 'the E.164 number to look up (mandatory)' })),
  trunk_sid: Type.Optional(Type.String({ description: 'only answer when the number is on this trunk' })),
});

export const CreateWhitelistedIpBody = Type.Object({
  ip: Type.String({ minLength: 1, maxLength: 64, description: 'IPv4 address' }),
  mask: Type.Optional(Type.Integer({ description: 'prefix length, minimum..32 (default 32)' })),
});

export const UpdateWhitelistedIpBody = Type.Object({
  ip: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  mask: Type.Optional(Type.Integer()),
});

export const DestinationItem = Type.Object({
  destination: Type.String({ minLength: 1, maxLength: 255, description: 'host:port;transport=tls|tcp|udp' }),
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: 'lower is tried first (default 0)' })),
  weight: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: 'higher gets more calls (default 1)' })),
});

export const CreateDestinationsBody = Type.Object({ destinations: Type.Array(DestinationItem, { minItems: 1, maxItems: 100 }) });

export const UpdateDestinationBody = Type.Object({
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  weight: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
});

// RFC 3261 §25.1 user: unreserved / escaped / user-unreserved characters.
export const SIP_USER_PATTERN = "^[A-Za-z0-9\\-_.!~*'()&=+$,;?/]{1,64}$";

export const CreateCredentialBody = Type.Object({
  user_name: Type.String({ minLength: 1, maxLength: 64, pattern: SIP_USER_PATTERN }),
  password: Type.String({ minLength: 8, maxLength: 128, description: 'write-only; kept only as RFC 7616 HA1 hashes' }),
  friendly_name: Type.Optional(Type.String({ maxLength: 32 })),
});

export const UpdateCredentialBody = Type.Object({
  user_name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: SIP_USER_PATTERN })),
  password: Type.Optional(Type.String({ minLength: 8, maxLength: 128 })),
  friendly_name: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
});

export const SettingItem = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64 }),
  value: Type.String({ minLength: 1, maxLength: 64 }),
});

export const PutSettingsBody = Type.Object({ settings: Type.Array(SettingItem, { minItems: 1, maxItems: 50 }) });

export const SettingsQuery = Type.Object({ name: Type.Optional(Type.String()) });
