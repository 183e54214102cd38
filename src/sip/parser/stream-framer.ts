import { TrunklineError } from '../../core/index.js';
import { headerKey } from '../message/header-names.js';
import { trimLws } from './lexer.js';
import { DEFAULT_MAX_HEADERS, DEFAULT_MAX_MESSAGE_BYTES, parseMessage } from './parse-message.js';

/** What a stream yields: a message's exact bytes, a keep-alive, or a fatal framing error. */
export type FramerEvent =
  | { readonly type: 'message'; readonly bytes: Buffer }
  /** RFC 5626 §3.5.1: a double-CRLF ping; the transport answers with a single CRLF (pong). */
  | { readonly type: 'ping' }
  /** A single CRLF between messages: a pong, or an RFC 3261 §7.5 keep-alive. Nothing to answer. */
  | { readonly type: 'pong' }
  /**
   * The stream cannot be framed any further (no or bad Content-Length, too large, too many
   * headers). `error.details.partial` holds the message head when it could be read, so the
   * transport can answer 400/513 (validateIncoming) before closing the connection.
   */
  | { readonly type: 'error'; readonly error: TrunklineError };

export interface FramerOptions {
  readonly maxBytes?: number;
  readonly maxHeaders?: number;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

/**
 * Frames SIP messages on a TCP/TLS byte stream by Content-Length (RFC 3261 §18.3): partial
 * reads, several messages in one read, CRLF keep-alives. After an 'error' event it yields
 * nothing more; the connection must be closed, as the boundaries are lost.
 */
export class SipStreamFramer {
  #buf: Buffer = Buffer.alloc(0);
  #failed = false;
  readonly #maxBytes: number;
  readonly #maxHeaders: number;

  constructor(opts: FramerOptions = {}) {
    this.#maxBytes = opts.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#maxHeaders = opts.maxHeaders ?? DEFAULT_MAX_HEADERS;
  }

  /** Octets held waiting for the rest of a message. */
  get buffered(): number {
    return this.#buf.length;
  }

  get failed(): boolean {
    return this.#failed;
  }

