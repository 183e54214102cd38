import { isWildcard, type AcceptOptions, type InviteResponseOptions, type ClientTransaction, type Destination, type Dialog, type DialogLayer, type RequestSource as SipSource, type ServerTransaction, type ServerTransactionHandlers, type SipRequest, type SipRequestHandler, type SipResponse, type TransactionLayer, type TransactionUser } from '../../sip/index.js';
import type { Hop, LocalAddress } from '../call/leg.js';
import type { ClientTx, ClientTxEvents, EdgeRequestHandler, EdgeSipPort, RequestSource, ServerTx } from './sip-port.js';

/**
 * The adapter between the B2BUA's port and sip/'s transaction layer: the B2BUA is the
 * transaction user (RFC 3261 §17), and sends through the layer, which adds Via, runs the
 * timers and retransmits. Built by app/ (or a test) once the transports listen.
 */
export function toSource(s: SipSource, localFor?: (hop: Hop) => LocalAddress): RequestSource {
  // Literals, not a conditional spread (an empty object and a property copy per request).
  const hop: Hop = s.connectionId ? { protocol: s.protocol, address: s.remote.address, port: s.remote.port, connectionId: s.connectionId } : { protocol: s.protocol, address: s.remote.address, port: s.remote.port };
  // A request that came in on a wildcard listener: we are, for this peer, the address it reaches us at.
  const local = isWildcard(s.local.address) && localFor ? { address: localFor(hop).address, port: s.local.port } : { address: s.local.address, port: s.local.port };
  return { hop, local };
}

const NO_HANDLERS: ServerTransactionHandlers = Object.freeze({});

class ServerTxAdapter implements ServerTx {
  readonly request: SipRequest;
  readonly source: RequestSource;
  readonly #tx: ServerTransaction;
  #handlers: ServerTransactionHandlers = NO_HANDLERS;

  constructor(tx: ServerTransaction, localFor?: (hop: Hop) => LocalAddress) {
    this.#tx = tx;
    this.request = tx.request;
    this.source = toSource(tx.source, localFor);
  }

  /** The stack's transaction behind an adapter, for the dialog layer (which answers through it). */
  static stackOf(tx: ServerTx): ServerTransaction | undefined {
    return tx instanceof ServerTxAdapter ? tx.#tx : undefined;
  }

  get provisional(): SipResponse | undefined {
    return this.#tx.provisional;
  }

  respond(response: SipResponse): void {
    if (this.#tx.state === 'terminated') return;
    try {
      this.#tx.respond(response);
    } catch {
      // SIP_TX_FINAL_SENT: a race (CANCEL vs 200) already decided this transaction.
    }
  }

  onCancel(handler: (cancel: SipRequest, ok: SipResponse) => void): void {
    this.#add({ onCancel: (cancel, _tx, ok) => handler(cancel, ok) });
  }

  onWire(handler: (direction: 'in' | 'out', bytes: Uint8Array) => void): () => void {
    this.#add({ onWire: handler });
    // Removed, not kept: the transaction lingers 32 s after its final and must not hold the call
    // (nor a handler object and closure of its own, issue 13) that long.
    return () => {
      if (this.#handlers.onWire !== handler) return;
      const { onWire: _removed, ...rest } = this.#handlers;
      // Past the final a CANCEL no longer reaches the TU (the transaction dropped its onCancel then).
      this.#handlers = this.#tx.lastStatus >= 200 || rest.onCancel === undefined ? NO_HANDLERS : rest;
      this.#tx.setHandlers(this.#handlers);
    };
  }

  #add(handlers: ServerTransactionHandlers): void {
    this.#handlers = { ...this.#handlers, ...handlers };
    this.#tx.setHandlers(this.#handlers);
  }
}

/** The B2BUA as the transaction layer's TU. */
export function edgeTransactionUser(handler: EdgeRequestHandler, onError?: (err: unknown, where: string) => void, localFor?: (hop: Hop) => LocalAddress): TransactionUser {
  return {
    onRequest: (tx) => handler.onRequest(new ServerTxAdapter(tx, localFor)),
    onAck: (ack, source) => handler.onAck(ack, toSource(source, localFor)),
    onStrayResponse: (res, source) => handler.onStrayResponse?.(res, toSource(source, localFor)),
    ...(onError ? { onError } : {}),
  };
}

export class TransactionLayerPort implements EdgeSipPort {
  readonly #layer: () => TransactionLayer;
  readonly #local: (hop: Hop) => LocalAddress;
  readonly #prepare: ((hop: Hop) => Promise<void>) | undefined;

  readonly #dialogLayer: () => DialogLayer;

  /**
   * `layer` and `dialogs` are getters because the stack is built with the TU, which needs this
   * port first; both are the endpoint's (sip/endpoint). `prepare` learns the local address
   * towards a hop before the edge writes it anywhere.
   */
  constructor(layer: () => TransactionLayer, localFor: (hop: Hop) => LocalAddress, prepare: ((hop: Hop) => Promise<void>) | undefined, dialogs: () => DialogLayer) {
    this.#layer = layer;
    this.#local = localFor;
    this.#prepare = prepare;
    this.#dialogLayer = dialogs;
  }

  get #dialogs(): DialogLayer {
    return this.#dialogLayer();
  }

