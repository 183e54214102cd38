import type { SipMessage } from './message.js';
import { serializeMessage } from './serialize.js';

/**
 * The bytes a message last crossed the wire as: what the parser read, or what the transaction
 * layer wrote for it. A trace must show those, not the object: the layer changes a received
 * request after parsing it (RFC 3261 §18.2.1 received/rport on its top Via), and serialising
 * the object again cost one more pass per traced message (issue 13).
 */
const wire = new WeakMap<SipMessage, Uint8Array>();

/** `bytes` are what `msg` was parsed from, or were just written for it to be sent. */
export function noteWireBytes(msg: SipMessage, bytes: Uint8Array): void {
  wire.set(msg, bytes);
}

/** The message's wire bytes; one never received nor sent is serialised as it is now. */
export function wireBytesOf(msg: SipMessage): Uint8Array {
  return wire.get(msg) ?? serializeMessage(msg);
}

/** The wire bytes as a string of one char per byte (latin1), the form a call's trace keeps. */
export function wireTextOf(msg: SipMessage): string {
  const bytes = wireBytesOf(msg);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
