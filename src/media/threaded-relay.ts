import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { Worker } from 'node:worker_threads';
import { TrunklineError } from '../core/index.js';
import { parsePortRange } from './addresses.js';
import type { MediaErrorCode } from './errors.js';
import type { CreateSessionOptions, MediaRelayOptions, RelayCounters } from './media-relay.js';
import type { LegInfo, LegName } from './media-leg.js';
import type { MediaSessionEvents, MediaSessionStats, RemoteEndpoint, SipRecord } from './session-types.js';
import type { PortRange } from './port-pool.js';
import type { CreatedSession, ForwardedCall, FromWorker, ToWorker, WorkerInit } from './worker-protocol.js';

type WithoutReq<T> = T extends unknown ? Omit<T, 'req'> : never;
type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

class WorkerHandle {
  readonly worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #req = 0;
  sessions = 0;
  constructor(init: WorkerInit, onEvent: (callSid: string, name: string, data: unknown) => void) {
    this.worker = new Worker(new URL('./relay-worker.js', import.meta.url), { workerData: init });
    this.worker.on('message', (m: FromWorker) => {
      if (m.op === 'event') return onEvent(m.callSid, m.name, m.data);
      const p = this.#pending.get(m.req);
      this.#pending.delete(m.req);
      if (!p) return;
      if (m.error) p.reject(new TrunklineError(m.error.code ?? 'MEDIA_BIND_FAILED', m.error.message));
      else p.resolve(m.result);
    });
    this.worker.on('error', (err) => {
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    });
  }
  ask<T>(msg: WithoutReq<Extract<ToWorker, { req: number }>>): Promise<T> {
    const req = ++this.#req;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(req, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...msg, req });
    });
  }
  tell(msg: ToWorker): void {
    this.worker.postMessage(msg);
  }
}

/**
 * The same session surface as MediaSession, for a session living in a worker thread. Commands
 * are forwarded in order; stats() is the last snapshot received (at creation, statsAsync() and
 * close()), so callers that need fresh numbers use statsAsync().
 */
export class RemoteMediaSession extends EventEmitter<MediaSessionEvents> {
  readonly callSid: string;
  readonly legA: LegInfo;
  readonly legB: LegInfo;
  readonly #w: WorkerHandle;
  #stats: MediaSessionStats;
  #echo: boolean;
  #closing: Promise<void> | undefined;
  #recordingPath: string | undefined;
  readonly #onClosed: () => void;

  constructor(callSid: string, created: CreatedSession, w: WorkerHandle, onClosed: () => void) {
    super();
    this.callSid = callSid;
    this.legA = created.legA;
    this.legB = created.legB;
    this.#stats = created.stats;
    this.#echo = created.stats.echo;
    this.#w = w;
    this.#onClosed = onClosed;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }
  get echo(): boolean {
    return this.#echo;
  }
  get recordingPath(): string | undefined {
    return this.#recordingPath;
  }

  #call(c: ForwardedCall): void {
    if (this.#closing) throw new TrunklineError<MediaErrorCode>('MEDIA_SESSION_CLOSED', `media session ${this.callSid} is closed`);
    this.#w.tell({ op: 'call', callSid: this.callSid, ...c });
  }

  setRemote(leg: LegName, remote: RemoteEndpoint): void {
    if (isIP(remote.address) === 0) {
      throw new TrunklineError<MediaErrorCode>('MEDIA_BAD_ADDRESS', `not an IP literal: ${remote.address}`, { details: { address: remote.address } });
    }
    this.#call({ method: 'setRemote', args: [leg, { ...remote }] });
  }
  relatch(leg: LegName): void {
    this.#call({ method: 'relatch', args: [leg] });
  }
  setEcho(on: boolean): void {
    this.#echo = on;
    this.#call({ method: 'setEcho', args: [on] });
  }
  setHold(held: boolean): void {
    this.#call({ method: 'setHold', args: [held] });
  }
  answered(): void {
    this.#call({ method: 'answered', args: [] });
  }
  setRtpTimeout(ms: number, dropAfterMs?: number): void {
    this.#call({ method: 'setRtpTimeout', args: dropAfterMs === undefined ? [ms] : [ms, dropAfterMs] });
  }
  startRecording(path: string): void {
    this.#recordingPath = path;
    this.#call({ method: 'startRecording', args: [path] });
  }
  recordSip(message: SipRecord): void {
    if (!this.#closing) this.#w.tell({ op: 'call', callSid: this.callSid, method: 'recordSip', args: [{ ...message }] });
  }
  async stopRecording(): Promise<void> {
    await this.#w.ask({ op: 'stopRecording', callSid: this.callSid });
  }
  stats(): MediaSessionStats {
    return this.#stats;
  }
  async statsAsync(): Promise<MediaSessionStats> {
    if (this.#closing) {
      await this.#closing;
      return this.#stats;
    }
    this.#stats = (await this.#w.ask<MediaSessionStats | undefined>({ op: 'stats', callSid: this.callSid })) ?? this.#stats;
    return this.#stats;
  }
  /** @internal the worker forwards the session's events. */
  deliver(name: string, data: unknown): void {
    this.emit(name as keyof MediaSessionEvents, data as never);
  }
  close(reason = 'closed'): Promise<void> {
    this.#closing ??= (async () => {
      const final = await this.#w.ask<MediaSessionStats | undefined>({ op: 'close', callSid: this.callSid, reason });
      if (final) this.#stats = final;
      this.#onClosed();
      this.emit('closed', { reason });
    })();
    return this.#closing;
  }
}

