// Codes of the diagnosis layer (CONVENTIONS habit 3); each is listed in docs/errors.md.
export const DiagnosisErrorCodes = {
  DIAG_EMPTY_QUERY: 'explain was given nothing to look up',
  DIAG_UNKNOWN_QUERY: 'explain found no SIP code, API code, symptom or finding id matching the query',
  DIAG_UNKNOWN_FINDING: 'a rule asked for a finding id that the catalogue does not declare',
} as const;

export type DiagnosisErrorCode = keyof typeof DiagnosisErrorCodes;
