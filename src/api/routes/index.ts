import type { RouteModule } from '../deps.js';
import { credentialRoutes } from './credentials.js';
import { destinationUriRoutes } from './destination-uris.js';
import { healthRoutes } from './health.js';
import { phoneNumberRoutes } from './phone-numbers.js';
import { settingRoutes } from './settings.js';
import { trunkRoutes } from './trunks.js';
import { whitelistedIpRoutes } from './whitelisted-ips.js';
import { callRoutes, metricsRoutes } from './calls.js';
import { testCallRoutes } from './test-calls.js';
import { recordingRoutes } from './recordings.js';
import { preflightResultRoutes } from './preflight-results.js';
import { bundleRoutes } from './bundle.js';
import { callEventRoutes } from './call-events.js';
import { explainRoutes } from './explain.js';
import { consoleRoutes } from './console.js';
import { registrationRoutes } from './registrations.js';

/** Every route module of the API, registered in this order by buildApp; append new ones here. */
export const ROUTES: readonly RouteModule[] = [
  healthRoutes,
  trunkRoutes,
  phoneNumberRoutes,
  whitelistedIpRoutes,
  destinationUriRoutes,
  credentialRoutes,
  settingRoutes,
  callEventRoutes,
  callRoutes,
  testCallRoutes,
  recordingRoutes,
  preflightResultRoutes,
  bundleRoutes,
  registrationRoutes,
  metricsRoutes,
  explainRoutes,
  consoleRoutes,
];
