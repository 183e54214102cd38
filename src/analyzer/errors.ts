// Codes of the analyzer layer (CONVENTIONS habit 3); each is listed in docs/errors.md.
export const AnalyzerErrorCodes = {
  ANALYZE_FILE_NOT_FOUND: 'a capture file named on the command line does not exist or cannot be opened',
  ANALYZE_UNKNOWN_CALL: 'the --call given matches no Call-ID in the captures',
} as const;

export type AnalyzerErrorCode = keyof typeof AnalyzerErrorCodes;
