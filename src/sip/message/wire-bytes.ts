import { hiddenSlot } from '../../core/index.js';
import type { SipMessage } from './message.js';
import { serializeMessage } from './serialize.js';

/**
 * The bytes a message last crossed the wire as: what the parser read, or what the transaction
 * layer wrote for it. A trace must show those, not the object: the layer changes a received
 * request after parsing it (RFC 3261 §18.2.1 received/rport on its top Via), and serialising
 * the object again cost one more pass per traced message (issue 13).
 */
/**
 * Kept on the message itself (core's hiddenSlot), not in a WeakMap: WeakMap writes and their
 * ephemeron work at every scavenge were ~2.5 % of serve's SIP thread at 800 calls/s (perf, issue 13).
 */
const WIRE = hiddenSlot<Uint8Array>();

/** `bytes` are what `msg` was parsed from. */
export function noteWireBytes(msg: SipMessage, bytes: Uint8Array): void {
  WIRE.set(msg, bytes);
}

/** The bytes to send `msg` as, remembered as what it went out as. */
export function serializeForWire(msg: SipMessage): Buffer {
  const bytes = serializeMessage(msg);
  WIRE.set(msg, bytes);
  return bytes;
}

/** The message's wire bytes; one never received nor sent is serialised as it is now. */
export function wireBytesOf(msg: SipMessage): Uint8Array {
  return WIRE.get(msg) ?? serializeMessage(msg);
}

/** The message's wire bytes as a call's trace keeps them (wireText). */
export function wireTextOf(msg: SipMessage): string {
  return wireText(wireBytesOf(msg));
}

/** Wire bytes as a string of one char per byte (latin1): the form a call's trace keeps, byte for byte. */
export function wireText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * wireText's bytes again, to send. Bytes kept for a while to be sent again (a lingering
 * transaction's last response, the ACK of a non-2xx) are kept as wireText: a Buffer under 4 KB is
 * a slice of Node's shared 8 KB pool, and one kept slice keeps its whole slab — lingering
 * transactions held ~11 000 slabs, 93 MB, at 600 calls/s (issue 13).
 */
export function wireFromText(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}
