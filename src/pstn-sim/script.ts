import { behaviourFor, reasonPhrase, type SimBehaviour } from './behaviour.js';

/**
 * What the simulator does with an INVITE, as a timeline the UAS binding plays: each step is
 * a response to send after a delay from the INVITE. A missing final step means "never answer"
 * (ring forever, or no response at all — then not even 100 Trying is sent, so the caller's
 * transaction times out as with a dead carrier).
 */
export interface SimStep {
  readonly afterMs: number;
  readonly status: number;
  readonly reason: string;
  /** 183 and 200 carry the simulator's SDP answer. */
  readonly withSdp: boolean;
}

export interface SimScript {
  readonly behaviour: SimBehaviour;
  readonly steps: readonly SimStep[];
  /** Answered calls echo RTP back to its source (…0000) or send nothing (others keep silent). */
  readonly echo: boolean;
}

const step = (afterMs: number, status: number, withSdp = false): SimStep => ({ afterMs, status, reason: reasonPhrase(status), withSdp });

export function scriptFor(number: string): SimScript {
  const behaviour = behaviourFor(number);
  switch (behaviour.kind) {
    case 'answer-echo':
      return { behaviour, echo: true, steps: [step(0, 100), step(0, 200, true)] };
    case 'ring-forever':
      return { behaviour, echo: false, steps: [step(0, 100), step(0, 180)] };
    case 'early-media-then-answer':
      return { behaviour, echo: true, steps: [step(0, 100), step(0, 183, true), step(behaviour.earlyMs, 200, true)] };
    case 'no-response':
      return { behaviour, echo: false, steps: [] };
    case 'final':
      return { behaviour, echo: false, steps: [step(0, 100), step(0, behaviour.status)] };
    case 'ring-then-answer':
      return { behaviour, echo: true, steps: [step(0, 100), step(0, 180), step(behaviour.ringMs, 200, true)] };
  }
}
