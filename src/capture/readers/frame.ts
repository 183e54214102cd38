// What every reader hands to the dissectors: one captured frame with its link type.

/** Link-layer header types (tcpdump.org/linktypes.html) that the link dissector reads. */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW_12: 12,
  RAW_14: 14,
  LOOP: 108,
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export interface CapturedFrame {
  /** Milliseconds since the epoch (fractional: µs/ns resolution kept). */
  readonly at: number;
  readonly linkType: number;
  /** The captured bytes (may be a view into a larger chunk: copy before keeping). */
  readonly data: Uint8Array;
  /** Length on the wire; larger than data.length when the snap length cut the frame. */
  readonly originalLength: number;
  /** Byte offset of the record in the file. */
  readonly fileOffset: number;
  readonly interfaceId: number;
}

export type FrameSink = (frame: CapturedFrame) => void;

/** A push parser: chunks in, frames out to the sink; end() reports a truncated tail. */
export interface FrameReader {
  readonly format: 'pcap' | 'pcapng' | 'hep';
  push(chunk: Uint8Array): void;
  end(): void;
  /** Bytes consumed as complete records so far. */
  readonly offset: number;
}
