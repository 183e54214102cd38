// app: the composition root — validated frozen config, the pino logger adapter, start and stop of every part.
//
// The parts that open the store, the API or the edge are loaded on first call, not with this
// index: every CLI command imports it, and loading all of them took ~1.1 s of CPU before
// `trunkline diagnose` or `explain` read a byte (they need only config.ts).
import type { Logger } from '../core/index.js';
import type { CallRecord, NewAccountCredentials, StoreLocation } from '../store/index.js';
import type { Config } from './config.js';
import type { StartOptions, Trunkline } from './start.js';

export { loadConfig, diagnosisThresholds, storeLocation, isUsageError, badConfig, type Config, type RawServeOptions, type TlsConfig } from './config.js';
export { DEMO_ACCOUNT_SID } from './demo.js';
export type { Trunkline, StartOptions } from './start.js';
export { pinoLogger } from './logger.js';
export { AppErrorCodes, type AppErrorCode } from './errors.js';
export { startSipServer, type SipServer, type SipServerOptions } from './sip-server.js';
export { tuneV8ForServe } from './serve-v8.js';

export async function startTrunkline(config: Config, logger: Logger, options: StartOptions = {}): Promise<Trunkline> {
  return (await import('./start.js')).startTrunkline(config, logger, options);
}

export async function createAccount(location: StoreLocation, sid: string): Promise<NewAccountCredentials> {
  return (await import('./accounts.js')).createAccount(location, sid);
}

export async function findCall(location: StoreLocation, callSid: string): Promise<CallRecord | undefined> {
  return (await import('./calls.js')).findCall(location, callSid);
}

export async function listCalls(location: StoreLocation, raw: { readonly limit?: string; readonly account?: string }): Promise<readonly CallRecord[]> {
  return (await import('./calls.js')).listCalls(location, raw);
}
