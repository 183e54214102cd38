import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type ApiDeps } from '../../src/api/index.js';
import { silentLogger } from '../../src/core/index.js';
import { createRepos, MemoryRateCounter, pingStore, type RateCounter, type Repos } from '../../src/store/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { sqliteTestStore, type TestStore } from '../store/support.js';

export interface ApiFixture {
  readonly app: FastifyInstance;
  readonly repos: Repos;
  readonly clock: FakeClock;
  /** Basic auth header of account `acme` and of account `other`. */
  readonly auth: string;
  readonly otherAuth: string;
  call(opts: InjectOptions & { as?: 'acme' | 'other' | 'none' }): Promise<LightMyRequestResponse & { body: string }>;
  json(opts: InjectOptions & { as?: 'acme' | 'other' | 'none' }): Promise<{ status: number; body: Envelope; headers: LightMyRequestResponse['headers'] }>;
  close(): Promise<void>;
}

/** The envelope as tests read it. */
export interface Envelope {
  request_id: string;
  method: string;
  http_code: number;
  metadata?: Record<string, unknown>;
  response: Item | Item[];
}
export interface Item {
  code: number;
  status: 'success' | 'failure';
  error_data: { code: number; message: string; description: string } | null;
  data: Record<string, unknown> & { id?: string; trunk_sid?: string };
}

export const A = '/v2/accounts/acme';

/**
 * A create-trunk body as Exotel's contract has it: trunk_name, nso_code and domain_name
 * (`{account_sid}.{sip_domain}`; the fixture's sip_domain is pstn.example.com).
 */
export function trunkBody(name: string, account: 'acme' | 'other' = 'acme'): { trunk_name: string; nso_code: string; domain_name: string } {
  return { trunk_name: name, nso_code: 'ANY-ANY', domain_name: `${account}.pstn.example.com` };
}

export async function apiFixture(overrides: Partial<ApiDeps['settings']> = {}, ports: { rateCounter?: RateCounter; store?: () => Promise<TestStore> } = {}): Promise<ApiFixture> {
  const store: TestStore = await (ports.store ?? sqliteTestStore)();
  const clock = new FakeClock(Date.parse('2026-01-23T09:24:59Z'));
  const repos = createRepos(store.conn.db, clock);
  const acme = await repos.accounts.create('acme');
  const other = await repos.accounts.create('other');
  const app = await buildApp({
    repos,
    clock,
    logger: silentLogger,
    rateCounter: ports.rateCounter ?? new MemoryRateCounter(clock),
    ping: () => pingStore(store.conn.db),
    settings: { sipDomain: 'pstn.example.com', nsoCodes: ['ANY-ANY', 'IN-MUM'], minWhitelistMask: 16, rateLimitPerMinute: 10_000, ...overrides },
  });
  const basic = (k: string, t: string) => `Basic ${Buffer.from(`${k}:${t}`).toString('base64')}`;
  const auth = basic(acme.api_key, acme.api_token);
  const otherAuth = basic(other.api_key, other.api_token);
  const call: ApiFixture['call'] = async ({ as = 'acme', ...opts }) => {
    const headers: Record<string, string> = { ...(opts.headers as Record<string, string> | undefined) };
    if (as !== 'none') headers.authorization = as === 'acme' ? auth : otherAuth;
    if (opts.payload !== undefined && typeof opts.payload === 'object' && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await app.inject({ ...opts, headers });
    return res as LightMyRequestResponse & { body: string };
  };
  return {
    app,
    repos,
    clock,
    auth,
    otherAuth,
    call,
    async json(opts) {
      const res = await call(opts);
      return { status: res.statusCode, body: JSON.parse(res.body) as Envelope, headers: res.headers };
    },
    async close() {
      await app.close();
      await store.cleanup();
    },
  };
}

export function one(env: Envelope): Item {
  if (Array.isArray(env.response)) throw new Error('expected one item');
  return env.response;
}

export function many(env: Envelope): Item[] {
  if (!Array.isArray(env.response)) throw new Error('expected a list');
  return env.response;
}
