// Codes of the edge layer. Refusals of SIP requests are data (rejections.ts), not errors;
// these are faults the B2BUA reports to its caller or keeps in a call record.
export const EdgeErrorCodes = {
  EDGE_NO_ROUTE: 'No carrier gateway or destination URI to send a call to',
  EDGE_BAD_TARGET_URI: 'A configured carrier or destination URI could not be parsed',
  EDGE_INTERNAL: 'An unexpected fault while handling a call; the call got 500 and the record keeps the error',
} as const;

export type EdgeErrorCode = keyof typeof EdgeErrorCodes;
