import { RtpHeaderFields, RtpStreamStats, parseRtcp, type RtcpReportBlock } from '../rtp/index.js';
import { formatAddress, plainIp } from './addresses.js';
import { Latch } from './latch.js';
import type { LegTransport } from './transport.js';

export type LegName = 'A' | 'B';

/** What the edge needs of a leg to write the SDP it sends (rewriteForRelay). */
export interface LegInfo {
  readonly name: LegName;
  /** The relay's advertised address for this leg. */
  readonly localAddress: string;
  readonly rtpPort: number;
  readonly rtcpPort: number;
}

export interface DropCounters {
  /** Packets from a source other than the latched one (RTP bleed / injection). */
  bleed: number;
  /** Not RTP/RTCP, too short, bad version, bad header. */
  malformed: number;
  /** The other side's address is not known yet (no SDP, nothing latched). */
  unroutable: number;
  /** Packets the operating system refused to send (ICMP unreachable reflected as an error). */
  sendErrors: number;
}

export interface RtcpSummary {
  packets: number;
  senderReports: number;
  receiverReports: number;
  byes: number;
  malformed: number;
  /** The last report block this leg's peer sent about the stream it receives (RFC 3550 §6.4.1). */
  lastReport?: RtcpReportBlock & { readonly at: number };
}

/** One side of a call: its socket pair, what its SDP said, what it latched to, what it sent. */
export class MediaLeg {
  readonly name: LegName;
  /** Its RTP/RTCP socket pair, in whichever engine owns them. */
  readonly transport: LegTransport;
  readonly rtpPort: number;
  /** The address the SDP sent to this leg's peer names (the relay's address facing it). */
  localAddress: string;
  readonly bindHost: string;
  readonly latch = new Latch();
  readonly rtcpLatch = new Latch();
  readonly header = new RtpHeaderFields();
  readonly drops: DropCounters = { bleed: 0, malformed: 0, unroutable: 0, sendErrors: 0 };
  readonly rtcpSummary: RtcpSummary = { packets: 0, senderReports: 0, receiverReports: 0, byes: 0, malformed: 0 };
  /** Statistics of the RTP this leg's peer sends to the relay. */
  stats: RtpStreamStats;
  /** Monotonic ms of the last RTP packet received on this leg; -1 before any. */
  lastRtpMono = -1;
  /** The last accepted packet was comfort noise (RFC 3389): a pause after it is VAD, not a drop. */
  lastWasCn = false;
  sdpRtcpPort = 0;
  forwarded = 0;
  forwardedBytes = 0;

  constructor(name: LegName, transport: LegTransport, rtpPort: number, localAddress: string, bindHost: string) {
    this.name = name;
    this.transport = transport;
    this.rtpPort = rtpPort;
    this.localAddress = localAddress;
    this.bindHost = bindHost;
    this.stats = new RtpStreamStats({ src: '', dst: formatAddress(localAddress, rtpPort) });
  }

  /**
   * The relay binds a wildcard, so any local address reaches this leg's sockets; the one the
   * peer is told (and the statistics and pcap show) is the one facing it. Set before any RTP.
   */
  advertise(address: string): void {
    if (address === this.localAddress) return;
    this.localAddress = address;
    if (this.stats.packets > 0) return;
    this.stats = new RtpStreamStats({ src: '', dst: formatAddress(address, this.rtpPort) });
    if (this.latch.sdpIp) this.stats.setSdpAddress(formatAddress(plainIp(this.latch.sdpIp), this.latch.sdpPort));
  }

  get info(): LegInfo {
    return { name: this.name, localAddress: this.localAddress, rtpPort: this.rtpPort, rtcpPort: this.rtpPort + 1 };
  }

  get sdpAddress(): string | undefined {
    return this.latch.sdpIp ? formatAddress(this.latch.sdpIp, this.latch.sdpPort) : undefined;
  }

  /** Where media for this leg's peer goes: the latched source, else what the SDP said. */
  get targetIp(): string {
    return this.latch.ip || this.latch.sdpIp;
  }
  get targetPort(): number {
    return this.latch.ip ? this.latch.port : this.latch.sdpPort;
  }
  get rtcpTargetIp(): string {
    return this.rtcpLatch.ip || this.latch.sdpIp;
  }
  get rtcpTargetPort(): number {
    return this.rtcpLatch.ip ? this.rtcpLatch.port : this.sdpRtcpPort;
  }

  /** Reads the reports of an RTCP compound packet the peer sent (RFC 3550 §6.4). */
  readRtcp(msg: Uint8Array, at: number): boolean {
    const parsed = parseRtcp(msg);
    if (!parsed.ok && parsed.packets.length === 0) {
      this.rtcpSummary.malformed++;
      return false;
    }
    this.rtcpSummary.packets++;
    for (const p of parsed.packets) {
      if (p.type === 'SR') this.rtcpSummary.senderReports++;
      else if (p.type === 'RR') this.rtcpSummary.receiverReports++;
      else if (p.type === 'BYE') this.rtcpSummary.byes++;
      if ((p.type === 'SR' || p.type === 'RR') && p.reports.length > 0) this.rtcpSummary.lastReport = { ...p.reports[0], at };
    }
    return true;
  }
}
