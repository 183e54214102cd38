import { reduceCodecs } from '../sdp/index.js';

/**
 * The B2BUA's view of a call's media: every SDP one side sends passes through `rewrite` on
 * its way to the other side. With the relay (media/), the SDP is pointed at the relay's ports
 * and the sender's address is remembered for latching; without it, only the codec list is
 * reduced to what the trunk carries.
 */
export type CallSide = 'a' | 'b';

export interface MediaAnchor {
  /** SDP that side `from` sent, as the other side must receive it. */
  rewrite(from: CallSide, sdp: string, kind: 'offer' | 'answer'): string;
  /** Called once when the call is answered (starts RTP timeout supervision). */
  answered(): void;
  /** Releases ports; returns the stats to keep in the call record. */
  close(): unknown;
}

export interface MediaAnchorFactory {
  /** `aRole`: who sent the INVITE (customer for outbound calls), so the relay knows which leg faces whom. */
  create(callSid: string, aRole: 'customer' | 'carrier', onTimeout: (detail: string) => void): Promise<MediaAnchor>;
}

/** No relay: SDP passes with the codec list reduced (offers only; an answer is the callee's choice). */
export const passThroughMedia: MediaAnchorFactory = {
  create: async () => passThroughAnchor(),
};

export function passThroughAnchor(): MediaAnchor {
  return {
    rewrite: (_from, sdp, kind) => (kind === 'offer' ? safeReduce(sdp) : sdp),
    answered: () => {},
    close: () => null,
  };
}

function safeReduce(sdp: string): string {
  try {
    return reduceCodecs(sdp);
  } catch {
    return sdp;
  }
}
