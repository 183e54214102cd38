import { channel } from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { TrunklineError, type Clock, type TimerHandle } from '../core/index.js';
import { isRtcpPayloadType, readRtpHeaderInto, PT_COMFORT_NOISE } from '../rtp/index.js';
import { formatAddress, plainIp } from './addresses.js';
import type { MediaErrorCode } from './errors.js';
import { LATCH_DROP, LATCH_NEW } from './latch.js';
import type { LegInfo, LegName, MediaLeg } from './media-leg.js';
import type { DirectionStats, MediaDirection, MediaSessionEvents, MediaSessionStats, RemoteEndpoint, SipRecord } from './session-types.js';
import { PcapWriter } from './pcap-writer.js';
import type { PacketSink, RelayedPacket } from './transport.js';

/** What `trunkline:media:rtcp` carries: each RTCP compound packet a call's peer sent the relay (serve --hep exports them). */
export interface RtcpMessage {
  readonly callSid: string;
  /** The relay leg it arrived on. */
  readonly leg: LegName;
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  /** Wall-clock ms. */
  readonly at: number;
  readonly bytes: Uint8Array;
}

export const rtcpChannel = channel('trunkline:media:rtcp');

export interface MediaSessionOptions {
  readonly callSid: string;
  readonly clock: Clock;
  readonly rtpTimeoutMs: number;
  readonly dropAfterMs: number;
  readonly echo: boolean;
  readonly onClosed: (session: MediaSession) => void;
}

const dirOf = (leg: MediaLeg): MediaDirection => (leg.name === 'A' ? 'aToB' : 'bToA');

/**
 * One call's media: leg A (customer side) and leg B (carrier side), each with its own
 * RTP/RTCP socket pair. Packets arriving on a leg are checked, latched, measured and sent out
 * of the other leg's socket to that leg's peer (or back to their source in echo mode).
 */
export class MediaSession extends EventEmitter<MediaSessionEvents> {
  readonly callSid: string;
  readonly #a: MediaLeg;
  readonly #b: MediaLeg;
  readonly #clock: Clock;
  readonly #wallBase: number;
  readonly #monoBase: number;
  readonly #onClosed: (session: MediaSession) => void;
  #rtpTimeoutMs: number;
  #dropAfterMs: number;
  #echo: boolean;
  #held = false;
  #armedAt = -1;
  #timedOut = false;
  readonly #dropped = { A: false, B: false };
  #recorder: PcapWriter | undefined;
  #recordingTail: TimerHandle | undefined;
  #closing: Promise<void> | undefined;
  #closedAt: number | undefined;
  #closeReason: string | undefined;

  constructor(a: MediaLeg, b: MediaLeg, opts: MediaSessionOptions) {
    super();
    this.callSid = opts.callSid;
    this.#a = a;
    this.#b = b;
    this.#clock = opts.clock;
    this.#wallBase = opts.clock.now();
    this.#monoBase = opts.clock.monotonic();
    this.#rtpTimeoutMs = opts.rtpTimeoutMs;
    this.#dropAfterMs = opts.dropAfterMs;
    this.#echo = opts.echo;
    this.#onClosed = opts.onClosed;
    for (const [leg, other] of [[a, b], [b, a]] as const) {
      const sink: PacketSink = {
        datagram: (msg, ip, port, onRtcpPort) => (onRtcpPort ? this.#onRtcp(leg, other, msg, ip, port, false) : this.#onRtp(leg, other, msg, ip, port)),
        rtcp: (msg, ip, port, muxed) => this.#onRtcp(leg, other, msg, ip, port, muxed),
        relayed: (p) => this.#relayed(leg, other, p),
      };
      leg.transport.attach(sink);
      if (opts.echo) leg.transport.setEcho(true);
    }
  }

  get legA(): LegInfo {
    return this.#a.info;
  }
  get legB(): LegInfo {
    return this.#b.info;
  }
  get closed(): boolean {
    return this.#closing !== undefined;
  }
  get echo(): boolean {
    return this.#echo;
  }

  #leg(name: LegName): MediaLeg {
    return name === 'A' ? this.#a : this.#b;
  }