  push(chunk: Buffer | Uint8Array): FramerEvent[] {
    if (this.#failed) return [];
    const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.#buf = this.#buf.length === 0 ? data : Buffer.concat([this.#buf, data]);
    const events: FramerEvent[] = [];
    let pos = 0;
    const buf = this.#buf;
    while (pos < buf.length) {
      // Keep-alives between messages (RFC 5626 §3.5.1, RFC 3261 §7.5).
      if (buf[pos] === 13 || buf[pos] === 10) {
        if (buf.length - pos >= 4 && buf[pos] === 13 && buf[pos + 1] === 10 && buf[pos + 2] === 13 && buf[pos + 3] === 10) {
          events.push({ type: 'ping' });
          pos += 4;
          continue;
        }
        if (buf.length - pos < 4 && isCrlfPrefix(buf, pos)) break; // maybe a ping split across reads
        if (buf[pos] === 13 && buf[pos + 1] === 10) {
          events.push({ type: 'pong' });
          pos += 2;
        } else pos += 1; // a stray CR or LF: ignore it as RFC 3261 §7.5 allows
        continue;
      }
      const headEnd = buf.indexOf(CRLFCRLF, pos);
      if (headEnd < 0) {
        if (buf.length - pos > this.#maxBytes) return this.#fail(events, buf.subarray(pos), 'SIP_PARSE_TOO_LARGE', 'header section exceeds the size limit');
        break;
      }
      const bodyStart = headEnd + 4;
      const declared = contentLength(buf, pos, headEnd);
      if (typeof declared === 'string') {
        return this.#fail(events, buf.subarray(pos, bodyStart), declared === 'missing' ? 'SIP_PARSE_MISSING_CONTENT_LENGTH' : 'SIP_PARSE_BAD_CONTENT_LENGTH', `Content-Length ${declared} on a stream`);
      }
      if (bodyStart - pos + declared > this.#maxBytes) {
        return this.#fail(events, buf.subarray(pos, bodyStart), 'SIP_PARSE_TOO_LARGE', `message of ${bodyStart - pos + declared} octets exceeds ${this.#maxBytes}`);
      }
      if (bodyStart + declared > buf.length) break;
      events.push({ type: 'message', bytes: buf.subarray(pos, bodyStart + declared) });
      pos = bodyStart + declared;
    }
    this.#buf = pos >= buf.length ? Buffer.alloc(0) : buf.subarray(pos);
    // Copy a small tail so one huge read is not pinned in memory by a few leftover octets.
    if (this.#buf.length > 0 && this.#buf.length < 4096 && buf.length > 65536) this.#buf = Buffer.from(this.#buf);
    return events;
  }

  #fail(events: FramerEvent[], head: Buffer, code: 'SIP_PARSE_TOO_LARGE' | 'SIP_PARSE_MISSING_CONTENT_LENGTH' | 'SIP_PARSE_BAD_CONTENT_LENGTH', message: string): FramerEvent[] {
    this.#failed = true;
    this.#buf = Buffer.alloc(0);
    let partial: unknown;
    let kind: unknown;
    try {
      // The head alone, as a datagram without a body: enough to build the 400/513 answer.
      const headOnly = head.subarray(0, Math.min(head.length, this.#maxBytes));
      const end = headOnly.indexOf(CRLFCRLF);
      const msg = parseMessage(end >= 0 ? headOnly.subarray(0, end + 4) : headOnly, { strict: false, maxHeaders: this.#maxHeaders, maxBytes: this.#maxBytes });
      partial = msg;
      kind = msg.kind;
    } catch (err) {
      if (err instanceof TrunklineError) {
        partial = err.details['partial'];
        kind = err.details['kind'];
      }
    }
    events.push({ type: 'error', error: new TrunklineError(code, message, { details: { header: code === 'SIP_PARSE_TOO_LARGE' ? undefined : 'Content-Length', kind, partial, limit: this.#maxBytes } }) });
    return events;
  }
}

function isCrlfPrefix(buf: Buffer, pos: number): boolean {
  const pattern = [13, 10, 13, 10];
  for (let i = pos; i < buf.length; i++) if (buf[i] !== pattern[i - pos]) return false;
  return true;
}

/** The declared Content-Length of the head in buf[pos, headEnd), or why there is none. */
function contentLength(buf: Buffer, pos: number, headEnd: number): number | 'missing' | 'malformed' {
  let found: number | 'missing' | 'malformed' = 'missing';
  let lineStart = buf.indexOf(10, pos) + 1;
  while (lineStart > 0 && lineStart < headEnd) {
    let lineEnd = buf.indexOf(10, lineStart);
    if (lineEnd < 0 || lineEnd > headEnd) lineEnd = headEnd;
    const first = buf[lineStart] | 0x20;
    // Only lines starting with c/C or l/L can be Content-Length or its compact form "l".
    if (first === 0x6c || first === 0x63) {
      const line = buf.toString('latin1', lineStart, lineEnd);
      const colon = line.indexOf(':');
      if (colon > 0 && headerKey(trimLws(line.slice(0, colon))) === 'content-length') {
        let value = trimLws(line.slice(colon + 1));
        // RFC 3261 §7.3.1: the value may be folded onto the following line(s).
        while (value === '' && lineEnd < headEnd && (buf[lineEnd + 1] === 32 || buf[lineEnd + 1] === 9)) {
          const next = buf.indexOf(10, lineEnd + 1);
          const stop = next < 0 || next > headEnd ? headEnd : next;
          value = trimLws(buf.toString('latin1', lineEnd + 1, stop));
          lineEnd = stop;
        }
        if (!/^[0-9]{1,9}$/.test(value)) return 'malformed';
        if (found !== 'missing' && found !== Number(value)) return 'malformed';
        found = Number(value);
      }
    }
    lineStart = lineEnd + 1;
  }
  return found;
}
