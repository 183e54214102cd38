// api: the Exotel-compatible provisioning API — buildApp(deps), envelope, auth, rate limit, errors, routes.
export { buildApp, DEFAULT_BODY_LIMIT } from './build-app.js';
export type { ApiDeps, ApiSettings, RouteModule } from './deps.js';
export type { ApiInstance, TypeBoxTypeProvider } from './type-provider.js';
export { ApiError, EXOTEL_ERRORS, type ExotelCode, notFound, missing, invalid } from './error-codes.js';
export { ApiErrorCodes, type ApiErrorCode } from './errors.js';
export { envelope, success, failure, sendOne, sendList, sendBatch, sendError, listMetadata, type Envelope, type ItemResponse, type ListMetadata } from './envelope.js';
export { accountOf, trunkOf, pageOf, idOf } from './routes/context.js';
export { PageQuery, TrunkParams, AccountParams } from './schemas/common.js';
export { e164 } from './rules.js';
export type { ApiPorts, CallsPort, TestCallsPort, CallFeedPort, MetricsPort, RecordingsPort, LiveRecording, RecordingFacts } from './ports.js';
export { PCAP_CONTENT_TYPE, type RecordingView } from './routes/recordings.js';
