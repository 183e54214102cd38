import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { newRequestId } from '../core/index.js';
import type { ApiDeps } from './deps.js';
import { ApiError } from './error-codes.js';
import { installAuth, installContentTypeCheck, installRateLimit } from './plugins/auth.js';
import { installErrorHandling } from './plugins/errors.js';
import { installIdempotency } from './plugins/idempotency.js';
import './request-context.js';
import { ROUTES } from './routes/index.js';
import { ANSWER_SCHEMAS } from './schemas/answers.js';
import { EnvelopeDoc } from './schemas/common.js';
import type { TypeBoxTypeProvider } from './type-provider.js';
import { typeboxValidatorCompiler } from './validate.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** What is wrong with a body the safe parser refused: the syntax error, or a poisoning key. */
function jsonProblem(body: string): string {
  try {
    JSON.parse(body);
    return 'it contains a forbidden __proto__ or constructor.prototype key';
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * The provisioning API as a fastify instance, not listening: tests call inject(), and only
 * `serve` listens. Hooks run in this order on /v2/accounts/{sid}/…: auth → rate limit →
 * Content-Type → body parse → schema check → Idempotency-Key → handler.
 */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const bodyLimit = deps.settings.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = Fastify({
    logger: false,
    bodyLimit,
    genReqId: () => newRequestId(),
    requestIdHeader: false,
    // Trailing slashes and double slashes are the same path.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    // Exotel's reference pages say "if you'd prefer the response in JSON format, append .json"
    // to the path (https://developer.exotel.com/api/create-trunk): the answer is JSON either way,
    // so /trunks.json is /trunks.
    rewriteUrl: (req) => (req.url ?? '/').replace(/^(\/v2\/accounts\/[^?]*?)\.json(?=\?|$)/, '$1'),
  });
  app.decorateRequest('account', null);
  app.decorateRequest('rawBody', '');
  app.decorateRequest('idempotency', null);
  app.setValidatorCompiler(typeboxValidatorCompiler);

  // Only JSON bodies are accepted (SPEC §1); fastify's safe parser (prototype-poisoning
  // checks) does the parsing, its errors become 1007 with the parser's reason.
  app.removeAllContentTypeParsers();
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (request, body, done) => {
    request.rawBody = body as string;
    if ((body as string).trim() === '') return done(new ApiError('API_INVALID_BODY', 'the body is empty; send a JSON object'), undefined);
    jsonParser(request, body as string, (err, value) => {
      if (err) return done(new ApiError('API_INVALID_BODY', `the body is not valid JSON: ${jsonProblem(body as string)}`), undefined);
      done(null, value);
    });
  });

  installErrorHandling(app, deps.logger, bodyLimit);
  installAuth(app, deps);
  installRateLimit(app, deps);
  installContentTypeCheck(app);
  installIdempotency(app, deps);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'trunkline provisioning API', version: '0.1.0', description: 'Exotel-compatible SIP trunk provisioning, with the extensions of trunkline SPEC §1.' },
      components: {
        securitySchemes: { basic: { type: 'http', scheme: 'basic', description: 'api_key:api_token' } },
        // The `data` of each answer (docs/exotel-api.md), for clients generated from this document.
        schemas: { ...ANSWER_SCHEMAS },
      },
      security: [{ basic: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // The OpenAPI document shows the envelope as the answer of every account route; the
  // schema also serializes it (its `response` and `metadata` members are free-form).
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v2/accounts/') || !route.schema || route.schema.response) return;
    route.schema = { ...route.schema, response: { '2xx': EnvelopeDoc, '4xx': EnvelopeDoc } };
  });
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  for (const register of [...ROUTES, ...(deps.extraRoutes ?? [])]) register(typed, deps);
  await app.ready();
  return app;
}
