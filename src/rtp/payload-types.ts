// RFC 3551 §6 Table 4: the static audio/video payload types, with their RTP clock rates.
// Dynamic types (96–127) are named only by SDP a=rtpmap; callers pass those in.

export interface PayloadTypeInfo {
  readonly encoding: string;
  readonly clockRate: number;
}

const STATIC: ReadonlyArray<PayloadTypeInfo | undefined> = (() => {
  const t: (PayloadTypeInfo | undefined)[] = new Array(128).fill(undefined);
  const set = (pt: number, encoding: string, clockRate: number): void => {
    t[pt] = Object.freeze({ encoding, clockRate });
  };
  set(0, 'PCMU', 8000);
  set(3, 'GSM', 8000);
  set(4, 'G723', 8000);
  set(5, 'DVI4', 8000);
  set(6, 'DVI4', 16000);
  set(7, 'LPC', 8000);
  set(8, 'PCMA', 8000);
  // RFC 3551 §4.5.2: G722's RTP clock is 8000 although it samples at 16 kHz.
  set(9, 'G722', 8000);
  set(10, 'L16', 44100);
  set(11, 'L16', 44100);
  set(12, 'QCELP', 8000);
  set(13, 'CN', 8000);
  set(14, 'MPA', 90000);
  set(15, 'G728', 8000);
  set(16, 'DVI4', 11025);
  set(17, 'DVI4', 22050);
  set(18, 'G729', 8000);
  set(25, 'CelB', 90000);
  set(26, 'JPEG', 90000);
  set(28, 'nv', 90000);
  set(31, 'H261', 90000);
  set(32, 'MPV', 90000);
  set(33, 'MP2T', 90000);
  set(34, 'H263', 90000);
  return t;
})();

/** The RFC 3551 static assignment of a payload type, if it has one. */
export function staticPayloadType(pt: number): PayloadTypeInfo | undefined {
  return pt >= 0 && pt < 128 ? STATIC[pt] : undefined;
}

/** RFC 3389: payload type 13 is comfort noise (silence suppression / VAD), never loss. */
export const PT_COMFORT_NOISE = 13;
export const PT_PCMU = 0;
export const PT_PCMA = 8;
