import type { Clock } from '../../core/index.js';
import { newBranch, TrunklineError, isTrunklineError } from '../../core/index.js';
import { createResponse, type SipRequest, type SipResponse } from '../message/message.js';
import { noteWireBytes, serializeForWire } from '../message/wire-bytes.js';
import { validateIncoming } from '../message/validate.js';
import { parseMessage } from '../parser/parse-message.js';
import type { TransportPort } from '../transport/transport-set.js';
import type { Destination, InboundMessage } from '../transport/transport.js';
import { ClientTransaction, type ClientEnvironment, type ClientTransactionHandlers } from './client-transaction.js';
import type { FsmContext } from './fsm-types.js';
import { clientKey, clientKeyOfResponse, mergeKey, serverKey } from './keys.js';
import { responseDestination, stampTopVia } from './response-route.js';
import { ServerTransaction, type RequestSource } from './server-transaction.js';
import { RFC3261_TIMERS, timerDurations, type TimerSettings } from './timers.js';
import { LingerQueue } from './linger-queue.js';
import type { SipTransactionErrorCode } from './errors.js';

/**
 * An optional port for the layers above: told of every request answered below the TU (the
 * stateless 400/505/416/513 here, the 483/420/405/501/482 of the UAS core) just before the
 * response is sent, so the application can add its own headers and keep a record. The SIP
 * layer knows nothing of what it adds. Never called for ACK or for dropped responses.
 */
export interface StatelessAnswerPort {
  /** `bytes`: the request as received, when the layer has them (otherwise serialise `request`). */
  decorate(request: SipRequest, response: SipResponse, source: RequestSource, bytes?: Buffer): void;
}

/** The transaction user (RFC 3261 §17): what sits above — a UAS core, the B2BUA. */
export interface TransactionUser {
  /** A new request with its server transaction (INVITE: 100 Trying already sent). */
  onRequest(tx: ServerTransaction): void;
  /** An ACK that matched no INVITE server transaction — the ACK for a 2xx (RFC 3261 §17.2.3, §13.3.1.4). */
  onAck?(ack: SipRequest, source: RequestSource): void;
  /** A response matching no client transaction (e.g. a 2xx retransmitted after the transaction ended). */
  onStrayResponse?(response: SipResponse, source: RequestSource): void;
  /** Something was dropped or answered without reaching the TU; for logs and counters. */
  onDrop?(why: string, source: RequestSource): void;
  /** A TU callback threw; the layer carried on. */
  onError?(error: unknown, where: string): void;
}

export interface TransactionLayerOptions {
  readonly transports: TransportPort;
  readonly tu: TransactionUser;
  readonly clock: Clock;
  readonly timers?: TimerSettings;
  /** Server / User-Agent value in the warn-agent of Warning headers; default "trunkline". */
  readonly agent?: string;
  readonly maxMessageBytes?: number;
  readonly maxHeaders?: number;
  /** Told of each stateless answer before it is sent (see StatelessAnswerPort). */
  readonly statelessAnswers?: StatelessAnswerPort;
  /**
   * The wait timers (D, I, J, K, L, M: a transaction's last, while it absorbs retransmissions)
   * may end it up to this many ms late, never early, so that those due together expire together.
   * Default 0: exact.
   */
  readonly waitTimerGranularityMs?: number;
}

/**
 * Counters a test or a metrics endpoint reads. Every received message ends in exactly one
 * outcome (all but `received`, `tuErrors` and `sendFailures`), so their sum equals `received`.
 */
export interface TransactionLayerStats {
  received: number;
  /** New requests handed to the TU with their server transaction. */
  toTU: number;
  /** ACKs for 2xx handed to the TU. */
  acksToTU: number;
  /** ACKs for non-2xx absorbed by their INVITE server transaction. */
  acksAbsorbed: number;
  /** Request retransmissions absorbed or answered again by their server transaction. */
  retransmissions: number;
  responsesMatched: number;
  /** Responses matching no client transaction, handed to the TU. */
  strayResponses: number;
  /** Broken requests answered here: 400 / 505 / 416 / 513. */
  statelessAnswers: number;
  /** CANCEL answered 200 / 481, merged request answered 482. */
  layerAnswers: number;
  /** Dropped with a reason given to the TU's onDrop (e.g. a broken response). */
  dropped: number;
  tuErrors: number;
  /** Stateless answers the transport could not send. */
  sendFailures: number;
}

