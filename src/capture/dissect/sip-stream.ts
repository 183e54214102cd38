// What a TCP stream carries: SIP framed by Content-Length (RFC 3261 §18.3), SIP over
// WebSocket (RFC 7118 over RFC 6455), TLS (unreadable without keys), or something else.
import { SipStreamFramer } from '../../sip/index.js';
import { findSipStart, looksLikeTls } from './sip-detect.js';
import type { StreamConsumer } from './tcp-stream.js';

export type StreamMessageSink = (bytes: Uint8Array, at: number, frame: number, transport: 'TCP' | 'WS') => void;

/** Bytes scanned for a SIP start line before a stream is judged not to be SIP. */
const SCAN_LIMIT = 256 * 1024;
const HTTP_END = Buffer.from('\r\n\r\n');

export class SipStreamConsumer implements StreamConsumer {
  mode: 'unknown' | 'sip' | 'ws-handshake' | 'ws' | 'tls' | 'other' = 'unknown';
  #framer = new SipStreamFramer({ maxBytes: 1 << 20 });
  #buf: Buffer = Buffer.alloc(0);
  #scanned = 0;
  #wsParts: Buffer[] = [];
  readonly #emit: StreamMessageSink;
  /** Framing failures (no/bad Content-Length) after which we resynchronised. */
  framingErrors = 0;

  constructor(emit: StreamMessageSink) {
    this.#emit = emit;
  }

  gap(): void {
    if (this.mode === 'sip' || this.mode === 'unknown') {
      this.#framer = new SipStreamFramer({ maxBytes: 1 << 20 });
      this.mode = 'unknown';
      this.#buf = Buffer.alloc(0);
    } else if (this.mode === 'ws') {
      // WebSocket frame boundaries are lost with the bytes; stop rather than emit garbage.
      this.mode = 'other';
    }
  }

  data(bytes: Uint8Array, at: number, frame: number): void {
    const chunk = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    switch (this.mode) {
      case 'tls':
      case 'other':
        return;
      case 'sip':
        return this.#sip(chunk, at, frame);
      case 'ws-handshake':
      case 'ws':
        this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : Buffer.from(chunk);
        return this.#ws(at, frame);
      case 'unknown':
        return this.#detect(chunk, at, frame);
    }
  }

  #detect(chunk: Buffer, at: number, frame: number): void {
    if (this.#buf.length === 0 && looksLikeTls(chunk)) {
      this.mode = 'tls';
      return;
    }
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : Buffer.from(chunk);
    const text = this.#buf.toString('latin1');
    if (/^(GET [^\r\n]* HTTP\/1\.1\r\n|HTTP\/1\.1 101 )/.test(text) && /\r\nupgrade:\s*websocket/i.test(text)) {
      this.mode = 'ws-handshake';
      return this.#ws(at, frame);
    }
    const start = findSipStart(text);
    if (start >= 0) {
      const rest = this.#buf.subarray(start);
      this.#buf = Buffer.alloc(0);
      this.mode = 'sip';
      return this.#sip(rest, at, frame);
    }
    this.#scanned += chunk.length;
    if (this.#scanned > SCAN_LIMIT) {
      this.mode = 'other';
      this.#buf = Buffer.alloc(0);
    } else if (this.#buf.length > 4096) {
      // Keep a tail in case a start line straddles the next segment.
      this.#buf = Buffer.from(this.#buf.subarray(this.#buf.length - 2048));
    }
  }

  #sip(chunk: Buffer, at: number, frame: number): void {
    for (const ev of this.#framer.push(chunk)) {
      if (ev.type === 'message') this.#emit(Buffer.from(ev.bytes), at, frame, 'TCP');
      else if (ev.type === 'error') {
        // Boundaries are lost: resynchronise on the next start line.
        this.framingErrors++;
        this.#framer = new SipStreamFramer({ maxBytes: 1 << 20 });
        this.mode = 'unknown';
        return;
      }
    }
  }

  #ws(at: number, frame: number): void {
    if (this.mode === 'ws-handshake') {
      const end = this.#buf.indexOf(HTTP_END);
      if (end < 0) return;
      this.#buf = this.#buf.subarray(end + 4);
      this.mode = 'ws';
    }
    // RFC 6455 §5.2 base framing.
    for (;;) {
      const b = this.#buf;
      if (b.length < 2) return;
      const fin = (b[0] & 0x80) !== 0;
      const opcode = b[0] & 0x0f;
      const masked = (b[1] & 0x80) !== 0;
      let len = b[1] & 0x7f;
      let p = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        p = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        p = 10;
      }
      const maskAt = p;
      if (masked) p += 4;
      if (b.length < p + len) return;
      const payload = Buffer.from(b.subarray(p, p + len));
      if (masked) for (let i = 0; i < len; i++) payload[i] ^= b[maskAt + (i & 3)];
      this.#buf = b.subarray(p + len);
      if (opcode === 0 || opcode === 1 || opcode === 2) {
        this.#wsParts.push(payload);
        if (fin) {
          const msg = Buffer.concat(this.#wsParts);
          this.#wsParts = [];
          // RFC 7118 §5.1: each SIP message is one WebSocket message.
          this.#emit(msg, at, frame, 'WS');
        }
      } else if (opcode === 8) {
        this.mode = 'other';
        return;
      }
    }
  }
}
