import type { SipRequest } from '../message/message.js';
import type { Destination, InboundMessage } from '../transport/transport.js';

/**
 * RFC 3261 §18.2.1 and RFC 3581 §4 on receipt of a request: the top Via gets `received` when
 * the sent-by host is not the packet's source (always when the client asked for `rport`), and
 * a valueless `rport` is filled with the source port. Mutates the request's headers.
 */
export function stampTopVia(request: SipRequest, source: Pick<InboundMessage, 'remote'>): void {
  const via = request.headers.topVia();
  if (!via) return;
  const { address, port } = source.remote;
  const wantsRport = via.rport === true;
  const needsReceived = wantsRport || via.host.toLowerCase() !== address.toLowerCase();
  if (!needsReceived && !wantsRport) return;
  let raw = via.raw;
  // Drop an old received (a proxy before us may have set one for its own hop — not ours to keep).
  raw = raw.replace(/;\s*received\s*=\s*[^;,\s]*/i, '');
  if (wantsRport) raw = raw.replace(/;\s*rport(?=\s*(;|$))/i, `;rport=${port}`);
  if (needsReceived) raw = `${raw};received=${address}`;
  const all = request.headers.getAll('Via');
  request.headers.set('Via', raw);
  for (const v of all.slice(1)) request.headers.append('Via', v);
}

/**
 * RFC 3261 §18.2.2 / RFC 3581 §4: where the responses to a request go. Over a stream, back on
 * the request's connection (and, if it closed, to received + sent-by port). Over UDP, to the
 * source address, at the source port when the client asked for rport, else at the sent-by port.
 * (maddr is not honoured: multicast responses have no use on a trunk.)
 */
export function responseDestination(request: SipRequest, source: InboundMessage): Destination {
  const via = request.headers.topVia();
  const address = source.remote.address;
  if (source.protocol !== 'udp') {
    return { protocol: source.protocol, address, port: via?.port ?? (source.protocol === 'tls' ? 5061 : 5060), ...(source.connectionId ? { connectionId: source.connectionId } : {}) };
  }
  const port = typeof via?.rport === 'number' ? via.rport : via?.port ?? 5060;
  return { protocol: 'udp', address, port };
}
