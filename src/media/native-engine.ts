import { ChurnMap, TrunklineError, type Clock } from '../core/index.js';
import type { MediaErrorCode } from './errors.js';
import type { NativeEngineHandle, NativeRelayBinding } from './native-binding.js';
import type { PortPool } from './port-pool.js';
import type { LegTransport, PacketSink, RelayedPacket, TransportCounters } from './transport.js';

// Record layout written by native/relay/relay.c record().
const REC_HEAD = 64;
const K_RTP = 0;
const K_RTCP_MUX = 2;
const F_LATCH_NEW = 1;
const F_FORWARDED = 2;

function hex(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}

/** inet_ntop's text form (the one node:dgram reports), so latches compare equal across engines. */
export function formatIpBytes(b: Uint8Array, at: number, family: number): string {
  if (family === 4) return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
  const g = Array.from({ length: 8 }, (_, i) => hex(b, at + 2 * i));
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${b[at + 12]}.${b[at + 13]}.${b[at + 14]}.${b[at + 15]}`;
  }
  // RFC 5952 §4.2: the longest run (two groups or more) of zero groups becomes ::, the first on a tie.
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  const part = (from: number, to: number) => g.slice(from, to).map((x) => x.toString(16)).join(':');
  return best < 0 ? part(0, 8) : `${part(0, best)}::${part(best + bestLen, 8)}`;
}

/** The reused view of one drained record, read lazily (addresses are formatted only when asked). */
class RecordView implements RelayedPacket {
  buf: Uint8Array;
  dv: DataView;
  rec = 0;
  at = 0;
  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  get offset(): number {
    return this.rec + REC_HEAD;
  }
  get length(): number {
    return this.dv.getUint32(this.rec + 4, true);
  }
  get kind(): number {
    return this.buf[this.rec + 24];
  }
  get latchNew(): boolean {
    return (this.buf[this.rec + 25] & F_LATCH_NEW) !== 0;
  }
  get forwarded(): boolean {
    return (this.buf[this.rec + 25] & F_FORWARDED) !== 0;
  }
  get srcPort(): number {
    return this.dv.getUint16(this.rec + 26, true);
  }
  get dstPort(): number {
    return this.dv.getUint16(this.rec + 28, true);
  }
  get srcIp(): string {
    return formatIpBytes(this.buf, this.rec + 32, this.buf[this.rec + 30]);
  }
  get dstIp(): string {
    return this.forwarded ? formatIpBytes(this.buf, this.rec + 48, this.buf[this.rec + 30]) : '';
  }
}

const COUNTERS = 8;
/** Pairs the relay thread keeps open ahead of the calls, per bind host: ~16 calls' worth. */
const PREPARE_AHEAD = 32;

/** A leg whose sockets the native engine owns. */
export class NativeTransport implements LegTransport {
  readonly id: number;
  readonly #engine: NativeEngine;
  sink: PacketSink | undefined;
  #final: TransportCounters | undefined;

  constructor(engine: NativeEngine, id: number) {
    this.#engine = engine;
    this.id = id;
  }

  attach(sink: PacketSink): void {
    this.sink = sink;
  }
  send(rtcp: boolean, msg: Uint8Array, port: number, ip: string): void {
    if (!this.#final) this.#engine.binding.send(this.#engine.handle, this.id, rtcp, ip, port, msg);
  }
  setSdp(ip: string, port: number): void {
    if (!this.#final) this.#engine.binding.setSdp(this.#engine.handle, this.id, ip, port);
  }
  reopen(): void {
    if (!this.#final) this.#engine.binding.setLatch(this.#engine.handle, this.id, '', 0, 0);
  }
  latchTaken(ip: string, port: number, ssrc: number): void {
    if (!this.#final) this.#engine.binding.setLatch(this.#engine.handle, this.id, ip, port, ssrc);
  }
  setEcho(on: boolean): void {
    if (!this.#final) this.#engine.binding.setEcho(this.#engine.handle, this.id, on);
  }
  flush(): void {
    if (!this.#final) this.#engine.drain();
  }
  counters(): TransportCounters {
    if (this.#final) return this.#final;
    const c = this.#engine.readCounters(this.id);
    return { forwarded: c[0], bytes: c[1], bleed: c[2], malformed: c[3], unroutable: c[4], sendErrors: c[5], unmeasured: c[6] };
  }
  close(): Promise<void> {
    if (!this.#final) {
      this.#engine.drain();
      this.#final = this.counters();
      this.#engine.closeLeg(this.id);
      // A closed leg's transport can outlive its call where no heap snapshot sees it: held by an
      // old object that is garbage already but that V8's scavenger treats as a root until the next
      // full GC (which one is not known; a table the #legs Map dropped at a rehash is a candidate).
      // Through its sink it held the session, the call and its record, copied to the old
      // generation with it (issue 13: at 500 calls/s after a forced full GC, serve promoted
      // 5.4–5.6 MB/s with the sink let go against ~10 without, three runs).
      this.sink = undefined;
    }
    return Promise.resolve();
  }
}

export interface NativeEngineOptions {
  /** Bytes of relayed packets the engine holds for JS between drains. Default 16 MiB (≈ 350 ms at 200 000 pps). */
  readonly ringBytes?: number;
  /** How often JS takes the relayed packets for statistics. Default 20 ms. */
  readonly drainMs?: number;
  /** How long the relay keeps the pairs it opened ahead once its last leg closed. Default 1 000 ms. */
  readonly aheadIdleMs?: number;
}

/** The window over which bindLeg counts the legs opened, to size how many it opens ahead. */
const OPEN_RATE_WINDOW_MS = 100;

/**
 * One native forwarding thread and the legs it owns. JS drains what it relayed every drainMs
 * (and before any stats()/check()), and hands each packet to its session's sink.
 */
export class NativeEngine {
  readonly binding: NativeRelayBinding;
  readonly handle: NativeEngineHandle;
  readonly #clock: Clock;
  readonly #legs = new ChurnMap<number, NativeTransport>();
  readonly #view: RecordView;
  readonly #counters = new Float64Array(COUNTERS);
  readonly #drainMs: number;
  readonly #aheadIdleMs: number;
  #timer: NodeJS.Timeout | undefined;
  #idleRelease: NodeJS.Timeout | undefined;
  /** Legs opened in the current OPEN_RATE_WINDOW_MS window and in the one before it. */
  #opensNow = 0;
  #opensBefore = 0;
  #windowAt = -Infinity;
  #lastOpenAt = -Infinity;
  #draining = false;
  #closed = false;
  /** Ports taken from a pool and handed to prepareLeg, oldest first, by bind host. */
  readonly #ahead = new Map<string, { readonly pool: PortPool; readonly ports: number[] }>();

  constructor(binding: NativeRelayBinding, clock: Clock, options: NativeEngineOptions = {}) {
    this.binding = binding;
    this.#clock = clock;
    const ring = options.ringBytes ?? 16 * 1024 * 1024;
    this.handle = binding.create(ring);
    this.#view = new RecordView(new Uint8Array(ring));
    this.#drainMs = options.drainMs ?? 20;
    this.#aheadIdleMs = options.aheadIdleMs ?? 1000;
  }

  /**
   * Binds an even/odd pair from the pool, skipping ports another process holds (as udp.ts bindPair).
   * The pairs the next calls will take are opened ahead by the relay thread (prepareLeg): socket()
   * and bind() were 2–3 % of serve's SIP thread at 600–800 calls/s (issue 13). Those ports are out
   * of the pool meanwhile: PREPARE_AHEAD pairs at most, none for a range under 16 × that, and
   * given back after aheadIdleMs without a leg.
   */
  bindLeg(pool: PortPool, host: string, maxAttempts: number): { transport: NativeTransport; rtpPort: number } {
    let ahead = this.#ahead.get(host);
    if (ahead === undefined || ahead.pool !== pool) {
      ahead = { pool, ports: [] };
      this.#ahead.set(host, ahead);
    }
    this.#countOpen();
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const port = ahead.ports.shift() ?? pool.take();
      if (port === undefined) break;
      pool.adopt(port);
      try {
        const id = this.binding.openLeg(this.handle, host, port);
        const t = new NativeTransport(this, id);
        this.#legs.set(id, t);
        this.#arm();
        this.#prepareAhead(host, ahead);
        return { transport: t, rtpPort: port };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        pool.give(port, true);
        if (code !== 'EADDRINUSE' && code !== 'EACCES') {
          throw new TrunklineError<MediaErrorCode>('MEDIA_BIND_FAILED', `cannot bind ${host}:${port}`, { cause: err, details: { host, port } });
        }
      }
    }
    throw new TrunklineError<MediaErrorCode>('MEDIA_PORTS_EXHAUSTED', 'no free RTP port pair in range', { details: { ...pool.stats() } });
  }

  #countOpen(): void {
    const now = this.#clock.now();
    if (now - this.#windowAt >= OPEN_RATE_WINDOW_MS) {
      this.#opensBefore = now - this.#windowAt < 2 * OPEN_RATE_WINDOW_MS ? this.#opensNow : 0;
      this.#opensNow = 0;
      this.#windowAt = now;
    }
    this.#opensNow++;
    this.#lastOpenAt = now;
  }

  #prepareAhead(host: string, ahead: { readonly pool: PortPool; readonly ports: number[] }): void {
    // As many as the next moments take: the legs opened in the last 0.1 s, or the legs open when
    // calls are long. Sized by the open legs alone, short calls (a few ms each) kept it near zero
    // and every last close gave back what was opened ahead: at 250 calls/s most openLegs still
    // called socket() and bind() on the SIP thread (perf: 1.9 % of it, issue 13).
    const recent = Math.max(this.#legs.size, this.#opensNow, this.#opensBefore);
    const want = Math.min(PREPARE_AHEAD, recent, Math.floor(ahead.pool.capacity / 16));
    while (ahead.ports.length < want && !this.#closed) {
      const port = ahead.pool.takeAhead();
      if (port === undefined) return;
      try {
        this.binding.prepareLeg(this.handle, host, port);
      } catch {
        ahead.pool.give(port);
        return;
      }
      ahead.ports.push(port);
    }
  }

  link(a: NativeTransport, b: NativeTransport): void {
    this.binding.link(this.handle, a.id, b.id);
  }

  readCounters(id: number): Float64Array {
    this.#counters.fill(0);
    if (!this.#closed) this.binding.counters(this.handle, id, this.#counters);
    return this.#counters;
  }

  closeLeg(id: number): void {
    this.#legs.delete(id);
    if (!this.#closed) this.binding.closeLeg(this.handle, id);
    if (this.#legs.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
    if (this.#legs.size === 0) this.#releaseWhenIdle(this.#aheadIdleMs);
  }

  /** Gives the pairs opened ahead back once no leg was opened for aheadIdleMs: between short calls the relay is often without a leg for a moment. */
  #releaseWhenIdle(ms: number): void {
    if (this.#idleRelease !== undefined || this.#closed) return;
    this.#idleRelease = setTimeout(() => {
      this.#idleRelease = undefined;
      if (this.#legs.size > 0) return;
      const idle = this.#clock.now() - this.#lastOpenAt;
      if (idle < this.#aheadIdleMs) this.#releaseWhenIdle(this.#aheadIdleMs - idle);
      else this.#releaseAhead();
    }, ms);
    this.#idleRelease.unref();
  }

  #arm(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setInterval(() => this.drain(), this.#drainMs);
    this.#timer.unref();
  }

  /** Hands every relayed packet recorded so far to its session. Re-entrant calls (an event handler asking stats()) return at once. */
  drain(): void {
    if (this.#draining || this.#closed) return;
    this.#draining = true;
    try {
      const v = this.#view;
      for (;;) {
        const n = this.binding.drain(this.handle, v.buf);
        if (n === 0) break;
        // Arrival times move to the relay clock's scale by their age, so a FakeClock works too.
        const jsNow = this.#clock.monotonic();
        const nativeNow = this.binding.now();
        for (let off = 0; off < n; off += v.dv.getUint32(off, true)) {
          v.rec = off;
          const sink = this.#legs.get(v.dv.getFloat64(off + 16, true))?.sink;
          if (!sink) continue;
          v.at = jsNow - (nativeNow - v.dv.getFloat64(off + 8, true));
          const kind = v.kind;
          if (kind === K_RTP) sink.relayed(v);
          else sink.rtcp(v.buf.slice(v.offset, v.offset + v.length), v.srcIp, v.srcPort, kind === K_RTCP_MUX);
        }
        if (n < v.buf.length / 2) break;
      }
    } finally {
      this.#draining = false;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.drain();
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#idleRelease) clearTimeout(this.#idleRelease);
    this.#idleRelease = undefined;
    this.#legs.clear();
    this.binding.close(this.handle);
    // The engine's close closed the sockets opened ahead: their ports go back to their pools.
    this.#giveAheadBack();
  }

  #releaseAhead(): void {
    let any = false;
    for (const { ports } of this.#ahead.values()) any ||= ports.length > 0;
    if (!any || this.#closed) return;
    this.binding.releasePrepared(this.handle);
    this.#giveAheadBack();
  }

  #giveAheadBack(): void {
    for (const { pool, ports } of this.#ahead.values()) for (const port of ports.splice(0)) pool.give(port);
  }
}