/**
 * RFC 3261 §17 transaction layer: matches what comes in to client and server transactions,
 * creates server transactions for new requests, runs client transactions for the TU, and
 * answers what is too broken for anyone above (400/505/416/513 per validateIncoming, 481 for
 * an unmatched CANCEL, 482 for a merged request).
 */
export class TransactionLayer {
  readonly #transports: TransportPort;
  readonly #tu: TransactionUser;
  readonly #clock: Clock;
  readonly #settings: TimerSettings;
  readonly #agent: string;
  readonly #maxBytes: number;
  readonly #maxHeaders: number;
  readonly #answers: StatelessAnswerPort | undefined;
  readonly #clients = new Map<string, ClientTransaction>();
  readonly #servers = new Map<string, ServerTransaction>();
  readonly #merge = new Map<string, string>();
  readonly #lingers: LingerQueue;
  readonly stats: TransactionLayerStats = { received: 0, toTU: 0, acksToTU: 0, acksAbsorbed: 0, retransmissions: 0, responsesMatched: 0, strayResponses: 0, statelessAnswers: 0, layerAnswers: 0, dropped: 0, tuErrors: 0, sendFailures: 0 };

  constructor(options: TransactionLayerOptions) {
    this.#transports = options.transports;
    this.#tu = options.tu;
    this.#clock = options.clock;
    this.#settings = options.timers ?? RFC3261_TIMERS;
    this.#agent = options.agent ?? 'trunkline';
    this.#maxBytes = options.maxMessageBytes ?? 65_536;
    this.#maxHeaders = options.maxHeaders ?? 256;
    this.#answers = options.statelessAnswers;
    this.#lingers = new LingerQueue(options.clock, options.waitTimerGranularityMs ?? 0);
    timerDurations(this.#settings, false); // validate once
  }

  get transactionCount(): { clients: number; servers: number } {
    return { clients: this.#clients.size, servers: this.#servers.size };
  }

  /** The two contexts (reliable or not) made once: one per transaction was an allocation on the hot path. */
  #contexts: { readonly reliable: FsmContext; readonly unreliable: FsmContext } | undefined;

  #ctx(reliable: boolean): FsmContext {
    this.#contexts ??= {
      reliable: Object.freeze({ reliable: true, timers: timerDurations(this.#settings, true) }),
      unreliable: Object.freeze({ reliable: false, timers: timerDurations(this.#settings, false) }),
    };
    return reliable ? this.#contexts.reliable : this.#contexts.unreliable;
  }

  /**
   * What a transaction calls back into, one per kind for the layer's life: a fresh object of
   * closures per transaction was ~500 bytes each lingering transaction held for up to 32 s.
   */
  #envs: { readonly client: ClientEnvironment; readonly server: ClientEnvironment } | undefined;

  #env(kind: 'client' | 'server'): ClientEnvironment {
    this.#envs ??= { client: this.#makeEnv(this.#clients), server: this.#makeEnv(this.#servers) };
    return this.#envs[kind];
  }

  #makeEnv(map: Map<string, ClientTransaction> | Map<string, ServerTransaction>): ClientEnvironment {
    return {
      clock: this.#clock,
      lingers: this.#lingers,
      terminated: (id: string) => {
        const tx = map.get(id);
        map.delete(id);
        // The key kept on the transaction: its request is long gone by now (it lets go at the final).
        if (tx instanceof ServerTransaction && tx.mergeKey !== undefined && this.#merge.get(tx.mergeKey) === id) this.#merge.delete(tx.mergeKey);
      },
      tuError: (error: unknown, id: string) => this.#tuError(error, id),
      send: (bytes: Buffer, to: Destination) => this.#transports.send(bytes, to),
      sendCancel: (cancel: SipRequest, to: Destination, onFinal?: (response: SipResponse) => void) => this.#sendCancel(cancel, to, onFinal),
    };
  }

  /** The sum of the outcome counters (see TransactionLayerStats). */
  #settled(): number {
    const s = this.stats;
    return s.toTU + s.acksToTU + s.acksAbsorbed + s.retransmissions + s.responsesMatched + s.strayResponses + s.statelessAnswers + s.layerAnswers + s.dropped;
  }

  #tuError(error: unknown, where: string): void {
    this.stats.tuErrors++;
    try {
      this.#tu.onError?.(error, where);
    } catch {
      // The error reporter itself failed; nothing more can be done without risking the process.
    }
  }

  #drop(why: string, source: RequestSource): void {
    this.stats.dropped++;
    try {
      this.#tu.onDrop?.(why, source);
    } catch (err) {
      this.#tuError(err, 'onDrop');
    }
  }

  /** Entry point for the transports: one framed message (or a framing fault). Never throws. */
  receive(inbound: InboundMessage): void {
    this.stats.received++;
    const settledBefore = this.#settled();
    const fault = inbound.fault;
    try {
      if (fault) {
        this.#answerBroken(fault, inbound);
        return;
      }
      let message;
      try {
        message = parseMessage(inbound.bytes, { transport: inbound.protocol === 'udp' ? 'datagram' : 'stream', maxBytes: this.#maxBytes, maxHeaders: this.#maxHeaders });
        noteWireBytes(message, inbound.bytes);
      } catch (err) {
        this.#answerBroken(err, inbound);
        return;
      }
      const verdict = validateIncoming(message, { agent: this.#agent });
      if (verdict.action === 'drop') return this.#drop(verdict.why, sourceOf(inbound));
      if (verdict.action === 'respond') {
        const warning = verdict.warning;
        return this.#respondStateless(verdict.request, inbound, createResponse(verdict.request, verdict.status, verdict.reason, warning ? { headers: [['Warning', warning]] } : {}));
      }
      if (message.kind === 'response') this.#onResponse(message, inbound);
      else this.#onRequest(message, inbound);
    } catch (err) {
      // Anything a malformed message might still trigger ends here, counted, never a crash.
      if (this.#settled() === settledBefore) this.#drop(`internal error handling a message: ${(err as Error)?.message ?? String(err)}`, sourceOf(inbound));
      else this.#tuError(err, 'receive');
    }
  }

  #answerBroken(err: unknown, inbound: InboundMessage): void {
    const source = sourceOf(inbound);
    let error = err;
    // Over the size or header-count limit: parse the head alone, without the limit, so the
    // 513 / 400 can reach the sender (the limit protects the stack, not the answer).
    const limited = isTrunklineError(err, 'SIP_PARSE_TOO_LARGE') || isTrunklineError(err, 'SIP_PARSE_TOO_MANY_HEADERS');
    if (limited && err.details['partial'] === undefined && inbound.bytes.length) {
      const end = inbound.bytes.indexOf('\r\n\r\n');
      try {
        const head = parseMessage(inbound.bytes.subarray(0, end < 0 ? Math.min(inbound.bytes.length, this.#maxBytes) : end + 4), { strict: false, maxBytes: this.#maxBytes, maxHeaders: 1_000_000 });
        error = new TrunklineError(err.code, err.message, { details: { ...err.details, partial: head, kind: head.kind } });
      } catch {
        // The head is broken too: nothing to answer.
      }
    }
    const verdict = validateIncoming(error, { agent: this.#agent });
    if (verdict.action !== 'respond') return this.#drop(verdict.action === 'drop' ? verdict.why : 'unparseable', source);
    const warning = verdict.warning;
    this.#respondStateless(verdict.request, inbound, createResponse(verdict.request, verdict.status, verdict.reason, warning ? { headers: [['Warning', warning]] } : {}));
  }

  #respondStateless(request: SipRequest, inbound: InboundMessage, response: SipResponse): void {
    // RFC 3261 §17.2.3: an ACK is never answered.
    if (request.method === 'ACK') return this.#drop(`broken ACK (${response.status} ${response.reason}); ACKs get no response`, inbound);
    this.stats.statelessAnswers++;
    let to: Destination;
    try {
      stampTopVia(request, inbound);
      to = responseDestination(request, inbound as InboundMessage);
    } catch {
      to = { protocol: inbound.protocol, address: inbound.remote.address, port: inbound.remote.port, ...(inbound.connectionId ? { connectionId: inbound.connectionId } : {}) };
    }
    if (this.#answers) {
      try {
        this.#answers.decorate(request, response, sourceOf(inbound), inbound.bytes);
      } catch (err) {
        // The answer still goes out undecorated: the sender is owed it (RFC 3261 §8.2).
        this.#tuError(err, 'statelessAnswers');
      }
    }
    this.#transports.send(serializeForWire(response), to).catch((err: unknown) => {
      this.stats.sendFailures++;
      this.#tu.onDrop?.(`could not send ${response.status}: ${(err as Error).message}`, inbound);
    });
  }

  #onResponse(response: SipResponse, inbound: InboundMessage): void {
    const key = clientKeyOfResponse(response);
    const tx = key ? this.#clients.get(key) : undefined;
    if (tx) {
      this.stats.responsesMatched++;
      tx.receive(response);
      return;
    }
    if (this.#tu.onStrayResponse) {
      this.stats.strayResponses++;
      try {
        this.#tu.onStrayResponse(response, sourceOf(inbound));
      } catch (err) {
        this.#tuError(err, 'onStrayResponse');
      }
    } else this.#drop(`response ${response.status} matches no client transaction`, sourceOf(inbound));
  }

  #onRequest(request: SipRequest, inbound: InboundMessage): void {
    const source = sourceOf(inbound);
    stampTopVia(request, inbound);
    if (request.method === 'ACK') return this.#onAck(request, source);
    // Kept as long as the transaction lingers: a string of its own (keys.ts), none of the request's text.
    const key = serverKey(request);
    if (!key) return this.#drop('request without Via', source);
    const existing = this.#servers.get(key);
    if (existing) {
      this.stats.retransmissions++;
      existing.retransmission(inbound.bytes);
      return;
    }
    const ctx = this.#ctx(inbound.protocol !== 'udp');
    const destination = responseDestination(request, inbound);
    const cancel = request.method === 'CANCEL';
    // RFC 3261 §8.2.2.2: same From tag, Call-ID and CSeq as a live transaction that this one
    // does not match, with no To tag: a request that reached us twice through a fork → 482.
    const mk = cancel || request.headers.to()?.tag ? undefined : mergeKey(request);
    const other = mk ? this.#merge.get(mk) : undefined;
    const merged = other !== undefined && other !== key && this.#servers.has(other);
    // The transaction keeps the key only where it is the one registered (removed at its end).
    const tx = new ServerTransaction(key, request, source, destination, ctx, this.#env('server'), merged ? undefined : mk);
    this.#servers.set(key, tx);
    if (cancel) {
      this.stats.layerAnswers++;
      return this.#onCancel(tx);
    }
    if (merged) {
      this.stats.layerAnswers++;
      tx.start();
      tx.respond(createResponse(request, 482, 'Loop Detected', { toTag: newBranch().slice(7) }));
      return;
    }
    if (mk) this.#merge.set(mk, key);
    this.stats.toTU++;
    // RFC 3261 §17.2.1 / issue: 100 Trying goes out at once for INVITE, before the TU runs.
    if (request.method === 'INVITE') tx.respond(createResponse(request, 100, 'Trying'));
    tx.start();
    try {
      this.#tu.onRequest(tx);
    } catch (err) {
      this.#tuError(err, 'onRequest');
      // RFC 3261 §8.2: the request still gets an answer when the TU broke.
      if (tx.lastStatus < 200 && tx.state !== 'terminated') tx.respond(createResponse(request, 500, 'Server Internal Error'));
    }
  }

  #onAck(ack: SipRequest, source: RequestSource): void {
    const key = serverKey(ack, 'INVITE');
    const invite = key ? this.#servers.get(key) : undefined;
    // RFC 3261 §17.2.3: an ACK for a non-2xx matches the INVITE server transaction and is absorbed there.
    if (invite && invite.kind === 'ist' && invite.lastStatus >= 300) {
      this.stats.acksAbsorbed++;
      invite.ack(ack);
      return;
    }
    // RFC 6026 §7.1: an ACK matching an INVITE in Accepted (RFC 2543 peers reuse the branch) is
    // seen by the transaction and still goes to the TU, whose dialog stops retransmitting its 2xx.
    if (invite && invite.kind === 'ist' && invite.lastStatus >= 200) invite.ack(ack);
    if (this.#tu.onAck) {
      this.stats.acksToTU++;
      try {
        this.#tu.onAck(ack, source);
      } catch (err) {
        this.#tuError(err, 'onAck');
      }
    } else this.#drop('ACK matches no transaction', source);
  }

  /** RFC 3261 §9.2: CANCEL matches the INVITE with the same branch; 200 to the CANCEL, the TU answers the INVITE 487. */
  #onCancel(tx: ServerTransaction): void {
    tx.start();
    // Read before answering: the CANCEL's transaction lets go of its request at its final response.
    const cancel = tx.request;
    const key = safe(() => serverKey(cancel, 'INVITE'));
    const invite = key ? this.#servers.get(key) : undefined;
    if (!invite || invite.kind !== 'ist') {
      tx.respond(createResponse(cancel, 481, 'Call/Transaction Does Not Exist'));
      return;
    }
    // The INVITE may be past its final (then its request is gone, its To tag kept).
    const ok = createResponse(cancel, 200, 'OK', { toTag: invite.requestToTag });
    tx.respond(ok);
    if (invite.lastStatus < 200) invite.cancelled(cancel, ok);
  }

  /**
   * Send a request as a client transaction (RFC 3261 §17.1). The layer adds the top Via
   * (sent-by of the transport used, a fresh z9hG4bK branch, rport per RFC 3581 §3).
   */
  sendRequest(request: SipRequest, destination: Destination, handlers: ClientTransactionHandlers = {}): ClientTransaction {
    const cseq = safe(() => request.headers.cseq());
    if (!cseq || !request.headers.has('Call-ID') || !request.headers.has('From') || !request.headers.has('To')) {
      throw new TrunklineError<SipTransactionErrorCode>('SIP_TX_BAD_REQUEST', `${request.method} lacks CSeq, Call-ID, From or To`, { details: { method: request.method } });
    }
    if (request.method === 'ACK') throw new TrunklineError<SipTransactionErrorCode>('SIP_TX_BAD_REQUEST', 'ACK has no client transaction; use sendStateless', { details: { method: 'ACK' } });
    const branch = newBranch();
    this.#addVia(request, destination, branch);
    const ctx = this.#ctx(this.#transports.isReliable(destination.protocol));
    const key = clientKey(branch, request.method);
    const tx = new ClientTransaction(key, request, destination, ctx, this.#env('client'), handlers);
    this.#clients.set(key, tx);
    tx.start();
    return tx;
  }

  #sendCancel(cancel: SipRequest, to: Destination, onFinal?: (response: SipResponse) => void): void {
    // The CANCEL already carries the INVITE's top Via (same branch, RFC 3261 §9.1): no new Via.
    const branch = cancel.headers.topVia()?.branch ?? newBranch();
    const key = clientKey(branch, 'CANCEL');
    const tx = new ClientTransaction(key, cancel, to, this.#ctx(this.#transports.isReliable(to.protocol)), this.#env('client'), onFinal ? { onFinal: (res) => onFinal(res) } : {});
    this.#clients.set(key, tx);
    tx.start();
  }

  /**
   * Send without a transaction: the ACK for a 2xx (RFC 3261 §13.2.2.4, with a fresh Via) or a
   * response the TU sends statelessly (e.g. a 2xx retransmission by the UAS core).
   */
  sendStateless(message: SipRequest | SipResponse, destination: Destination): Promise<void> {
    if (message.kind === 'request') this.#addVia(message, destination, newBranch());
    return this.#transports.send(serializeForWire(message), destination);
  }

  /** Send a message again exactly as it is (e.g. the same ACK for a retransmitted 2xx); no Via is added. */
  resend(message: SipRequest | SipResponse, destination: Destination): Promise<void> {
    return this.#transports.send(serializeForWire(message), destination);
  }

  #addVia(request: SipRequest, to: Destination, branch: string): void {
    const s = this.#transports.sentBy(to);
    const host = s.host.includes(':') ? `[${s.host}]` : s.host;
    request.headers.prepend('Via', `SIP/2.0/${s.transport} ${host}:${s.port};branch=${branch};rport`);
  }

  /** Whether host:port is one of our listening addresses (for the 482 loop check of RFC 3261 §16.3). */
  isLocal(host: string, port: number): boolean {
    return this.#transports.isLocal(host, port);
  }
}

/**
 * Where a message came from: the inbound message less its bytes and fault, built as a literal —
 * an object rest (`{ bytes, fault, ...source }`) copies property by property (it was twice per
 * message here), and a response that matches its transaction needs none.
 */
function sourceOf(inbound: InboundMessage): RequestSource {
  const { protocol, remote, local, connectionId } = inbound;
  return connectionId === undefined ? { protocol, remote, local } : { protocol, remote, local, connectionId };
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
