import { TrunklineError } from '../../core/index.js';
import { createRequest, type SipRequest, type SipResponse } from '../message/message.js';
import { parseUri } from '../parser/parse-uri.js';
import type { ResolvedTarget, SipResolver } from '../transport/resolver.js';
import type { ClientTransaction, ClientTransactionHandlers } from './client-transaction.js';
import type { TransactionLayer } from './transaction-layer.js';

export interface UriSendHandlers extends ClientTransactionHandlers {
  /** The next hop's host did not resolve (RFC 3263): the B2BUA answers 502 for an FQDN destination. */
  onResolveFailed?(error: TrunklineError): void;
  /** A client transaction was started towards `target` (one per attempt). */
  onAttempt?(target: ResolvedTarget, tx: ClientTransaction): void;
}

/**
 * Sends a request to its next hop — the first Route URI, else the Request-URI (RFC 3261 §8.1.2)
 * — resolving it per RFC 3263 and failing over to the next target on a transport error, a
 * timeout, or a 503 (RFC 3263 §4.3), each attempt a new client transaction with a new branch.
 * Only the outcome of the last attempt (or the first success) reaches the handlers.
 */
export async function sendToNextHop(layer: TransactionLayer, resolver: SipResolver, request: SipRequest, handlers: UriSendHandlers = {}): Promise<void> {
  let targets: readonly ResolvedTarget[];
  try {
    const route = request.headers.routes()[0]?.uri;
    const uri = parseUri(route ?? request.uri);
    targets = await resolver.resolve({
      host: uri.host,
      ...(uri.port !== null ? { port: uri.port } : {}),
      ...(uri.params.get('transport') ? { transport: uri.params.get('transport')! } : {}),
      secure: uri.scheme === 'sips',
    });
  } catch (err) {
    const e = err instanceof TrunklineError ? err : new TrunklineError('SIP_RESOLVE_FAILED', `cannot resolve the next hop of ${request.uri}: ${(err as Error).message}`, { cause: err });
    handlers.onResolveFailed?.(e);
    return;
  }
  attempt(layer, request, targets, 0, handlers);
}

function attempt(layer: TransactionLayer, original: SipRequest, targets: readonly ResolvedTarget[], index: number, handlers: UriSendHandlers): void {
  const target = targets[index];
  const last = index === targets.length - 1;
  const next = () => attempt(layer, original, targets, index + 1, handlers);
  // Each attempt is a fresh copy: the layer prepends its own Via (new branch) to what it sends.
  const copy = createRequest({ method: original.method, uri: original.uri, headers: original.headers.clone(), body: original.body });
  let provisional = false;
  const tx = layer.sendRequest(copy, { protocol: target.protocol, address: target.address, port: target.port, ...(target.serverName ? { serverName: target.serverName } : {}) }, {
    onProvisional: (r: SipResponse, t) => {
      provisional = true;
      handlers.onProvisional?.(r, t);
    },
    onFinal: (r, t) => {
      // RFC 3263 §4.3: a 503 from one server sends the request to the next.
      if (r.status === 503 && !last && !provisional) return next();
      handlers.onFinal?.(r, t);
    },
    onTimeout: (e, t) => (last || provisional ? handlers.onTimeout?.(e, t) : next()),
    onTransportError: (e, t) => (last ? handlers.onTransportError?.(e, t) : next()),
  });
  handlers.onAttempt?.(target, tx);
}
