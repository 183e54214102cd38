// Codes of the preflight layer: faults of the run itself. A check that fails is a result
// (pass / warn / fail with what to change), never one of these.
export const PreflightErrorCodes = {
  PREFLIGHT_BAD_OPTION: 'A preflight option is missing or outside its domain (the CLI exits 2 naming it)',
  PREFLIGHT_SDP_FILE: 'The file given with --sdp or --ca cannot be read (the CLI exits 2 naming it)',
} as const;

export type PreflightErrorCode = keyof typeof PreflightErrorCodes;
