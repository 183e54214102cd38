import type { SipMessage } from './message.js';

/**
 * Wire bytes of a message (RFC 3261 §7). Header lines are written as held (received names and
 * values, folding already undone), so serialize(parse(x)) keeps the meaning of x. Content-Length
 * is always recomputed from the body (RFC 3261 §18.3, §20.14) — at the place of the first one, or
 * at the end — so a message we send can never announce a wrong length.
 */
export function serializeMessage(msg: SipMessage): Buffer {
  let head = msg.kind === 'request' ? `${msg.method} ${msg.uri} ${msg.version}\r\n` : `${msg.version} ${msg.status} ${msg.reason}\r\n`;
  let wroteLength = false;
  for (const f of msg.headers.fields()) {
    if (f.key === 'content-length') {
      if (!wroteLength) head += `${f.name}: ${msg.body.length}\r\n`;
      wroteLength = true;
      continue;
    }
    head += `${f.name}: ${f.value}\r\n`;
  }
  if (!wroteLength) head += `Content-Length: ${msg.body.length}\r\n`;
  head += '\r\n';
  if (msg.body.length === 0) return Buffer.from(head, 'utf8');
  // One buffer, the head written straight into it: not a head buffer copied again by concat (issue 13).
  const headLength = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLength + msg.body.length);
  out.write(head, 0, 'utf8');
  out.set(msg.body, headLength);
  return out;
}
