import { TrunklineError } from '../../core/index.js';
import { SipHeaders } from '../message/headers.js';
import { createRequest, type SipRequest, type SipResponse } from '../message/message.js';
import { serializeForWire, wireBytesOf, wireFromText, wireText } from '../message/wire-bytes.js';
import type { Destination } from '../transport/transport.js';
import type { FsmContext, TuEvent } from './fsm-types.js';
import { ictStart, ictTransition, type IctInput, type IctState } from './invite-client-fsm.js';
import { nictStart, nictTransition, type NictInput, type NictState } from './non-invite-client-fsm.js';
import { TxRunner, type FsmFn, type TxEnvironment } from './tx-base.js';
import type { SipTransactionErrorCode } from './errors.js';

/** What the TU hears from a client transaction (RFC 3261 §17.1). */
export interface ClientTransactionHandlers {
  onProvisional?(response: SipResponse, tx: ClientTransaction): void;
  /** Every final response; for INVITE also each retransmitted 2xx (RFC 6026), which the TU must ACK. */
  onFinal?(response: SipResponse, tx: ClientTransaction): void;
  /** Timer B or F fired: no final response (RFC 3261 §17.1.1.2, §17.1.2.2). */
  onTimeout?(error: TrunklineError<SipTransactionErrorCode>, tx: ClientTransaction): void;
  onTransportError?(error: TrunklineError, tx: ClientTransaction): void;
  /**
   * A request the transaction built and sent itself, for the TU's trace: the CANCEL (RFC 3261
   * §9.1) and the ACK of a non-2xx final (§17.1.1.3), each once (not their retransmissions); the
   * ACK after the final it answers has been handed up.
   */
  onSent?(request: SipRequest, tx: ClientTransaction): void;
  /**
   * What the transaction sent or received on its own, which the TU neither gave nor got: the
   * request again on Timers A and E, the ACK again for a retransmitted final ('out'), a
   * retransmitted response it absorbed and the final response to its CANCEL ('in') — for a
   * trace that shows the wire.
   */
  onWire?(direction: 'in' | 'out', bytes: Uint8Array, tx: ClientTransaction): void;
}

export interface ClientEnvironment extends TxEnvironment {
  send(bytes: Buffer, to: Destination): Promise<void>;
  /** Sends a CANCEL for `tx` as a new client transaction (RFC 3261 §9.1); `onFinal` hears its final response. */
  sendCancel(request: SipRequest, to: Destination, onFinal?: (response: SipResponse) => void): void;
}

type State = IctState | NictState;
type Input = IctInput | NictInput;

const NO_HANDLERS: ClientTransactionHandlers = Object.freeze({});

export class ClientTransaction extends TxRunner<State, Input> {
  readonly destination: Destination;
  #request: SipRequest | undefined;
  /** The request's wire bytes, retransmitted on Timers A and E until a final response. */
  #bytes: Buffer | undefined;
  #handlers: ClientTransactionHandlers;
  readonly #cenv: ClientEnvironment;
  /**
   * RFC 3261 §17.1.1.3: the ACK for a non-2xx, serialised once and sent again for each
   * retransmitted final — as wireText once the final has been handled (Timer D, 32 s; see wireFromText).
   */
  #ack: Buffer | string | undefined;
  /** The response being handled, for the length of receive() only. */
  #response: SipResponse | undefined;
  /** Whether the response being handled went up to the TU (else the transaction absorbed it). */
  #handedUp = false;
  /** Sends so far of the request and of the non-2xx ACK: each one's first is the TU's to trace. */
  #requestSends = 0;
  #ackSends = 0;
  #lastStatus = 0;
  #finalSeen = false;
  #lastError: TrunklineError | undefined;
  #provisionalSeen = false;
  /** detach() came before the final response: drop the handlers once it is handed up. */
  #detachAtFinal = false;
  #cancelWanted = false;
  #cancelSent = false;
  /** The ACK built for a non-2xx final during this input, for onSent once the final is handed up. */
  #ackToReport: SipRequest | undefined;

  /** `id`: clientKey(branch, method) — the branch is read back from it. */
  constructor(id: string, request: SipRequest, destination: Destination, ctx: FsmContext, env: ClientEnvironment, handlers: ClientTransactionHandlers) {
    const invite = request.method === 'INVITE';
    super(id, invite ? 'ict' : 'nict', request.method, ctx, env, (invite ? ictTransition : nictTransition) as FsmFn<State, Input>, (invite ? ictStart(ctx) : nictStart(ctx)).state);
    this.#request = request;
    this.destination = destination;
    this.#bytes = serializeForWire(request);
    this.#handlers = handlers;
    this.#cenv = env;
  }

