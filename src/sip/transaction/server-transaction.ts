import { TrunklineError } from '../../core/index.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import { serializeForWire, wireFromText, wireText } from '../message/wire-bytes.js';
import type { Destination, InboundMessage } from '../transport/transport.js';
import type { FsmContext, TuEvent } from './fsm-types.js';
import { istStart, istTransition, type IstInput, type IstState } from './invite-server-fsm.js';
import { nistStart, nistTransition, type NistInput, type NistState } from './non-invite-server-fsm.js';
import { ownString } from './keys.js';
import { TxRunner, type FsmFn, type TxEnvironment } from './tx-base.js';
import type { SipTransactionErrorCode } from './errors.js';

/** Where a request came from; responses go back by RFC 3261 §18.2.2 / RFC 3581 §4. */
export type RequestSource = Omit<InboundMessage, 'bytes' | 'fault'>;

export interface ServerTransactionHandlers {
  /** RFC 3261 §9.2: a CANCEL matched this INVITE; the layer already answered the CANCEL with `ok` (200). The TU should answer 487. */
  onCancel?(cancel: SipRequest, tx: ServerTransaction, ok: SipResponse): void;
  /** RFC 6026 §7.1: an ACK matched the transaction after a 2xx (rare: ACKs for 2xx normally carry a new branch). */
  onAck?(ack: SipRequest, tx: ServerTransaction): void;
  /** Timer H: no ACK for a non-2xx final response (RFC 3261 §17.2.1). */
  onTimeout?(tx: ServerTransaction): void;
  onTransportError?(error: TrunklineError, tx: ServerTransaction): void;
  /**
   * What the transaction received or sent on its own, which the TU neither got nor gave: a
   * retransmitted request it absorbed ('in') and the last response sent again for it or on
   * Timer G ('out', RFC 3261 §17.2.1) — for a trace that shows the wire, retransmissions included.
   */
  onWire?(direction: 'in' | 'out', bytes: Uint8Array, tx: ServerTransaction): void;
}

export interface ServerEnvironment extends TxEnvironment {
  send(bytes: Buffer, to: Destination): Promise<void>;
}

const NO_HANDLERS: ServerTransactionHandlers = Object.freeze({});

type State = IstState | NistState;
type Input = IstInput | NistInput;

export class ServerTransaction extends TxRunner<State, Input> {
  #source: RequestSource | undefined;
  /** Where responses go (computed from the top Via per RFC 3261 §18.2.2 and RFC 3581 §4). */
  readonly responseDestination: Destination;
  /** RFC 3261 §8.2.2.2: the merged-request key the layer registered for this transaction, if any. */
  readonly mergeKey: string | undefined;
  readonly #senv: ServerEnvironment;
  #request: SipRequest | undefined;
  /** The INVITE's own To tag, kept when the request goes: the layer's 200 to a late CANCEL carries it. */
  #requestToTag: string | undefined;
  #handlers: ServerTransactionHandlers = NO_HANDLERS;
  /** The last response's bytes; once final, as wireText, for retransmissions only (see wireFromText). */
  #last: Buffer | string | undefined;
  #lastStatus = 0;
  #provisional: SipResponse | undefined;
  #lastError: TrunklineError | undefined;
  /** The ACK being handed to the TU (RFC 6026 §7.1), for the length of that call only. */
  #ack: SipRequest | undefined;
  /** True while respond() runs: that send is the TU's own (it traces it), not the transaction's. */
  #tuSending = false;

  constructor(id: string, request: SipRequest, source: RequestSource, destination: Destination, ctx: FsmContext, env: ServerEnvironment, mergeKey?: string) {
    const invite = request.method === 'INVITE';
    super(id, invite ? 'ist' : 'nist', request.method, ctx, env, (invite ? istTransition : nistTransition) as FsmFn<State, Input>, (invite ? istStart() : nistStart()).state);
    this.#request = request;
    this.#source = source;
    this.responseDestination = destination;
    this.mergeKey = mergeKey;
    this.#senv = env;
  }

