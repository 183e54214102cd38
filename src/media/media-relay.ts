import { channel } from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { ChurnMap, systemClock, TrunklineError, type Clock, type TimerHandle } from '../core/index.js';
import { parsePortRange } from './addresses.js';
import type { MediaErrorCode } from './errors.js';
import { MediaLeg } from './media-leg.js';
import { MediaSession } from './media-session.js';
import { PortPool, type PortPoolStats, type PortRange } from './port-pool.js';
import { bindPair } from './udp.js';
import { loadNativeRelay } from './native-binding.js';
import { NativeEngine, type NativeTransport } from './native-engine.js';
import { DgramTransport, type LegTransport } from './transport.js';

/** Who moves the packets: node:dgram sockets on the main loop, or the native forwarder (native/relay). */
export type MediaEngineName = 'js' | 'native';

export interface MediaRelayOptions {
  /** Address the sockets bind to. Default 127.0.0.1; '0.0.0.0' or '::' for all interfaces. */
  readonly host?: string;
  /** Address written into SDP (c=). Default: host, or 127.0.0.1 / ::1 when host is a wildcard. */
  readonly advertisedAddress?: string;
  /** Default 10000-40000 (SPEC §3). */
  readonly portRange?: PortRange | string;
  /** Both directions silent this long after answer → 'timeout'. Default 30 000; 0 disables. */
  readonly rtpTimeoutMs?: number;
  /** One direction silent this long while the other flows → 'drop'. Default 10 000; 0 disables. */
  readonly dropAfterMs?: number;
  /** How often sessions are checked for timeouts. Default 1000 ms. */
  readonly tickMs?: number;
  readonly clock?: Clock;
  /** Picks the pair the port pool starts at (see PortPool); default Math.random. */
  readonly random?: () => number;
  /** Default 'js'. 'native' throws MEDIA_NATIVE_UNAVAILABLE when the addon cannot load (see loadNativeRelay). */
  readonly engine?: MediaEngineName;
  /** Native engine: bytes of relayed packets held for the JS statistics between drains. */
  readonly nativeRingBytes?: number;
  /** Native engine: how often JS takes in what it relayed (default 20 ms; stats() always does first). */
  readonly nativeDrainMs?: number;
  /** Native engine: how long the pairs opened ahead are kept once the last leg closed (default 1 000 ms). */
  readonly nativeAheadIdleMs?: number;
}

export interface CreateSessionOptions {
  readonly echo?: boolean;
  readonly rtpTimeoutMs?: number;
  readonly dropAfterMs?: number;
}

/** Counters for the metrics the layers above expose (Prometheus is wired in app/). */
export interface RelayCounters {
  readonly sessionsActive: number;
  readonly sessionsCreated: number;
  readonly sessionsClosed: number;
  readonly timeouts: number;
  readonly drops: number;
  readonly packetsRelayed: number;
  readonly bytesRelayed: number;
  readonly packetsLost: number;
  /** Relayed by the native engine while its buffer for JS was full: forwarded, but not in the statistics. */
  readonly packetsUnmeasured: number;
  readonly packetsDropped: { readonly bleed: number; readonly malformed: number; readonly unroutable: number };
  readonly ports: PortPoolStats;
}

const DEFAULT_RANGE: PortRange = { lo: 10000, hi: 40000 };

/** What the relay publishes on `trunkline:media:session` (CONVENTIONS habit 10: lower layers do not log). */
export interface MediaSessionMessage {
  readonly event: 'created' | 'latch' | 'drop' | 'timeout' | 'closed';
  readonly callSid: string;
  readonly data?: unknown;
}

export const mediaSessionChannel = channel('trunkline:media:session');

function publish(message: MediaSessionMessage): void {
  if (mediaSessionChannel.hasSubscribers) mediaSessionChannel.publish(message);
}

/**
 * The media relay: owns the port pool and every call's MediaSession. One process, sockets on the
 * main loop (see bench/media-relay.ts for why).
 */
