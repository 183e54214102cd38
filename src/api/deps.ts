import type { Clock, Logger } from '../core/index.js';
import type { RateCounter, Repos } from '../store/index.js';
import type { ApiPorts } from './ports.js';
import type { ApiInstance } from './type-provider.js';

/** Rules that are configuration (SPEC §1: sip_domain, the nso allow-list, the minimum mask). */
export interface ApiSettings {
  /** trunk domain_name = `{account_sid}.{sipDomain}`. */
  readonly sipDomain: string;
  readonly nsoCodes: readonly string[];
  readonly minWhitelistMask: number;
  /** Requests per minute per account (SPEC §1: 200 by default). */
  readonly rateLimitPerMinute: number;
  /** Largest accepted body in bytes (1 MB). */
  readonly bodyLimit?: number;
}

/**
 * What buildApp needs. Optional ports let later parts add routes without touching the
 * core ones: a route module in routes/ reads its port from here and registers only when
 * the port is present.
 */
export interface ApiDeps {
  readonly repos: Repos;
  readonly settings: ApiSettings;
  readonly rateCounter: RateCounter;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Store liveness for /healthz. */
  readonly ping?: () => Promise<void>;
  /** Extra route modules (the edge's calls and test-calls) registered after the core ones. */
  readonly extraRoutes?: readonly RouteModule[];
  /** The ports the edge and the simulator hand in (ports.ts); a route module without its port does not register. */
  readonly ports?: ApiPorts;
}

/** A route module: registers its routes on the app (under the auth/envelope rules of buildApp). */
export type RouteModule = (app: ApiInstance, deps: ApiDeps) => void;