  answerInvite(tx: ServerTx, response: SipResponse, onNoAck?: () => void, targetWithoutContact?: string): Dialog | undefined {
    const stx = ServerTxAdapter.stackOf(tx);
    if (!stx) {
      tx.respond(response);
      return undefined;
    }
    if (stx.state === 'terminated') return undefined;
    try {
      return this.#dialogs.answerInvite(stx, response, acceptOptions(onNoAck, targetWithoutContact));
    } catch {
      // SIP_TX_FINAL_SENT: a race (CANCEL vs 200) already decided this transaction.
      return undefined;
    }
  }

  inviteResponse(invite: SipRequest, response: SipResponse, ackTo: (dialog: Dialog) => Hop | Promise<Hop>, onAck?: (ack: SipRequest, hop: Hop) => void, targetWithoutContact?: string): Dialog | undefined {
    const to = (d: Dialog) => {
      const hop = ackTo(d);
      return hop instanceof Promise ? hop.then(destination) : destination(hop);
    };
    const tellAck = onAck && ((ack: SipRequest, to: Destination) => onAck(ack, { protocol: to.protocol, address: to.address, port: to.port, ...(to.connectionId ? { connectionId: to.connectionId } : {}) }));
    const options: InviteResponseOptions = tellAck
      ? (targetWithoutContact ? { onAck: tellAck, targetWithoutContact } : { onAck: tellAck })
      : (targetWithoutContact ? { targetWithoutContact } : {});
    return this.#dialogs.receiveInviteResponse(invite, response, to, options);
  }

  ackReceived(ack: SipRequest): Dialog | undefined {
    return this.#dialogs.receiveAck(ack);
  }

  dialogFor(request: SipRequest): Dialog | undefined {
    return this.#dialogs.forRequest(request);
  }

  forget(dialog: Dialog): void {
    this.#dialogs.remove(dialog);
  }

  prepare(hop: Hop): Promise<void> {
    return this.#prepare?.(hop) ?? Promise.resolve();
  }

  sendRequest(request: SipRequest, hop: Hop, events: ClientTxEvents): ClientTx {
    let tx: ClientTransaction;
    try {
      tx = this.#layer().sendRequest(request, destination(hop), {
        onProvisional: (res) => events.onResponse(res),
        onFinal: (res) => events.onResponse(res),
        onTimeout: () => events.onTimeout(),
        onTransportError: (err) => events.onTransportError(err.message),
        ...(events.onSent ? { onSent: (req: SipRequest) => events.onSent!(req) } : {}),
        ...(events.onWire ? { onWire: (direction: 'in' | 'out', bytes: Uint8Array) => events.onWire!(direction, bytes) } : {}),
      });
    } catch (err) {
      queueMicrotask(() => events.onTransportError(err instanceof Error ? err.message : String(err)));
      return { cancel: () => {}, release: () => {} };
    }
    return { cancel: () => tx.cancel(), release: () => tx.detach() };
  }

  sendStateless(message: SipRequest | SipResponse, hop: Hop): void {
    this.#layer().sendStateless(message, destination(hop)).catch(() => {
      // A lost ACK or 2xx retransmission is recovered by the peer's retransmission (RFC 3261 §13.3.1.4).
    });
  }

  localFor(hop: Hop): LocalAddress {
    return this.#local(hop);
  }
}

function destination(hop: Hop) {
  return { protocol: hop.protocol, address: hop.address, port: hop.port, ...(hop.connectionId ? { connectionId: hop.connectionId } : {}) };
}

/** The B2BUA as the UAS core's request handler (sip/uas SipRequestHandler), for app/'s SIP server. */
export function edgeSipHandler(handler: EdgeRequestHandler, localFor?: (hop: Hop) => LocalAddress, port?: Pick<EdgeSipPort, 'ackReceived'>): SipRequestHandler {
  return {
    methods: ['INVITE', 'ACK', 'CANCEL', 'BYE', 'UPDATE', 'INFO', 'OPTIONS', 'REGISTER'],
    supported: ['timer'],
    handleRequest: (tx) => handler.onRequest(new ServerTxAdapter(tx, localFor)),
    handleAck: (ack, source) => {
      // RFC 3261 §13.3.1.4: the ACK of either side stops the dialog layer's 2xx retransmissions.
      port?.ackReceived(ack);
      handler.onAck(ack, toSource(source, localFor));
    },
    handleStrayResponse: (res, source) => handler.onStrayResponse?.(res, toSource(source, localFor)),
  };
}

/**
 * One literal per shape. Not two conditional spreads: keys spread onto an object born of a spread
 * make a new hidden class per call (core's Writable). Nor a closure added to `{}` field by field:
 * with that, serve at 100 calls/s promoted ~5 MB/s where it promotes ~0.4 (bench/edge-cps with
 * --node-arg --trace-gc-nvp, the warm-up) until a mark-compact — measured, not explained.
 */
function acceptOptions(onNoAck: (() => void) | undefined, targetWithoutContact: string | undefined): AcceptOptions {
  if (onNoAck) {
    const tell = (): void => onNoAck();
    return targetWithoutContact ? { onNoAck: tell, targetWithoutContact } : { onNoAck: tell };
  }
  return targetWithoutContact ? { targetWithoutContact } : {};
}
