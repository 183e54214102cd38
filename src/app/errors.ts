// Codes of the composition root.
export const AppErrorCodes = {
  APP_BAD_CONFIG: 'A flag or environment variable of `trunkline serve` has a value outside its rule; the message names the flag and the rule',
  APP_START_FAILED: 'A part of the server (store, HTTP, SIP, TLS) could not start; the cause says which and why',
  APP_NODE_ID_IN_USE: 'Another live node of the cluster (same Redis and prefix) runs under this --node-id; give each node its own',
  APP_DIAGNOSIS_UNAVAILABLE: 'The thread that diagnoses ended calls ended, hung, was closed or could not take the record; the edge diagnoses the call on its own thread instead',
} as const;

export type AppErrorCode = keyof typeof AppErrorCodes;
