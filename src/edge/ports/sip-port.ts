import type { Dialog, SipRequest, SipResponse } from '../../sip/index.js';
import type { Hop, LocalAddress } from '../call/leg.js';

/**
 * What the B2BUA needs from the SIP stack, as a port: app/ adapts the transaction layer to it
 * (RFC 3261 §17 transactions stay in sip/; the edge is their transaction user). Keeping it this
 * narrow lets the B2BUA be tested over real sockets and lets the stack change underneath.
 */
export interface RequestSource {
  readonly hop: Hop;
  readonly local: LocalAddress;
}

/** An INVITE or other request received in a server transaction. */
export interface ServerTx {
  readonly request: SipRequest;
  readonly source: RequestSource;
  /** Sends a response through the transaction (the stack retransmits as the RFC says). */
  respond(response: SipResponse): void;
  /** The provisional response sent last, before any final: the 100 Trying the stack sent for an INVITE at once. */
  readonly provisional: SipResponse | undefined;
  /** RFC 3261 §9.2: the stack answered a CANCEL for this INVITE with 200; the edge answers the INVITE 487. */
  onCancel(handler: (cancel: SipRequest, ok: SipResponse) => void): void;
  /**
   * What the stack received or sent for this transaction on its own (the request retransmitted,
   * the last response sent again), as wire bytes, for the trace; the returned function stops it.
   */
  onWire(handler: (direction: 'in' | 'out', bytes: Uint8Array) => void): () => void;
}

export interface ClientTxEvents {
  onResponse(response: SipResponse): void;
  /** Timer B / F fired, or the edge's own carrier timeout (see B2buaOptions.inviteTimeoutMs). */
  onTimeout(): void;
  onTransportError(detail: string): void;
  /** A request the stack built and sent for this one (its CANCEL, the ACK of a non-2xx final): for the trace. */
  onSent?(request: SipRequest): void;
  /** What the stack sent or received for this request on its own (retransmissions), as wire bytes: for the trace. */
  onWire?(direction: 'in' | 'out', bytes: Uint8Array): void;
}

export interface ClientTx {
  /** RFC 3261 §9.1: CANCEL the INVITE (sent once a provisional response has arrived). */
  cancel(): void;
  /**
   * The call has ended: no more events from this transaction once its final response (if still
   * pending) has been handed up. It may linger 32 s in the stack (RFC 6026 Accepted) and must
   * not keep the call's state alive that long.
   */
  release(): void;
}

export interface EdgeSipPort {
  /** Sends a request in a new client transaction to `hop`. */
  sendRequest(request: SipRequest, hop: Hop, events: ClientTxEvents): ClientTx;
  /** Sends a message outside any transaction: ACK for 2xx (§13.2.2.4), retransmitted 2xx (§13.3.1.4). */
  sendStateless(message: SipRequest | SipResponse, hop: Hop): void;
  /** The address the edge uses towards `hop` (Via, Contact, SDP when no relay). */
  localFor(hop: Hop): LocalAddress;
  /** Learns the address towards `hop` (the kernel's route choice) so localFor answers it; optional. */
  prepare?(hop: Hop): Promise<void>;
  /**
   * The stack's dialog layer as UAS (RFC 3261 §12.1.1, §13.3.1.4): sends a response to an INVITE
   * or re-INVITE; a 1xx with tag or a 2xx creates or confirms its dialog, and a 2xx is
   * retransmitted until its ACK comes — `onNoAck` once 64·T1 passed without one.
   * `targetWithoutContact`: the remote target of a caller that sent no Contact, so its dialog exists.
   */
  answerInvite(tx: ServerTx, response: SipResponse, onNoAck?: () => void, targetWithoutContact?: string): Dialog | undefined;
  /**
   * The dialog layer as UAC (RFC 3261 §12.1.2, §13.2.2.4): a response to our INVITE creates or
   * refreshes its dialog; every 2xx, retransmissions included, is ACKed (to `ackTo(dialog)`, which
   * may still be resolving a refreshed target's host name) by it.
   */
  inviteResponse(invite: SipRequest, response: SipResponse, ackTo: (dialog: Dialog) => Hop | Promise<Hop>, onAck?: (ack: SipRequest, hop: Hop) => void, targetWithoutContact?: string): Dialog | undefined;
  /** An ACK for a 2xx we sent: its retransmissions stop; its dialog, if the layer has it. */
  ackReceived(ack: SipRequest): Dialog | undefined;
  /**
   * RFC 3261 §12.2.2: the dialog of an in-dialog request (Call-ID, our tag in To, the peer's in
   * From), from the dialog layer's table — the edge's one way to find a request's call.
   */
  dialogFor(request: SipRequest): Dialog | undefined;
  /** The call ended: its dialog leaves the layer's table. */
  forget(dialog: Dialog): void;
}

/** What the B2BUA offers the SIP server (siptx's request-handler port). */
export interface EdgeRequestHandler {
  /** Every request that opened a server transaction (INVITE, BYE, CANCEL, OPTIONS, …). */
  onRequest(tx: ServerTx): void;
  /** ACK without a transaction: the ACK of a 2xx (RFC 3261 §17.2.1). */
  onAck(request: SipRequest, source: RequestSource): void;
  /** A 2xx retransmitted by a far side after its client transaction ended. */
  onStrayResponse?(response: SipResponse, source: RequestSource): void;
}