// Neither a clock nor a random source can cross to a worker thread.
export interface ThreadedMediaRelayOptions extends Omit<MediaRelayOptions, 'clock' | 'random'> {
  /** Worker threads, each owning an equal slice of the port range. */
  readonly workers: number;
}

/**
 * The relay spread over worker threads (bench/media-relay.ts --workers): each thread owns a
 * slice of the port range and the sessions on it, so the per-datagram work of Node's UDP
 * runs on several cores. Timeouts use the system clock (a fake clock cannot cross threads).
 */
export class ThreadedMediaRelay extends EventEmitter<{ session: [RemoteMediaSession]; 'session-closed': [RemoteMediaSession] }> {
  readonly advertisedAddress: string;
  readonly #workers: WorkerHandle[];
  readonly #sessions = new Map<string, RemoteMediaSession>();

  constructor(options: ThreadedMediaRelayOptions) {
    super();
    const range: PortRange | undefined = typeof options.portRange === 'string' ? parsePortRange(options.portRange) : options.portRange ?? { lo: 10000, hi: 40000 };
    const n = Math.max(1, Math.floor(options.workers));
    if (!range || range.hi - range.lo + 1 < 4 * n) throw new TrunklineError<MediaErrorCode>('MEDIA_BAD_PORT_RANGE', `bad RTP port range ${String(options.portRange)} for ${n} workers`);
    const host = options.host ?? '127.0.0.1';
    this.advertisedAddress = options.advertisedAddress ?? (host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host);
    const slice = Math.floor((range.hi - range.lo + 1) / n);
    this.#workers = Array.from({ length: n }, (_, i) => {
      const lo = range.lo + i * slice;
      const hi = i === n - 1 ? range.hi : lo + slice - 1;
      const { workers: _w, ...rest } = options;
      void _w;
      return new WorkerHandle({ relay: { ...rest, host, advertisedAddress: this.advertisedAddress, portRange: { lo, hi } } }, (sid, name, data) => this.#sessions.get(sid)?.deliver(name, data));
    });
  }

  get size(): number {
    return this.#sessions.size;
  }
  session(callSid: string): RemoteMediaSession | undefined {
    return this.#sessions.get(callSid);
  }

  async createSession(callSid: string, options: CreateSessionOptions = {}): Promise<RemoteMediaSession> {
    await this.#sessions.get(callSid)?.close('replaced');
    // Least-loaded worker first; a full one (ports exhausted) passes the call to the next.
    const order = [...this.#workers].sort((a, b) => a.sessions - b.sessions);
    let lastErr: unknown;
    for (const w of order) {
      w.sessions++; // reserved before the await, so concurrent creations spread out
      try {
        const created = await w.ask<CreatedSession>({ op: 'create', callSid, options });
        const s = new RemoteMediaSession(callSid, created, w, () => {
          w.sessions--;
          if (this.#sessions.get(callSid) === s) this.#sessions.delete(callSid);
          this.emit('session-closed', s);
        });
        this.#sessions.set(callSid, s);
        this.emit('session', s);
        return s;
      } catch (err) {
        w.sessions--;
        lastErr = err;
      }
    }
    throw lastErr;
  }

  /** Sum of every worker's counters. */
  async counters(): Promise<RelayCounters> {
    const all = await Promise.all(this.#workers.map((w) => w.ask<RelayCounters>({ op: 'counters' })));
    const sum = (f: (c: RelayCounters) => number) => all.reduce((t, c) => t + f(c), 0);
    return {
      sessionsActive: sum((c) => c.sessionsActive),
      sessionsCreated: sum((c) => c.sessionsCreated),
      sessionsClosed: sum((c) => c.sessionsClosed),
      timeouts: sum((c) => c.timeouts),
      drops: sum((c) => c.drops),
      packetsRelayed: sum((c) => c.packetsRelayed),
      bytesRelayed: sum((c) => c.bytesRelayed),
      packetsLost: sum((c) => c.packetsLost),
      packetsUnmeasured: sum((c) => c.packetsUnmeasured),
      packetsDropped: {
        bleed: sum((c) => c.packetsDropped.bleed),
        malformed: sum((c) => c.packetsDropped.malformed),
        unroutable: sum((c) => c.packetsDropped.unroutable),
      },
      ports: {
        capacity: sum((c) => c.ports.capacity),
        free: sum((c) => c.ports.free),
        inUse: sum((c) => c.ports.inUse),
        busyElsewhere: sum((c) => c.ports.busyElsewhere),
        ...(sum((c) => c.ports.ahead ?? 0) > 0 ? { ahead: sum((c) => c.ports.ahead ?? 0) } : {}),
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((s) => s.close('shutdown')));
    await Promise.all(this.#workers.map((w) => w.ask({ op: 'shutdown' })));
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
  }
}
