import type { FastifyBaseLogger, FastifyInstance, FastifyTypeProvider, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { Static, TSchema } from '@sinclair/typebox';

/**
 * Route handlers see `request.body`, `params` and `querystring` as the Static type of their
 * TypeBox schema, so no handler casts what validate.ts already checked. This is what
 * @fastify/type-provider-typebox declares, without the dependency (it is types only).
 */
export interface TypeBoxTypeProvider extends FastifyTypeProvider {
  readonly validator: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
  readonly serializer: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
}

/** The app as route modules get it: buildApp's instance with the TypeBox type provider. */
export type ApiInstance = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;
