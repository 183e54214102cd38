import { isIP } from 'node:net';
import { TrunklineError } from '../core/index.js';
import { isAuxiliary, isPcma, payloadsOf } from './codecs.js';
import type { SdpErrorCode } from './errors.js';
import { parseSdp, writeSdp, type ParsedMedia, type ParsedSdp } from './parse.js';
import { mediaDirection, type SdpDirection } from './summary.js';

/** RFC 3264 §6.1: the answer's direction mirrors the offer's, narrowed by what the answerer wants. */
export function answerDirection(offered: SdpDirection, wanted: SdpDirection = 'sendrecv'): SdpDirection {
  const offerSends = offered === 'sendrecv' || offered === 'sendonly';
  const offerRecvs = offered === 'sendrecv' || offered === 'recvonly';
  const wantSend = wanted === 'sendrecv' || wanted === 'sendonly';
  const wantRecv = wanted === 'sendrecv' || wanted === 'recvonly';
  const send = offerRecvs && wantSend;
  const recv = offerSends && wantRecv;
  return send && recv ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive';
}

export interface SdpOrigin {
  readonly username: string;
  readonly sessionId: string;
  readonly version: number;
}

export interface AnswerOptions {
  readonly address: string;
  readonly rtpPort: number;
  /** Announced with a=rtcp (RFC 3605) only when it is not rtpPort + 1. */
  readonly rtcpPort?: number;
  readonly origin: SdpOrigin;
  /** The answerer's own wish (a held answerer says sendonly). */
  readonly direction?: SdpDirection;
  readonly sessionName?: string;
}

/**
 * Builds an RFC 3264 §6 answer that accepts the first usable audio stream with PCMA (keeping the
 * offerer's payload numbers for PCMA, telephone-event and CN) and rejects every other m= line with
 * port 0, in the same order and count as the offer.
 */
export function buildAnswer(offerInput: string | ParsedSdp, opts: AnswerOptions): string {
  const offer = typeof offerInput === 'string' ? parseSdp(offerInput) : offerInput;
  const family = isIP(opts.address);
  if (family === 0) throw new TrunklineError<SdpErrorCode>('SDP_BAD_ADDRESS', `not an IP literal: ${opts.address}`);
  const chosen = offer.media.findIndex((m) => m.type === 'audio' && m.port !== 0 && !/SAVP/i.test(m.protocol) && payloadsOf(m).some(isPcma));
  if (chosen < 0) throw new TrunklineError<SdpErrorCode>('SDP_NOT_ACCEPTABLE', 'the offer has no plain RTP audio stream with PCMA');
  const media = offer.media.map((m, i): ParsedMedia => (i === chosen ? acceptAudio(offer, m, opts) : reject(m)));
  const answer: ParsedSdp = {
    version: 0,
    origin: { username: opts.origin.username, sessionId: opts.origin.sessionId, sessionVersion: opts.origin.version, netType: 'IN', ipVer: family, address: opts.address },
    name: opts.sessionName ?? '-',
    timing: { start: 0, stop: 0 },
    connection: { version: family, ip: opts.address },
    media,
  };
  return writeSdp(answer);
}

function acceptAudio(offer: ParsedSdp, m: ParsedMedia, opts: AnswerOptions): ParsedMedia {
  const keep = payloadsOf(m).filter((p) => isPcma(p) || isAuxiliary(p));
  // PCMA first: the answerer's preference order is its own (RFC 3264 §6.1).
  keep.sort((a, b) => Number(isPcma(b)) - Number(isPcma(a)));
  const pts = new Set(keep.map((p) => p.pt));
  const out: ParsedMedia = {
    type: 'audio',
    port: opts.rtpPort,
    protocol: m.protocol,
    payloads: keep.map((p) => p.pt).join(' '),
    rtp: keep.map((p) => ({ payload: p.pt, codec: p.encoding ?? 'PCMA', rate: p.clockRate ?? 8000 })),
    fmtp: (m.fmtp ?? []).filter((f) => pts.has(f.payload)),
    direction: answerDirection(mediaDirection(offer, m), opts.direction),
  };
  if (m.ptime !== undefined) out.ptime = m.ptime;
  if (opts.rtcpPort !== undefined && opts.rtcpPort !== opts.rtpPort + 1) out.rtcp = { port: opts.rtcpPort };
  return out;
}

function reject(m: ParsedMedia): ParsedMedia {
  // RFC 3264 §6: a rejected stream keeps its m= line with port 0 and at least one format.
  const first = String(m.payloads ?? '').trim().split(/\s+/)[0] || '0';
  return { type: m.type, port: 0, protocol: m.protocol, payloads: first, rtp: [], fmtp: [] };
}

/**
 * Keeps one o= line per leg as RFC 3264 §8 wants: the same username and session id for the whole
 * dialog, the version bumped by one each time the SDP sent on that leg changes (and only then).
 */
export class OriginKeeper {
  readonly #username: string;
  readonly #sessionId: string;
  #version: number;
  #lastBody: string | undefined;

  constructor(sessionId: string, username = 'trunkline', firstVersion = 1) {
    this.#username = username;
    this.#sessionId = sessionId;
    this.#version = firstVersion;
  }

  get origin(): SdpOrigin {
    return { username: this.#username, sessionId: this.#sessionId, version: this.#version };
  }

  /** Returns the SDP with this leg's o= line, bumping the version when the rest has changed. */
  stamp(input: string | ParsedSdp): string {
    const sdp = structuredClone(typeof input === 'string' ? parseSdp(input) : input);
    sdp.origin = { ...sdp.origin, username: this.#username, sessionId: this.#sessionId, sessionVersion: 0 };
    const body = writeSdp(sdp);
    if (this.#lastBody !== undefined && body !== this.#lastBody) this.#version += 1;
    this.#lastBody = body;
    sdp.origin.sessionVersion = this.#version;
    return writeSdp(sdp);
  }
}
