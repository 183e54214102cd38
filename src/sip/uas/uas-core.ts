import type { SipRequest, SipResponse } from '../message/message.js';
import type { RequestSource, ServerTransaction } from '../transaction/server-transaction.js';
import type { StatelessAnswerPort, TransactionUser } from '../transaction/transaction-layer.js';
import { answerOptions, checkRequest, type UasPolicy } from './stateless-answers.js';

/**
 * The port the application plugs into the SIP server: the B2BUA of the edge, or nothing, in
 * which case only OPTIONS is allowed and everything else gets 405 with Allow: OPTIONS.
 */
export interface SipRequestHandler {
  /** Methods the handler takes (besides OPTIONS, which the UAS core answers itself unless listed here). */
  readonly methods: readonly string[];
  /** Option tags the handler supports (Supported / Require). */
  readonly supported?: readonly string[];
  handleRequest(tx: ServerTransaction): void;
  /** ACK for a 2xx (no transaction, RFC 3261 §13.3.1.4). */
  handleAck?(ack: SipRequest, source: RequestSource): void;
  /** A response that matched no client transaction. */
  handleStrayResponse?(response: SipResponse, source: RequestSource): void;
}

export interface UasCoreEvents {
  /** A request answered here rather than by the handler (status and the reason in words). */
  answered?(request: SipRequest, status: number, why: string): void;
  dropped?(why: string, source: RequestSource): void;
  error?(error: unknown, where: string): void;
  /** Told of each stateless rejection (483/482/420/405/501) before it is sent, to decorate it. */
  readonly statelessAnswers?: StatelessAnswerPort;
}

/**
 * A UAS core (RFC 3261 §8.2) as the transaction user: the stateless checks first, OPTIONS
 * (RFC 3261 §11) next, then the handler.
 */
export class UasCore implements TransactionUser {
  #handler: SipRequestHandler | undefined;
  readonly #base: Omit<UasPolicy, 'allow' | 'supported'> & { readonly supported: readonly string[] };
  readonly #events: UasCoreEvents;
  #policy: UasPolicy;

  constructor(base: Omit<UasPolicy, 'allow'>, events: UasCoreEvents = {}) {
    this.#base = base;
    this.#events = events;
    this.#policy = this.#compose(undefined);
  }

  get policy(): UasPolicy {
    return this.#policy;
  }

  /** Plug in (or remove) the application; Allow and Supported follow it. */
  setHandler(handler: SipRequestHandler | undefined): void {
    this.#handler = handler;
    this.#policy = this.#compose(handler);
  }

  #compose(handler: SipRequestHandler | undefined): UasPolicy {
    const allow = [...new Set(['OPTIONS', ...(handler?.methods ?? [])])];
    // CANCEL comes with INVITE (RFC 3261 §9.2); ACK too (§17): both are allowed whenever INVITE is.
    if (allow.includes('INVITE')) for (const m of ['ACK', 'CANCEL']) if (!allow.includes(m)) allow.push(m);
    return { ...this.#base, allow, supported: [...new Set([...this.#base.supported, ...(handler?.supported ?? [])])] };
  }

  onRequest(tx: ServerTransaction): void {
    const request = tx.request;
    const rejection = checkRequest(request, this.#policy);
    if (rejection) {
      try {
        this.#events.statelessAnswers?.decorate(request, rejection.response, tx.source);
      } catch (err) {
        // The rejection still goes out undecorated (RFC 3261 §8.2: the request is owed an answer).
        this.#events.error?.(err, 'statelessAnswers');
      }
      tx.respond(rejection.response);
      this.#events.answered?.(request, rejection.response.status, rejection.why);
      return;
    }
    const handler = this.#handler;
    if (request.method === 'OPTIONS' && !handler?.methods.includes('OPTIONS')) {
      tx.respond(answerOptions(request, this.#policy));
      this.#events.answered?.(request, 200, 'OPTIONS');
      return;
    }
    if (!handler) return; // unreachable: without a handler only OPTIONS passes checkRequest
    handler.handleRequest(tx);
  }

  onAck(ack: SipRequest, source: RequestSource): void {
    if (this.#handler?.handleAck) this.#handler.handleAck(ack, source);
    else this.#events.dropped?.('ACK matches no transaction and no handler takes ACKs', source);
  }

  onStrayResponse(response: SipResponse, source: RequestSource): void {
    if (this.#handler?.handleStrayResponse) this.#handler.handleStrayResponse(response, source);
    else this.#events.dropped?.(`response ${response.status} matches no client transaction`, source);
  }

  onDrop(why: string, source: RequestSource): void {
    this.#events.dropped?.(why, source);
  }

  onError(error: unknown, where: string): void {
    this.#events.error?.(error, where);
  }
}
