// Codes of the composition root.
export const AppErrorCodes = {
  APP_BAD_CONFIG: 'A flag or environment variable of `trunkline serve` has a value outside its rule; the message names the flag and the rule',
  APP_START_FAILED: 'A part of the server (store, HTTP, SIP, TLS) could not start; the cause says which and why',
} as const;

export type AppErrorCode = keyof typeof AppErrorCodes;
