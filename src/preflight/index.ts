// preflight: the guide's checklist (§9) run from the integrator's host against an edge — signaling, TLS, OPTIONS, an RTP echo call, the trunk's provisioning, the codec offer.
export { PreflightErrorCodes, type PreflightErrorCode } from './errors.js';
export { runPreflight, type PreflightOptions } from './run.js';
export { renderPreflight, progressLine } from './render.js';
export { ITEMS, type CheckResult, type CheckStatus, type PreflightReport } from './types.js';
export type { ApiAccess } from './checks/api-client.js';
export type { DigestLogin } from './sip-client.js';
