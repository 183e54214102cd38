// app: the composition root — validated frozen config, the pino logger adapter, start and stop of every part.
export { loadConfig, diagnosisThresholds, storeLocation, isUsageError, badConfig, type Config, type RawServeOptions, type TlsConfig } from './config.js';
export { startTrunkline, DEMO_ACCOUNT_SID, type Trunkline, type StartOptions } from './start.js';
export { pinoLogger } from './logger.js';
export { createAccount } from './accounts.js';
export { findCall, listCalls } from './calls.js';
export { AppErrorCodes, type AppErrorCode } from './errors.js';
export { startSipServer, type SipServer, type SipServerOptions } from './sip-server.js';
