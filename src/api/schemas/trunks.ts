import { Type } from '@sinclair/typebox';
import { Enum, Nullable, PageQuery } from './common.js';

export const TRUNK_NAME_PATTERN = '^[A-Za-z0-9_]{1,16}$';
/** How a broken pattern is explained (validate.ts): Exotel's "alphanumeric and _". */
const TRUNK_NAME_CHARS = 'alphanumeric and _ (A-Z, a-z, 0-9 and underscore)';

const trunkName = (description?: string) =>
  Type.String({ minLength: 1, maxLength: 16, pattern: TRUNK_NAME_PATTERN, 'x-allowed-characters': TRUNK_NAME_CHARS, ...(description ? { description } : {}) });

// Exotel's create-trunk contract: trunk_name, nso_code and domain_name are all mandatory
// (https://developer.exotel.com/api/create-trunk; docs/exotel-api.md).
export const CreateTrunkBody = Type.Object({
  trunk_name: trunkName('letters, digits and _, at most 16; unique per account'),
  nso_code: Type.String({ minLength: 1, maxLength: 32, description: 'from the configured allow-list (--nso-codes; ANY-ANY by default)' }),
  domain_name: Type.String({ minLength: 1, maxLength: 255, description: '{account_sid}.{sip_domain}, e.g. demo.pstn.localhost (--sip-domain)' }),
});

export const AUTH_MODES = ['ip', 'digest', 'ip_or_digest', 'ip_and_digest'] as const;

export const UpdateTrunkBody = Type.Object({
  trunk_name: Type.Optional(trunkName()),
  status: Type.Optional(Enum(['active', 'inactive'])),
  auth_mode: Type.Optional(Enum(AUTH_MODES, 'how callers from the customer side are authenticated')),
  auth_type: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "Exotel's name for auth_mode: IP-WHITELIST, CREDENTIALS, IP-WHITELIST-OR-CREDENTIALS or IP-WHITELIST-AND-CREDENTIALS (any case)" })),
  secure_trunking: Type.Optional(Enum(['enabled', 'disabled'])),
  calls_per_minute: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
  max_concurrent_calls: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 100000 }))),
  failover_codes: Type.Optional(Type.Array(Type.Integer(), { maxItems: 50, description: 'SIP statuses that move on to the next destination; never 486, 600, 603' })),
  disaster_recovery_uri: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 255 }))),
  flow_uri: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 255 }))),
  // Exotel spells it 'enabled' / 'disabled' (as trunk answers show it); a JSON boolean is taken too.
  registration_enabled: Type.Optional(Type.Union([Enum(['enabled', 'disabled']), Type.Boolean()], {
    description: 'enabled: PBXs with a trunk credential may REGISTER to the trunk domain, and inbound calls try their contacts before the destination URIs',
  })),
});

/** Exotel's list takes page_size, offset and an optional trunk_sid (its Postman collection). */
export const ListTrunksQuery = Type.Composite([
  PageQuery,
  Type.Object({ trunk_sid: Type.Optional(Type.String({ description: 'only this trunk (a list of one, or empty)' })) }),
]);

export const DeleteTrunkQuery = Type.Object({ trunk_sid: Type.Optional(Type.String()) });