export class MediaRelay extends EventEmitter<{ session: [MediaSession]; 'session-closed': [MediaSession] }> {
  readonly host: string;
  readonly advertisedAddress: string;
  readonly pool: PortPool;
  readonly engine: MediaEngineName;
  readonly #native: NativeEngine | undefined;
  readonly #clock: Clock;
  readonly #rtpTimeoutMs: number;
  readonly #dropAfterMs: number;
  readonly #tickMs: number;
  readonly #sessions = new ChurnMap<string, MediaSession>();
  #ticker: TimerHandle | undefined;
  #created = 0;
  #closedCount = 0;
  #timeouts = 0;
  #drops = 0;
  // Totals of closed sessions; live ones are added in counters().
  #packets = 0;
  #bytes = 0;
  #lost = 0;
  #bleed = 0;
  #malformed = 0;
  #unroutable = 0;
  #unmeasured = 0;
  /** Closed sessions whose pcap is still open for the call's last SIP (MediaSession.close's recordingTailMs). */
  readonly #recordingTails = new Set<MediaSession>();

  constructor(options: MediaRelayOptions = {}) {
    super();
    this.host = options.host ?? '127.0.0.1';
    if (isIP(this.host) === 0) throw new TrunklineError<MediaErrorCode>('MEDIA_BAD_ADDRESS', `relay host is not an IP literal: ${this.host}`);
    const wildcard = this.host === '0.0.0.0' || this.host === '::';
    this.advertisedAddress = options.advertisedAddress ?? (wildcard ? (this.host === '::' ? '::1' : '127.0.0.1') : this.host);
    const range = typeof options.portRange === 'string' ? parsePortRange(options.portRange) : options.portRange ?? DEFAULT_RANGE;
    if (!range) throw new TrunklineError<MediaErrorCode>('MEDIA_BAD_PORT_RANGE', `bad RTP port range ${String(options.portRange)}`);
    this.pool = new PortPool(range, options.random);
    this.#clock = options.clock ?? systemClock;
    this.#rtpTimeoutMs = options.rtpTimeoutMs ?? 30_000;
    this.#dropAfterMs = options.dropAfterMs ?? 10_000;
    this.#tickMs = options.tickMs ?? 1000;
    this.engine = options.engine ?? 'js';
    if (this.engine === 'native') {
      const loaded = loadNativeRelay();
      if (!loaded.ok) throw new TrunklineError<MediaErrorCode>('MEDIA_NATIVE_UNAVAILABLE', `native media engine unavailable: ${loaded.reason}`);
      this.#native = new NativeEngine(loaded.binding, this.#clock, {
        ...(options.nativeRingBytes === undefined ? {} : { ringBytes: options.nativeRingBytes }),
        ...(options.nativeDrainMs === undefined ? {} : { drainMs: options.nativeDrainMs }),
        ...(options.nativeAheadIdleMs === undefined ? {} : { aheadIdleMs: options.nativeAheadIdleMs }),
      });
    }
  }

  /**
   * One pair, trying each pair free now at most once before MEDIA_PORTS_EXHAUSTED (Asterisk too
   * searches its whole range): a pair another process holds goes to the back of the pool, so a
   * block held elsewhere (another relay on the range, a load run) costs one pass, not a refusal.
   */
  async #bindLeg(): Promise<{ transport: LegTransport; rtpPort: number }> {
    const attempts = this.pool.free;
    if (this.#native) return this.#native.bindLeg(this.pool, this.host, attempts);
    const pair = await bindPair(this.pool, this.host, attempts);
    return { transport: new DgramTransport(pair.rtp, pair.rtcp), rtpPort: pair.rtpPort };
  }

  get size(): number {
    return this.#sessions.size;
  }

  session(callSid: string): MediaSession | undefined {
    return this.#sessions.get(callSid);
  }

  /** Allocates two even/odd port pairs (leg A customer side, leg B carrier side) and starts relaying. */
  async createSession(callSid: string, options: CreateSessionOptions = {}): Promise<MediaSession> {
    const a = await this.#bindLeg();
    let b;
    try {
      b = await this.#bindLeg();
    } catch (err) {
      await a.transport.close();
      this.pool.give(a.rtpPort);
      throw err;
    }
    if (this.#native) this.#native.link(a.transport as NativeTransport, b.transport as NativeTransport);
    const legA = new MediaLeg('A', a.transport, a.rtpPort, this.advertisedAddress, this.host);
    const legB = new MediaLeg('B', b.transport, b.rtpPort, this.advertisedAddress, this.host);
    const previous = this.#sessions.get(callSid);
    if (previous) await previous.close('replaced');
    const session = new MediaSession(legA, legB, {
      callSid,
      clock: this.#clock,
      rtpTimeoutMs: options.rtpTimeoutMs ?? this.#rtpTimeoutMs,
      dropAfterMs: options.dropAfterMs ?? this.#dropAfterMs,
      echo: options.echo ?? false,
      onClosed: (s) => this.#release(s, a.rtpPort, b.rtpPort),
    });
    session.on('timeout', (data) => {
      this.#timeouts++;
      publish({ event: 'timeout', callSid, data });
    });
    session.on('drop', (data) => {
      this.#drops++;
      publish({ event: 'drop', callSid, data });
    });
    session.on('latch', (data) => publish({ event: 'latch', callSid, data }));
    publish({ event: 'created', callSid, data: { legA: session.legA, legB: session.legB } });
    this.#sessions.set(callSid, session);
    this.#created++;
    this.#arm();
    this.emit('session', session);
    return session;
  }

  #release(session: MediaSession, portA: number, portB: number): void {
    const s = session.stats();
    for (const d of [s.directions.aToB, s.directions.bToA]) {
      this.#packets += d.forwardedPackets;
      this.#bytes += d.forwardedBytes;
      this.#lost += d.stream.lost;
      this.#bleed += d.drops.bleed;
      this.#malformed += d.drops.malformed;
      this.#unroutable += d.drops.unroutable;
      this.#unmeasured += d.unmeasured ?? 0;
    }
    this.pool.give(portA);
    this.pool.give(portB);
    if (session.recording) {
      this.#recordingTails.add(session);
      session.once('recorded', () => this.#recordingTails.delete(session));
    }
    if (this.#sessions.get(session.callSid) === session) this.#sessions.delete(session.callSid);
    this.#closedCount++;
    publish({ event: 'closed', callSid: session.callSid, data: { reason: s.closeReason } });
    this.emit('session-closed', session);
  }

  #arm(): void {
    if (this.#ticker || this.#sessions.size === 0) return;
    this.#ticker = this.#clock.setTimer(this.#tickMs, () => {
      this.#ticker = undefined;
      const now = this.#clock.monotonic();
      for (const s of this.#sessions.values()) s.check(now);
      this.#arm();
    });
  }

  counters(): RelayCounters {
    let packets = this.#packets, bytes = this.#bytes, lost = this.#lost, bleed = this.#bleed, malformed = this.#malformed, unroutable = this.#unroutable, unmeasured = this.#unmeasured;
    for (const session of this.#sessions.values()) {
      const s = session.stats();
      for (const d of [s.directions.aToB, s.directions.bToA]) {
        packets += d.forwardedPackets;
        bytes += d.forwardedBytes;
        lost += d.stream.lost;
        bleed += d.drops.bleed;
        malformed += d.drops.malformed;
        unroutable += d.drops.unroutable;
        unmeasured += d.unmeasured ?? 0;
      }
    }
    return {
      sessionsActive: this.#sessions.size,
      sessionsCreated: this.#created,
      sessionsClosed: this.#closedCount,
      timeouts: this.#timeouts,
      drops: this.#drops,
      packetsRelayed: packets,
      bytesRelayed: bytes,
      packetsLost: lost,
      packetsUnmeasured: unmeasured,
      packetsDropped: { bleed, malformed, unroutable },
      ports: this.pool.stats(),
    };
  }

  /** Closes every session (server shutdown). */
  async close(): Promise<void> {
    this.#ticker?.cancel();
    this.#ticker = undefined;
    await Promise.all([...this.#sessions.values()].map((s) => s.close('shutdown')));
    await Promise.all([...this.#recordingTails].map((s) => s.stopRecording().catch(() => undefined)));
    this.#native?.close();
  }
}