  #wall(mono: number): number {
    return this.#wallBase + (mono - this.#monoBase);
  }

  /** A v4 peer of a dual-stack v6 socket is seen as ::ffff:a.b.c.d; compare in that form. */
  #socketIp(leg: MediaLeg, ip: string): string {
    return isIP(leg.bindHost) === 6 && isIP(ip) === 4 ? `::ffff:${ip}` : ip;
  }

  /** The relay's address the SDP sent to `leg`'s peer names: the one facing that peer (the sockets bind a wildcard). */
  advertise(leg: LegName, address: string): void {
    this.#assertOpen();
    this.#leg(leg).advertise(address);
  }

  /**
   * The peer's SDP address for a leg (offer or answer, re-INVITE or UPDATE). A new address
   * re-opens the latch (RFC 3264 §8.3.1: the new address applies); c=0.0.0.0 (hold) changes nothing.
   */
  setRemote(leg: LegName, remote: RemoteEndpoint): void {
    this.#assertOpen();
    const l = this.#leg(leg);
    if (isIP(remote.address) === 0) {
      throw new TrunklineError<MediaErrorCode>('MEDIA_BAD_ADDRESS', `not an IP literal: ${remote.address}`, { details: { address: remote.address } });
    }
    if (remote.address === '0.0.0.0' || remote.address === '::' || remote.rtpPort === 0) return;
    const ip = this.#socketIp(l, remote.address);
    const changed = ip !== l.latch.sdpIp || remote.rtpPort !== l.latch.sdpPort;
    l.latch.setSdp(ip, remote.rtpPort);
    l.rtcpLatch.setSdp(ip, remote.rtcpPort ?? remote.rtpPort + 1);
    l.sdpRtcpPort = remote.rtcpPort ?? remote.rtpPort + 1;
    l.transport.setSdp(ip, remote.rtpPort);
    l.stats.setSdpAddress(formatAddress(plainIp(ip), remote.rtpPort));
    if (changed && l.latch.latched) this.relatch(leg);
  }

  /** Re-opens the latch of a leg (after a re-INVITE/UPDATE): the next packet's source is taken. */
  relatch(leg: LegName): void {
    const l = this.#leg(leg);
    // What the engine relayed under the old latch is counted under it first.
    l.transport.flush();
    l.latch.reopen();
    l.rtcpLatch.reopen();
    l.transport.reopen();
  }

  /** Echo: every packet goes back to its source (PSTN simulator …0000 numbers, the echo flow). */
  setEcho(on: boolean): void {
    this.#echo = on;
    this.#a.transport.setEcho(on);
    this.#b.transport.setEcho(on);
  }

  /** On hold (RFC 3264 §8.4) media may legitimately stop: timeout and drop detection pause. */
  setHold(held: boolean): void {
    this.#held = held;
    if (!held && this.#armedAt >= 0) this.#armedAt = this.#clock.monotonic();
  }

  /** The call is answered: from now on, media that stops is a timeout (ringing is not). */
  answered(): void {
    if (this.#armedAt < 0) this.#armedAt = this.#clock.monotonic();
  }

  setRtpTimeout(ms: number, dropAfterMs = this.#dropAfterMs): void {
    this.#rtpTimeoutMs = ms;
    this.#dropAfterMs = dropAfterMs;
  }

  #onRtp(leg: MediaLeg, other: MediaLeg, msg: Uint8Array, ip: string, port: number): void {
    // RFC 3550 §5.1: version 2, 12-byte fixed header; anything else on an RTP port is dropped.
    if (msg.length < 12 || (msg[0] & 0xc0) !== 0x80) {
      leg.drops.malformed++;
      return;
    }
    // RFC 5761: RTCP multiplexed on the RTP port.
    if (isRtcpPayloadType(msg[1])) {
      this.#onRtcp(leg, other, msg, ip, port, true);
      return;
    }
    const h = leg.header;
    if (readRtpHeaderInto(msg, h) !== undefined) {
      leg.drops.malformed++;
      return;
    }
    const verdict = leg.latch.check(ip, port, h.ssrc);
    if (verdict === LATCH_DROP) {
      leg.drops.bleed++;
      return;
    }
    const now = this.#clock.monotonic();
    if (verdict === LATCH_NEW) this.#latched(leg, ip, port, h.ssrc);
    this.#accepted(leg, msg, now);
    this.#relay(leg, other, msg, ip, port, false, now);
  }

  /** What every accepted RTP packet counts for, whichever engine relayed it. */
  #accepted(leg: MediaLeg, msg: Uint8Array, now: number): void {
    const h = leg.header;
    leg.stats.add(this.#wall(now), h, msg);
    if (leg.lastRtpMono < 0 || this.#dropped[leg.name]) this.#flow(leg, now);
    leg.lastRtpMono = now;
    leg.lastWasCn = h.payloadType === PT_COMFORT_NOISE;
    if (this.#timedOut) this.#timedOut = false;
  }

  /** RTP the native engine checked, latched (by latch.ts's rules) and sent on: the JS half of #onRtp. */
  #relayed(leg: MediaLeg, other: MediaLeg, p: RelayedPacket): void {
    if (this.#closing) return;
    const h = leg.header;
    if (readRtpHeaderInto(p.buf, h, p.offset, p.length) !== undefined) return; // checked natively already
    if (p.latchNew) {
      leg.latch.take(p.srcIp, p.srcPort, h.ssrc);
      this.#latched(leg, p.srcIp, p.srcPort, h.ssrc);
    } else {
      leg.latch.ssrc = h.ssrc;
      leg.latch.accepted++;
    }
    this.#accepted(leg, p.buf, p.at);
    const rec = this.#recorder;
    if (rec) {
      const msg = p.buf.subarray(p.offset, p.offset + p.length);
      rec.writeUdp(this.#wall(p.at), plainIp(p.srcIp), p.srcPort, leg.localAddress, leg.rtpPort, msg);
      const out = this.#echo ? leg : other;
      if (p.forwarded) rec.writeUdp(this.#wall(p.at), out.localAddress, out.rtpPort, plainIp(p.dstIp), p.dstPort, msg);
    }
  }

  #onRtcp(leg: MediaLeg, other: MediaLeg, msg: Uint8Array, ip: string, port: number, muxed: boolean): void {
    if (msg.length < 8 || (msg[0] & 0xc0) !== 0x80) {
      leg.rtcpSummary.malformed++;
      return;
    }
    // RTCP keeps to the host the RTP latched to; its own port is latched separately.
    const latch = muxed ? leg.latch : leg.rtcpLatch;
    if (!muxed && leg.latch.latched && ip !== leg.latch.ip) {
      leg.drops.bleed++;
      return;
    }
    const verdict = latch.check(ip, port, -1);
    if (verdict === LATCH_DROP) {
      leg.drops.bleed++;
      return;
    }
    // Muxed RTCP moved the RTP latch: an engine that latches itself follows.
    if (muxed && verdict === LATCH_NEW) leg.transport.latchTaken(ip, port, latch.ssrc);
    const now = this.#clock.monotonic();
    if (!leg.readRtcp(msg, this.#wall(now))) return;
    if (rtcpChannel.hasSubscribers) {
      const m: RtcpMessage = { callSid: this.callSid, leg: leg.name, src: plainIp(ip), srcPort: port, dst: leg.localAddress, dstPort: muxed ? leg.rtpPort : leg.rtpPort + 1, at: this.#wall(now), bytes: msg };
      rtcpChannel.publish(m);
    }
    this.#relay(leg, other, msg, ip, port, !muxed, now);
  }

  #relay(leg: MediaLeg, other: MediaLeg, msg: Uint8Array, srcIp: string, srcPort: number, rtcp: boolean, now: number): void {
    const out = this.#echo ? leg : other;
    const ip = this.#echo ? srcIp : rtcp ? other.rtcpTargetIp : other.targetIp;
    const port = this.#echo ? srcPort : rtcp ? other.rtcpTargetPort : other.targetPort;
    const rec = this.#recorder;
    if (rec) {
      const local = rtcp ? leg.rtpPort + 1 : leg.rtpPort;
      rec.writeUdp(this.#wall(now), plainIp(srcIp), srcPort, leg.localAddress, local, msg);
    }
    if (!ip || !port) {
      leg.drops.unroutable++;
      return;
    }
    out.transport.send(rtcp, msg, port, ip);
    leg.forwarded++;
    leg.forwardedBytes += msg.length;
    if (rec) {
      rec.writeUdp(this.#wall(now), out.localAddress, rtcp ? out.rtpPort + 1 : out.rtpPort, plainIp(ip), port, msg);
    }
  }

  #latched(leg: MediaLeg, ip: string, port: number, ssrc: number): void {
    const source = formatAddress(plainIp(ip), port);
    const sdpAddress = leg.sdpAddress === undefined ? undefined : formatAddress(plainIp(leg.latch.sdpIp), leg.latch.sdpPort);
    const matchesSdp = sdpAddress === source;
    leg.stats.setSource(source, sdpAddress !== undefined && !matchesSdp);
    this.emit('latch', sdpAddress === undefined ? { leg: leg.name, source, ssrc, matchesSdp } : { leg: leg.name, source, ssrc, sdpAddress, matchesSdp });
  }

  #flow(leg: MediaLeg, now: number): void {
    const resumed = this.#dropped[leg.name];
    this.#dropped[leg.name] = false;
    this.emit('flow', { direction: dirOf(leg), at: this.#wall(now), resumed });
  }

  /** Called by the relay's ticker: RTP timeout (both directions silent) and per-direction drops. */
  check(nowMono: number): void {
    this.#a.transport.flush();
    if (this.#closing || this.#held || this.#armedAt < 0) return;
    const a = this.#a.lastRtpMono;
    const b = this.#b.lastRtpMono;
    const last = Math.max(a, b, this.#armedAt);
    if (this.#rtpTimeoutMs > 0 && !this.#timedOut && nowMono - last >= this.#rtpTimeoutMs) {
      this.#timedOut = true;
      this.emit('timeout', {
        silentMs: nowMono - last,
        lastAt: { ...(a >= 0 ? { aToB: this.#wall(a) } : {}), ...(b >= 0 ? { bToA: this.#wall(b) } : {}) },
        at: this.#wall(nowMono),
      });
    }
    if (this.#dropAfterMs <= 0) return;
    for (const [leg, other] of [[this.#a, this.#b], [this.#b, this.#a]] as const) {
      // A direction that stopped while the other still flows; a pause after CN is VAD (RFC 3389).
      if (leg.lastRtpMono < 0 || this.#dropped[leg.name] || leg.lastWasCn) continue;
      const silent = nowMono - leg.lastRtpMono;
      const otherFlows = this.#echo || (other.lastRtpMono >= 0 && nowMono - other.lastRtpMono < this.#dropAfterMs);
      if (silent >= this.#dropAfterMs && otherFlows && !this.#timedOut) {
        this.#dropped[leg.name] = true;
        this.emit('drop', { direction: dirOf(leg), lastAt: this.#wall(leg.lastRtpMono), silentMs: silent, at: this.#wall(nowMono) });
      }
    }
  }

  /** Starts the per-call pcap (both legs, RTP and RTCP, in and out; SIP via recordSip). */
  startRecording(path: string): void {
    this.#assertOpen();
    if (this.#recorder) return;
    this.#recorder = new PcapWriter(path);
  }

  get recordingPath(): string | undefined {
    return this.#recorder?.path;
  }

  /** SIP messages of the call, handed over by the edge (written as UDP datagrams, framing already done). */
  recordSip(message: SipRecord): void {
    const at = message.at ?? this.#clock.now();
    const data = typeof message.data === 'string' ? Buffer.from(message.data) : message.data;
    this.#recorder?.writeUdp(at, plainIp(message.srcIp), message.srcPort, plainIp(message.dstIp), message.dstPort, data);
  }

  async stopRecording(): Promise<void> {
    const rec = this.#recorder;
    this.#recorder = undefined;
    this.#recordingTail?.cancel();
    this.#recordingTail = undefined;
    await rec?.close();
    if (rec) this.emit('recorded', { path: rec.path, packets: rec.packets });
  }

  /** The pcap is still open: recording, or in its tail after close() (see close's recordingTailMs). */
  get recording(): boolean {
    return this.#recorder !== undefined;
  }

  /** Same as stats(); the shape RemoteMediaSession (worker threads) also offers. */
  statsAsync(): Promise<MediaSessionStats> {
    return Promise.resolve(this.stats());
  }

  stats(): MediaSessionStats {
    if (!this.#closing) this.#a.transport.flush();
    const dir = (leg: MediaLeg): DirectionStats => {
      // The engine's own counts (native: the RTP it relayed) plus what went through JS here.
      const t = leg.transport.counters();
      return {
      direction: dirOf(leg),
      from: leg.name,
      stream: leg.stats.snapshot(),
      forwardedPackets: leg.forwarded + t.forwarded,
      forwardedBytes: leg.forwardedBytes + t.bytes,
      drops: {
        bleed: leg.drops.bleed + t.bleed,
        malformed: leg.drops.malformed + t.malformed,
        unroutable: leg.drops.unroutable + t.unroutable,
        sendErrors: leg.drops.sendErrors + t.sendErrors,
      },
      rtcp: { ...leg.rtcpSummary },
      ...(leg.latch.latched ? { source: formatAddress(plainIp(leg.latch.ip), leg.latch.port) } : {}),
      ...(leg.sdpAddress === undefined ? {} : { sdpAddress: formatAddress(plainIp(leg.latch.sdpIp), leg.latch.sdpPort) }),
      latches: leg.latch.latches,
      ...(t.unmeasured > 0 ? { unmeasured: t.unmeasured } : {}),
      };
    };
    const aToB = dir(this.#a);
    const bToA = dir(this.#b);
    return {
      callSid: this.callSid,
      echo: this.#echo,
      held: this.#held,
      timedOut: this.#timedOut,
      createdAt: this.#wallBase,
      ...(this.#closedAt === undefined ? {} : { closedAt: this.#closedAt, closeReason: this.#closeReason ?? 'closed' }),
      legs: { A: this.#a.info, B: this.#b.info },
      directions: { aToB, bToA },
      streams: [aToB.stream, bToA.stream].filter((s) => s.packets > 0),
      ...(this.#recorder ? { recording: { path: this.#recorder.path, packets: this.#recorder.packets, bytes: this.#recorder.bytesWritten } } : {}),
    };
  }

  #assertOpen(): void {
    if (this.#closing) throw new TrunklineError<MediaErrorCode>('MEDIA_SESSION_CLOSED', `media session ${this.callSid} is closed`);
  }

  /**
   * Closes the four sockets and returns the ports to the pool, however the call ended. Idempotent.
   * `recordingTailMs`: a recording stays open that long for recordSip, because the call's last SIP
   * (the far leg's answer to the BYE) comes after its media has ended; stopRecording() ends it sooner.
   */
  close(reason = 'closed', recordingTailMs = 0): Promise<void> {
    this.#closing ??= (async () => {
      this.#closedAt = this.#clock.now();
      this.#closeReason = reason;
      // What the engine relayed up to now is counted before its sockets go.
      this.#a.transport.flush();
      const tail = this.#recorder !== undefined && recordingTailMs > 0;
      if (tail) this.#recordingTail = this.#clock.setTimer(recordingTailMs, () => void this.stopRecording().catch(() => undefined));
      const rec = tail ? Promise.resolve() : this.stopRecording().catch(() => undefined);
      await Promise.all([this.#a.transport.close(), this.#b.transport.close()]);
      this.#onClosed(this);
      await rec;
      this.emit('closed', { reason });
    })();
    return this.#closing;
  }
}
