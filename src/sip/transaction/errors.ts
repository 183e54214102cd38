// Codes of the SIP transaction layer (src/sip/transaction); listed in docs/errors.md.
export const SipTransactionErrorCodes = {
  SIP_TX_TIMEOUT: 'A client transaction got no final response before timer B (INVITE) or timer F (non-INVITE) fired',
  SIP_TX_TRANSPORT_ERROR: 'The transport could not deliver a request or response of a transaction (RFC 3261 §17.1.4, §17.2.4)',
  SIP_TX_BAD_REQUEST: 'A request given to the transaction layer lacks what it needs (CSeq, Call-ID, From, To)',
  SIP_TX_FINAL_SENT: 'A server transaction was asked to send a response after its final response',
  SIP_TX_RELEASED: 'The request of a transaction was read after its final response, when the transaction keeps only wire bytes and keys',
} as const;

export type SipTransactionErrorCode = keyof typeof SipTransactionErrorCodes;
