import { cancelTimer, send, startTimer, statusClass, terminated, toTU, type FsmContext, type Transition } from './fsm-types.js';

/**
 * RFC 3261 §17.1.1 INVITE client transaction (Figure 5), with the "Accepted" state of
 * RFC 6026 §7.2 so that retransmitted 2xx responses reach the TU, which must ACK each one.
 */
export type IctState =
  | { readonly name: 'calling'; readonly timerAInterval: number }
  | { readonly name: 'proceeding' }
  | { readonly name: 'completed' }
  | { readonly name: 'accepted' }
  | { readonly name: 'terminated' };

export type IctInput =
  | { readonly type: 'response'; readonly status: number }
  | { readonly type: 'timerA' }
  | { readonly type: 'timerB' }
  | { readonly type: 'timerD' }
  | { readonly type: 'timerM' }
  | { readonly type: 'transportError' };

// States without data are shared: a transaction holds its state for as long as it lingers.
const TERMINATED: IctState = { name: 'terminated' };
const PROCEEDING: IctState = { name: 'proceeding' };
const ACCEPTED: IctState = { name: 'accepted' };
const COMPLETED: IctState = { name: 'completed' };

/** RFC 3261 §17.1.1.2: send the INVITE; timer A over unreliable transports, timer B always. */
export function ictStart(ctx: FsmContext): Transition<IctState> {
  const { A, B } = ctx.timers;
  return {
    state: { name: 'calling', timerAInterval: A },
    actions: [send('request'), ...(ctx.reliable ? [] : [startTimer('A', A)]), startTimer('B', B)],
  };
}

export function ictTransition(state: IctState, input: IctInput, ctx: FsmContext): Transition<IctState> {
  const stay: Transition<IctState> = { state, actions: [] };
  if (state.name === 'terminated') return stay;
  if (input.type === 'transportError') {
    // RFC 3261 §17.1.1.2: a transport error is reported to the TU and the transaction ends.
    return { state: TERMINATED, actions: [toTU('transportError'), terminated] };
  }
  switch (state.name) {
    case 'calling':
      if (input.type === 'timerA') {
        // RFC 3261 §17.1.1.2: retransmit and double the interval on each firing.
        const next = state.timerAInterval * 2;
        return { state: { name: 'calling', timerAInterval: next }, actions: [send('request'), startTimer('A', next)] };
      }
      if (input.type === 'timerB') return { state: TERMINATED, actions: [toTU('timeout'), terminated] };
      if (input.type === 'response') {
        const leave = [cancelTimer('A'), cancelTimer('B')];
        if (statusClass(input.status) === 'provisional') return { state: PROCEEDING, actions: [...leave, toTU('provisional')] };
        return onFinal(input.status, ctx, leave);
      }
      return stay;
    case 'proceeding':
      if (input.type !== 'response') return stay;
      if (statusClass(input.status) === 'provisional') return { state, actions: [toTU('provisional')] };
      return onFinal(input.status, ctx, []);
    case 'completed':
      // RFC 3261 §17.1.1.2: a retransmitted final response gets the ACK again and is not passed up.
      if (input.type === 'response' && statusClass(input.status) === 'failure') return { state, actions: [send('ack')] };
      if (input.type === 'timerD') return { state: TERMINATED, actions: [terminated] };
      return stay;
    case 'accepted':
      // RFC 6026 §7.2: every 2xx received in Accepted goes to the TU (it ACKs each one).
      if (input.type === 'response' && statusClass(input.status) === 'success') return { state, actions: [toTU('final')] };
      if (input.type === 'timerM') return { state: TERMINATED, actions: [terminated] };
      return stay;
  }
}

function onFinal(status: number, ctx: FsmContext, leave: Transition<IctState>['actions']): Transition<IctState> {
  if (statusClass(status) === 'success') {
    // RFC 6026 §7.2: 2xx moves to Accepted; the ACK for a 2xx is the TU's job (§13.2.2.4).
    return { state: ACCEPTED, actions: [...leave, toTU('final'), startTimer('M', ctx.timers.M)] };
  }
  // RFC 3261 §17.1.1.3: the transaction itself ACKs a 300–699 response.
  const ack = [...leave, send('ack'), toTU('final')];
  if (ctx.timers.D === 0) return { state: TERMINATED, actions: [...ack, terminated] };
  return { state: COMPLETED, actions: [...ack, startTimer('D', ctx.timers.D)] };
}