  /**
   * The request, until the final response is sent. A transaction lingers up to 32 s after that
   * (Timers J and L, RFC 6026 Accepted) answering retransmissions from the response's bytes alone:
   * keeping the parsed request (headers, URIs, body) that long was most of what a call left on the
   * heap (issue 13). Read after the final it throws SIP_TX_RELEASED; a TU keeps what it needs.
   */
  get request(): SipRequest {
    if (this.#request === undefined) throw this.released();
    return this.#request;
  }

  /**
   * Where the request came from, until the final response (as `request`): past it responses go
   * to responseDestination, and the source's three objects were ~100 bytes a lingering
   * transaction held for nothing.
   */
  get source(): RequestSource {
    if (this.#source === undefined) throw this.released();
    return this.#source;
  }

  /** The To tag of the request (an INVITE's is absent unless it is a re-INVITE), kept past the final. */
  get requestToTag(): string | undefined {
    return this.#request ? safeToTag(this.#request) : this.#requestToTag;
  }

  /** Called by the layer once registered: hands the request to the TU. */
  start(): void {
    this.apply(this.kind === 'ist' ? istStart() : nistStart(), 'start');
  }

  setHandlers(handlers: ServerTransactionHandlers): this {
    this.#handlers = handlers;
    return this;
  }

  /**
   * The provisional response sent last, until the final: the 100 Trying the layer sends for an
   * INVITE before its TU runs (RFC 3261 §17.2.1) is the TU's to trace, not to build again.
   */
  get provisional(): SipResponse | undefined {
    return this.#provisional;
  }

  /** Status of the most recent response sent, 0 before any. */
  get lastStatus(): number {
    return this.#lastStatus;
  }

  /**
   * Send a response through the transaction (RFC 3261 §17.2). Provisional responses may follow
   * each other; after a final response only 2xx retransmissions to an INVITE are sent (RFC 6026).
   * Throws SIP_TX_FINAL_SENT when the transaction can no longer send this response.
   */
  respond(response: SipResponse): void {
    this.#respond(response, true);
  }

  /**
   * RFC 3261 §13.3.1.4: the UAS core sends its 2xx to the INVITE again until the ACK comes. Sent
   * like respond(), but told to onWire: the TU gave it once, the retransmissions are the stack's.
   */
  retransmit2xx(response: SipResponse): void {
    this.#respond(response, false);
  }

  #respond(response: SipResponse, byTu: boolean): void {
    const finalSent = this.#lastStatus >= 200;
    if (finalSent && !(this.kind === 'ist' && this.#lastStatus < 300 && response.status >= 200 && response.status < 300)) {
      throw new TrunklineError<SipTransactionErrorCode>('SIP_TX_FINAL_SENT', `${this.method} transaction already sent ${this.#lastStatus}; ${response.status} not sent`, { details: { status: response.status } });
    }
    if (this.state === 'terminated') {
      throw new TrunklineError<SipTransactionErrorCode>('SIP_TX_FINAL_SENT', `${this.method} transaction has terminated; ${response.status} not sent`, { details: { status: response.status } });
    }
    const bytes = serializeForWire(response);
    this.#last = bytes;
    this.#lastStatus = response.status;
    this.#provisional = response.status < 200 ? response : undefined;
    // After a final response a CANCEL has no effect (RFC 3261 §9.2) and the layer no longer hands
    // it over; the transaction lingers 32 s more (Timer J, RFC 6026 Accepted) and must not keep
    // the TU's call alive that long through this handler.
    if (response.status >= 200 && this.#handlers.onCancel) {
      const { onCancel: _dropped, ...rest } = this.#handlers;
      this.#handlers = rest;
    }
    this.#tuSending = byTu;
    try {
      this.input({ type: 'tuResponse', status: response.status });
    } finally {
      this.#tuSending = false;
    }
    if (response.status >= 200) {
      // Sent by now (the input's send action): what lingers is only for retransmissions of the
      // request — none for an INVITE's 2xx, which the TU resends itself (RFC 6026 §7.1, retransmit2xx).
      this.#last = this.kind === 'ist' && response.status < 300 ? undefined : wireText(bytes);
      if (this.#request) this.#release();
    }
  }

  /** Past the final response only the response bytes, the keys and the destination are needed. */
  #release(): void {
    const tag = this.kind === 'ist' ? safeToTag(this.#request!) : undefined;
    // A slice of the request's text: copied, or it would keep that text alive (see ownString).
    if (tag !== undefined) this.#requestToTag = ownString(tag);
    this.#request = undefined;
    this.#source = undefined;
  }

  /** From the layer: a retransmission of the request, as it arrived. */
  retransmission(bytes?: Uint8Array): void {
    const onWire = this.#handlers.onWire;
    if (onWire && bytes) this.guard(() => onWire('in', bytes, this));
    this.input({ type: 'request' });
  }

  /** From the layer: an ACK matching this INVITE server transaction. */
  ack(request: SipRequest): void {
    this.#ack = request;
    try {
      this.input({ type: 'ack' });
    } finally {
      // Absorbed (non-2xx) or handed to the TU (2xx): either way the transaction is done with it.
      this.#ack = undefined;
    }
  }

  /** From the layer: a CANCEL matched this transaction, and the layer answered it with `ok`. */
  cancelled(cancel: SipRequest, ok: SipResponse): void {
    const h = this.#handlers;
    if (h.onCancel) this.guard(() => h.onCancel!(cancel, this, ok));
  }

  protected send(what: 'request' | 'ack' | 'response'): void {
    if (what !== 'response') return;
    const last = this.#last;
    if (last === undefined) return;
    const bytes = typeof last === 'string' ? wireFromText(last) : last;
    const onWire = this.#tuSending ? undefined : this.#handlers.onWire;
    if (onWire) this.guard(() => onWire('out', bytes, this));
    this.#senv.send(bytes, this.responseDestination).catch((err: unknown) => {
      this.#lastError = err instanceof TrunklineError ? err : new TrunklineError('SIP_TX_TRANSPORT_ERROR', String(err), { cause: err });
      this.input({ type: 'transportError' });
    });
  }

  protected toTU(event: TuEvent): void {
    const h = this.#handlers;
    switch (event) {
      case 'ack':
        if (h.onAck && this.#ack) this.guard(() => h.onAck!(this.#ack!, this));
        return;
      case 'timeout':
        if (h.onTimeout) this.guard(() => h.onTimeout!(this));
        return;
      case 'transportError': {
        const err = new TrunklineError<SipTransactionErrorCode>('SIP_TX_TRANSPORT_ERROR', `could not send ${this.#lastStatus} to ${this.responseDestination.address}:${this.responseDestination.port}: ${this.#lastError?.message ?? 'unknown'}`, { cause: this.#lastError });
        if (h.onTransportError) this.guard(() => h.onTransportError!(err, this));
        return;
      }
      default:
        // 'request' is delivered by the layer (it needs the TU's request handler), not from here.
        return;
    }
  }
}

function safeToTag(request: SipRequest): string | undefined {
  try {
    return request.headers.to()?.tag ?? undefined;
  } catch {
    return undefined;
  }
}
