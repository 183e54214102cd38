import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../core/index.js';
import type { SocketAddress, Transport } from '../transport/transport.js';

/** The UDP listener a datagram was read on: each has its own receive queue. */
export type ListenerKey = Pick<SocketAddress, 'family' | 'port'>;

/**
 * How long a datagram waits in a UDP SIP socket's receive queue before the stack reads it:
 * the delay every INVITE, ACK and BYE waits too, and the one a busy event loop never shows
 * in its own timings (each message is handled quickly; the queue grows between them). Every
 * `intervalMs` a datagram `NUL token seq` goes from a socket of its own to each UDP listener;
 * the transport hands it back (TransportHandlers.onProbe) and its age when read is the delay.
 * A probe still unread counts with its age so far, so a queue seconds deep is seen at once.
 */
export interface QueueProbe {
  /**
   * Milliseconds: the longest wait of the probes read since the previous call, or the age of
   * the oldest probe not read yet if more. A stalled loop reads an old probe and a fresh one in
   * the same turn: the last one read alone would say there was no wait.
   */
  delayMs(): number;
  /**
   * Milliseconds: an estimate of how long a datagram the stack reads now waited in its queue (the
   * trace's `queued_ms`). Not less than the age of a probe still unread, which queued behind it, and
   * otherwise the wait of the last probe read: the queue changes little within one probe interval.
   * 0 before any probe came back. Unlike delayMs() it does not reset anything. `socket`: the
   * listener the datagram was read on (each has its own queue); without it, or when none is that
   * one, the longest of all.
   */
  waitNowMs(socket?: ListenerKey): number;
  /** From the transports' onProbe: a datagram opening with NUL; true if it was one of this probe's. */
  received(bytes: Buffer): boolean;
  stop(): void;
}

const TOKEN_BYTES = 8;

interface Target {
  readonly family: 'IPv4' | 'IPv6';
  readonly address: string;
  readonly port: number;
  /** Probe id → when it was sent (monotonic ms), oldest first. */
  readonly sent: Map<number, number>;
  /** The longest wait read since delayMs() last asked. */
  peak: number;
  /** The wait of the probe read last. */
  last: number;
  /**
   * A probe has come back from this listener: only then does an unread probe's age count. A path
   * that never worked (no IPv6 loopback for a `::` listener) would otherwise read as a queue
   * growing for ever, and the edge would refuse every call.
   */
  reached: boolean;
}

export function startQueueProbe(transports: readonly Transport[], clock: Clock, intervalMs: number): QueueProbe {
  const token = randomBytes(TOKEN_BYTES);
  const targets: Target[] = transports.filter((t) => t.protocol === 'udp').map((t) => ({
    family: t.local.family,
    address: t.local.address === '0.0.0.0' ? '127.0.0.1' : t.local.address === '::' ? '::1' : t.local.address,
    port: t.local.port,
    sent: new Map(),
    peak: 0,
    last: 0,
    reached: false,
  }));
  const byId = new Map<number, Target>();
  const sockets = new Map<'IPv4' | 'IPv6', Socket>();
  let seq = 0;
  const socketFor = (family: 'IPv4' | 'IPv6') => {
    let s = sockets.get(family);
    if (!s) {
      s = createSocket(family === 'IPv6' ? 'udp6' : 'udp4');
      // A probe that cannot be sent (a listener gone at shutdown) is not worth a crash or a log line.
      s.on('error', () => {});
      s.unref();
      sockets.set(family, s);
    }
    return s;
  };
  const forget = (t: Target, id: number) => {
    t.sent.delete(id);
    byId.delete(id);
  };
  const timer = setInterval(() => {
    for (const t of targets) {
      // Probes lost (a full queue drops datagrams) must not pile up: the oldest few are enough.
      if (t.sent.size >= 64) forget(t, t.sent.keys().next().value as number);
      const id = (seq = (seq + 1) >>> 0);
      const bytes = Buffer.alloc(1 + TOKEN_BYTES + 4);
      token.copy(bytes, 1);
      bytes.writeUInt32BE(id, 1 + TOKEN_BYTES);
      t.sent.set(id, clock.monotonic());
      byId.set(id, t);
      socketFor(t.family).send(bytes, t.port, t.address);
    }
  }, intervalMs);
  timer.unref();
  return {
    delayMs() {
      const now = clock.monotonic();
      let delay = 0;
      for (const t of targets) {
        const oldest = t.sent.values().next().value;
        delay = Math.max(delay, t.peak, oldest === undefined || !t.reached ? 0 : now - oldest);
        t.peak = 0;
      }
      return delay;
    },
    waitNowMs(socket) {
      const now = clock.monotonic();
      const on = socket && targets.some((t) => t.family === socket.family && t.port === socket.port) ? socket : undefined;
      let wait = 0;
      for (const t of targets) {
        if (!t.reached || (on && (t.family !== on.family || t.port !== on.port))) continue;
        const oldest = t.sent.values().next().value;
        wait = Math.max(wait, t.last, oldest === undefined ? 0 : now - oldest);
      }
      return wait;
    },
    received(bytes) {
      if (bytes.length !== 1 + TOKEN_BYTES + 4 || !token.equals(bytes.subarray(1, 1 + TOKEN_BYTES))) return false;
      const id = bytes.readUInt32BE(1 + TOKEN_BYTES);
      const t = byId.get(id);
      const at = t?.sent.get(id);
      // Ours, but given up on (lost from the table): still not a SIP message.
      if (t === undefined || at === undefined) return true;
      // One socket's probes are read in the order they were sent: its older ones still listed were lost.
      for (const k of [...t.sent.keys()]) {
        forget(t, k);
        if (k === id) break;
      }
      t.last = clock.monotonic() - at;
      t.peak = Math.max(t.peak, t.last);
      t.reached = true;
      return true;
    },
    stop() {
      clearInterval(timer);
      for (const s of sockets.values()) s.close();
      sockets.clear();
    },
  };
}
