import { Type, type TSchema } from '@sinclair/typebox';
import { TRUNK_SID_PATTERN } from '../../core/index.js';
import { AUTH_TYPE } from '../present.js';
import { AUTH_MODES } from './trunks.js';
import { Nullable, NullableEnum } from './common.js';

/**
 * The `data` of each answer, as present.ts builds it and as Exotel documents it
 * (docs/exotel-api.md gives the source of every field). Shown in the OpenAPI document under
 * `components.schemas`; the answers themselves are not serialized through these (a schema
 * there would drop any field it does not list), so test/api/exotel-replay.test.ts checks
 * real answers against them instead.
 */
const Timestamp = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$', description: 'UTC, ISO 8601 without fractions' });
const Id = Type.String({ pattern: '^\\d+$', description: 'numeric id as a string' });
const TrunkSid = Type.String({ pattern: TRUNK_SID_PATTERN.source, description: 'the trunk it belongs to' });
const Path = Type.String({ description: 'API path of the sub-resource' });
const dates = { date_created: Timestamp, date_updated: Timestamp };
const oneOf = (values: readonly string[], description?: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), description ? { description } : {});

export const TrunkAnswer = Type.Object(
  {
    trunk_sid: TrunkSid,
    trunk_name: Type.String(),
    nso_code: Type.String(),
    domain_name: Type.String({ description: '{account_sid}.{sip_domain}' }),
    status: oneOf(['active', 'inactive']),
    auth_type: oneOf(Object.values(AUTH_TYPE), "Exotel's spelling of auth_mode"),
    auth_mode: oneOf(AUTH_MODES, 'beyond Exotel'),
    registration_enabled: oneOf(['enabled', 'disabled'], 'a string, as Exotel answers it'),
    edge_preference: Type.String(),
    secure_trunking: oneOf(['enabled', 'disabled']),
    calls_per_minute: Type.Integer({ description: 'beyond Exotel' }),
    max_concurrent_calls: Nullable(Type.Integer({ description: 'beyond Exotel' })),
    failover_codes: Type.Array(Type.Integer(), { description: 'beyond Exotel' }),
    disaster_recovery_uri: Nullable(Type.String({ description: 'beyond Exotel' })),
    flow_uri: Nullable(Type.String({ description: 'beyond Exotel' })),
    ...dates,
    phone_numbers: Path,
    whitelisted_ips: Path,
    destination_uris: Path,
    credentials: Path,
    settings: Path,
  },
  { description: 'A trunk (create, get, list items, PUT, DELETE)' },
);

export const PhoneNumberAnswer = Type.Object(
  { id: Id, trunk_sid: TrunkSid, phone_number: Type.String({ description: 'E.164' }), mode: NullableEnum(['pstn', 'flow']), status: oneOf(['active', 'inactive'], 'beyond Exotel'), ...dates },
  { description: 'A number mapped to a trunk (phone-numbers, and the answer of trunk-maps)' },
);

export const WhitelistedIpAnswer = Type.Object(
  { id: Id, ip: Type.String({ description: 'network address' }), mask: Type.Integer(), trunk_sid: TrunkSid, friendly_name: Type.Null({ description: "always null: Exotel's request has no friendly_name" }), ...dates },
  { description: 'A whitelisted IPv4 network' },
);

export const DestinationUriAnswer = Type.Object(
  { id: Id, destination: Type.String({ description: 'sip:host[:port];transport=…' }), type: Type.String(), priority: Type.Integer(), weight: Type.Integer(), trunk_sid: TrunkSid, ...dates },
  { description: 'Where inbound calls go' },
);

export const CredentialAnswer = Type.Object(
  { id: Id, trunk_sid: TrunkSid, user_name: Type.String(), friendly_name: Nullable(Type.String()), realm: Type.String({ description: 'beyond Exotel: the digest realm' }), ...dates },
  { description: 'A SIP digest credential (the password is never answered)' },
);

export const SettingAnswer = Type.Object(
  { name: Type.String(), value: Type.String(), trunk_sid: TrunkSid, ...dates },
  { description: 'A trunk setting' },
);

/** For `components.schemas` of the OpenAPI document. */
export const ANSWER_SCHEMAS: Readonly<Record<string, TSchema>> = {
  Trunk: TrunkAnswer,
  PhoneNumber: PhoneNumberAnswer,
  WhitelistedIp: WhitelistedIpAnswer,
  DestinationUri: DestinationUriAnswer,
  Credential: CredentialAnswer,
  Setting: SettingAnswer,
};
