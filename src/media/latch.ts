/**
 * Symmetric RTP (RFC 4961; "comedia" in SBC speak): the relay sends a leg's media to where that
 * leg's RTP really comes from. To stay closed to "RTP bleed" (stray or injected streams, the bug
 * class of rtpengine CVE-2017 era and Asterisk AST-2017-005), the source is taken from the first
 * packet and then kept: another source is dropped, except
 *  - the same host with a new SSRC (a new stream, e.g. after a PBX-side transfer) re-latches;
 *  - within the first LATCH_WINDOW packets, a packet from exactly the SDP address wins, so a
 *    stray first packet cannot steal a call whose peer is where its SDP says;
 *  - relatch() (a re-INVITE/UPDATE) opens the latch again.
 */
export const LATCH_WINDOW = 50;

export const LATCH_ACCEPT = 0;
export const LATCH_NEW = 1;
export const LATCH_DROP = 2;
export type LatchVerdict = typeof LATCH_ACCEPT | typeof LATCH_NEW | typeof LATCH_DROP;

export class Latch {
  ip = '';
  port = 0;
  ssrc = -1;
  /** Packets accepted since the latch was (re)taken. */
  accepted = 0;
  /** Times the latch was taken: the first one plus re-latches. */
  latches = 0;
  sdpIp = '';
  sdpPort = 0;

  get latched(): boolean {
    return this.ip !== '';
  }

  reopen(): void {
    this.ip = '';
    this.port = 0;
    this.ssrc = -1;
    this.accepted = 0;
  }

  setSdp(ip: string, port: number): void {
    this.sdpIp = ip;
    this.sdpPort = port;
  }

  /** ssrc < 0 for packets without one (RTCP latches on address only). */
  check(ip: string, port: number, ssrc: number): LatchVerdict {
    if (this.ip === ip && this.port === port) {
      this.ssrc = ssrc;
      this.accepted++;
      return LATCH_ACCEPT;
    }
    const fresh = this.ip === '';
    const newStreamSameHost = this.ip === ip && ssrc >= 0 && ssrc !== this.ssrc;
    const sdpWins = this.accepted < LATCH_WINDOW && ip === this.sdpIp && port === this.sdpPort;
    if (fresh || newStreamSameHost || sdpWins) {
      this.take(ip, port, ssrc);
      return LATCH_NEW;
    }
    return LATCH_DROP;
  }

  /** Takes the latch (check() decided, or the native engine did by the same rules). */
  take(ip: string, port: number, ssrc: number): void {
    this.ip = ip;
    this.port = port;
    this.ssrc = ssrc;
    this.accepted = 1;
    this.latches++;
  }
}