  /** The top Via branch the request went with: read from the key, which holds it (keys.ts clientKey): one string fewer per transaction. */
  get branch(): string {
    return this.id.slice(0, this.id.lastIndexOf('|'));
  }

  /**
   * The request, until the final response has been handed to the TU. The transaction lingers
   * after that (Timer D 32 s, Timer K, RFC 6026 Accepted Timer M) with the ACK's bytes alone; the
   * parsed request is not kept so long (issue 13). Read later it throws SIP_TX_RELEASED: the TU
   * that sent the request has it.
   */
  get request(): SipRequest {
    if (this.#request === undefined) throw this.released();
    return this.#request;
  }

  /** Sends the request; called by the layer once the transaction is registered. */
  start(): void {
    this.apply(this.kind === 'ict' ? ictStart(this.ctx) : nictStart(this.ctx), 'start');
  }

  /** Status of the most recent response received, 0 before any. */
  get lastStatus(): number {
    return this.#lastStatus;
  }

  /** From the transport layer: a response whose branch and CSeq method match (RFC 3261 §17.1.3). */
  receive(response: SipResponse): void {
    this.#response = response;
    this.#lastStatus = response.status;
    if (response.status < 200) this.#provisionalSeen = true;
    // Read before the input: handing up a non-2xx final lets go of the TU's handlers.
    const onSent = this.#handlers.onSent;
    const onWire = this.#handlers.onWire;
    this.#handedUp = false;
    try {
      this.input({ type: 'response', status: response.status });
      if (!this.#handedUp && onWire) this.guard(() => onWire('in', wireBytesOf(response), this));
      const ack = this.#ackToReport;
      this.#ackToReport = undefined;
      if (ack && onSent) this.guard(() => onSent(ack, this));
      // RFC 3261 §9.1: a CANCEL asked for before any provisional response goes out once one arrives.
      if (this.#cancelWanted && !this.#cancelSent && response.status < 200 && this.state === 'proceeding') this.#doCancel();
    } finally {
      this.#response = undefined;
    }
    // The final has been handed up (and a non-2xx ACKed): what is left to do needs only bytes.
    if (response.status >= 200 && this.#request) {
      this.#finalSeen = true;
      this.#request = undefined;
      this.#bytes = undefined;
      if (this.#ack !== undefined && typeof this.#ack !== 'string') this.#ack = wireText(this.#ack);
    }
  }

  /**
   * RFC 3261 §9.1: cancel a pending INVITE. The CANCEL is sent once a provisional response has
   * arrived (it SHOULD NOT be sent before); it does nothing after a final response.
   */
  cancel(): void {
    if (this.kind !== 'ict' || this.#cancelSent) return;
    this.#cancelWanted = true;
    if (this.#provisionalSeen && this.state === 'proceeding') this.#doCancel();
  }

  #doCancel(): void {
    this.#cancelSent = true;
    const cancel = cancelFor(this.request);
    // The CANCEL's own final (200, or 481 when the INVITE was already answered) is part of
    // what this INVITE's TU traces: the CANCEL has no TU of its own.
    this.#cenv.sendCancel(cancel, this.destination, (res) => {
      const onWire = this.#handlers.onWire;
      if (onWire) this.guard(() => onWire('in', wireBytesOf(res), this));
    });
    const onSent = this.#handlers.onSent;
    if (onSent) this.guard(() => onSent(cancel, this));
  }

  protected send(what: 'request' | 'ack' | 'response'): void {
    if (what === 'response') return;
    // RFC 3261 §17.1.1.3: built from the INVITE and the final at the first send; retransmitted finals get these same bytes.
    if (what === 'ack' && this.#ack === undefined) {
      const ack = ackFor(this.request, this.#response!);
      this.#ack = serializeForWire(ack);
      if (this.#handlers.onSent) this.#ackToReport = ack;
    }
    const ackBytes = this.#ack;
    const bytes = what === 'ack' ? (typeof ackBytes === 'string' ? wireFromText(ackBytes) : ackBytes) : this.#bytes;
    if (!bytes) return;
    const first = what === 'ack' ? this.#ackSends++ === 0 : this.#requestSends++ === 0;
    const onWire = this.#handlers.onWire;
    if (!first && onWire) this.guard(() => onWire('out', bytes, this));
    this.#cenv.send(bytes, this.destination).catch((err: unknown) => {
      this.#lastError = err instanceof TrunklineError ? err : new TrunklineError('SIP_TX_TRANSPORT_ERROR', String(err), { cause: err });
      this.input({ type: 'transportError' });
    });
  }

  protected toTU(event: TuEvent): void {
    const h = this.#handlers;
    switch (event) {
      case 'provisional':
        this.#handedUp = true;
        if (h.onProvisional && this.#response) this.guard(() => h.onProvisional!(this.#response!, this));
        return;
      case 'final':
        this.#handedUp = true;
        if (h.onFinal && this.#response) this.guard(() => h.onFinal!(this.#response!, this));
        // Only an INVITE's 2xx is handed up again (its retransmissions, RFC 6026 Accepted). Any
        // other final ends what the TU hears, while the transaction lingers (Timer D up to 32 s,
        // Timer K) absorbing retransmissions: it must not keep the TU's state alive meanwhile.
        if (this.#detachAtFinal || this.kind === 'nict' || (this.#response?.status ?? 0) >= 300) this.#handlers = NO_HANDLERS;
        return;
      case 'timeout': {
        const err = new TrunklineError<SipTransactionErrorCode>('SIP_TX_TIMEOUT', `no final response to ${this.method} within ${this.kind === 'ict' ? 'timer B' : 'timer F'} (${this.kind === 'ict' ? this.ctx.timers.B : this.ctx.timers.F} ms)`, { details: { method: this.method, branch: this.branch } });
        if (h.onTimeout) this.guard(() => h.onTimeout!(err, this));
        return;
      }
      case 'transportError': {
        const err = new TrunklineError<SipTransactionErrorCode>('SIP_TX_TRANSPORT_ERROR', `transport error for ${this.method}: ${this.#lastError?.message ?? 'unknown'}`, { cause: this.#lastError, details: { method: this.method, branch: this.branch } });
        if (h.onTransportError) this.guard(() => h.onTransportError!(err, this));
        return;
      }
      default:
        return;
    }
  }

  /**
   * The TU wants no more events (its call has ended): the transaction runs its timers to the
   * end (a retransmitted 2xx is then dropped rather than handed up) without holding the TU. A
   * final response still pending is handed up first: a 2xx that races the TU's end must still
   * be ACKed and ended with BYE (RFC 3261 §15).
   */
  detach(): void {
    if (this.#finalSeen) this.#handlers = NO_HANDLERS;
    else this.#detachAtFinal = true;
  }

  /** The transport layer could not deliver a message of this transaction. */
  transportFailed(error: TrunklineError): void {
    this.#lastError = error;
    this.input({ type: 'transportError' });
  }
}

function copy(src: SipRequest, names: readonly string[], into: SipHeaders): void {
  for (const name of names) for (const v of src.headers.getAll(name)) into.append(name, v);
}

/** RFC 3261 §17.1.1.3: the ACK for a non-2xx final response, built by the transaction. */
export function ackFor(invite: SipRequest, response: SipResponse): SipRequest {
  const h = new SipHeaders();
  h.append('Via', invite.headers.getAll('Via')[0] ?? '');
  h.append('Max-Forwards', '70');
  copy(invite, ['From'], h);
  h.append('To', response.headers.get('To') ?? invite.headers.get('To') ?? '');
  copy(invite, ['Call-ID'], h);
  h.append('CSeq', `${invite.headers.cseq()?.seq ?? 1} ACK`);
  // RFC 3261 §17.1.1.3: the ACK carries the Route header fields of the INVITE.
  copy(invite, ['Route'], h);
  h.append('Content-Length', '0');
  return createRequest({ method: 'ACK', uri: invite.uri, headers: h });
}

/** RFC 3261 §9.1: the CANCEL of an INVITE — same Request-URI, Call-ID, To, From, CSeq number, top Via, Route. */
export function cancelFor(invite: SipRequest): SipRequest {
  const h = new SipHeaders();
  h.append('Via', invite.headers.getAll('Via')[0] ?? '');
  h.append('Max-Forwards', '70');
  copy(invite, ['From', 'To', 'Call-ID'], h);
  h.append('CSeq', `${invite.headers.cseq()?.seq ?? 1} CANCEL`);
  copy(invite, ['Route'], h);
  h.append('Content-Length', '0');
  return createRequest({ method: 'CANCEL', uri: invite.uri, headers: h });
}
