import { cancelTimer, send, startTimer, statusClass, terminated, toTU, type FsmContext, type Transition } from './fsm-types.js';

/**
 * RFC 3261 §17.2.1 INVITE server transaction (Figure 7), with the "Accepted" state of
 * RFC 6026 §7.1: a 2xx no longer ends the transaction at once, so retransmitted INVITEs
 * are absorbed instead of looking like new requests, and the TU may resend its 2xx.
 */
export type IstState =
  | { readonly name: 'proceeding' }
  | { readonly name: 'completed'; readonly timerGInterval: number }
  | { readonly name: 'confirmed' }
  | { readonly name: 'accepted' }
  | { readonly name: 'terminated' };

export type IstInput =
  /** A retransmission of the INVITE. */
  | { readonly type: 'request' }
  | { readonly type: 'ack' }
  /** The TU hands a response to the transaction to send. */
  | { readonly type: 'tuResponse'; readonly status: number }
  | { readonly type: 'timerG' }
  | { readonly type: 'timerH' }
  | { readonly type: 'timerI' }
  | { readonly type: 'timerL' }
  | { readonly type: 'transportError' };

// States without data are shared: a transaction holds its state for as long as it lingers.
const TERMINATED: IstState = { name: 'terminated' };
const PROCEEDING: IstState = { name: 'proceeding' };
const ACCEPTED: IstState = { name: 'accepted' };
const CONFIRMED: IstState = { name: 'confirmed' };

/** RFC 3261 §17.2.1: the INVITE goes to the TU; the layer sends 100 Trying at once. */
export function istStart(): Transition<IstState> {
  return { state: PROCEEDING, actions: [toTU('request')] };
}

export function istTransition(state: IstState, input: IstInput, ctx: FsmContext): Transition<IstState> {
  const stay: Transition<IstState> = { state, actions: [] };
  if (state.name === 'terminated') return stay;
  if (input.type === 'transportError') return { state: TERMINATED, actions: [toTU('transportError'), terminated] };
  const { G, H, I, L, T2 } = ctx.timers;
  switch (state.name) {
    case 'proceeding':
      // RFC 3261 §17.2.1: a retransmitted INVITE gets the most recent provisional response again.
      if (input.type === 'request') return { state, actions: [send('response')] };
      if (input.type === 'tuResponse') {
        const cls = statusClass(input.status);
        if (cls === 'provisional') return { state, actions: [send('response')] };
        if (cls === 'success') return { state: ACCEPTED, actions: [send('response'), startTimer('L', L)] };
        return {
          state: { name: 'completed', timerGInterval: G },
          actions: [send('response'), ...(ctx.reliable ? [] : [startTimer('G', G)]), startTimer('H', H)],
        };
      }
      return stay;
    case 'completed':
      if (input.type === 'request') return { state, actions: [send('response')] };
      if (input.type === 'timerG') {
        // RFC 3261 §17.2.1: the interval doubles up to T2.
        const next = Math.min(2 * state.timerGInterval, T2);
        return { state: { name: 'completed', timerGInterval: next }, actions: [send('response'), startTimer('G', next)] };
      }
      // RFC 3261 §17.2.1: no ACK within timer H — tell the TU (the call failed to complete).
      if (input.type === 'timerH') return { state: TERMINATED, actions: [toTU('timeout'), terminated] };
      if (input.type === 'ack') {
        // The ACK for a non-2xx final response is absorbed here and not passed to the TU.
        const leave = [cancelTimer('G'), cancelTimer('H')];
        if (I === 0) return { state: TERMINATED, actions: [...leave, terminated] };
        return { state: CONFIRMED, actions: [...leave, startTimer('I', I)] };
      }
      return stay;
    case 'confirmed':
      if (input.type === 'timerI') return { state: TERMINATED, actions: [terminated] };
      return stay;
    case 'accepted':
      // RFC 6026 §7.1: INVITE retransmissions are absorbed; the TU's 2xx retransmissions are sent;
      // an ACK that matches goes to the TU.
      if (input.type === 'tuResponse' && statusClass(input.status) === 'success') return { state, actions: [send('response')] };
      if (input.type === 'ack') return { state, actions: [toTU('ack')] };
      if (input.type === 'timerL') return { state: TERMINATED, actions: [terminated] };
      return stay;
  }
}
