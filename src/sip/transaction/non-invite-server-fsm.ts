import { send, startTimer, statusClass, terminated, toTU, type FsmContext, type Transition } from './fsm-types.js';

/** RFC 3261 §17.2.2 non-INVITE server transaction (Figure 8). */
export type NistState =
  | { readonly name: 'trying' }
  | { readonly name: 'proceeding' }
  | { readonly name: 'completed' }
  | { readonly name: 'terminated' };

export type NistInput =
  | { readonly type: 'request' }
  | { readonly type: 'tuResponse'; readonly status: number }
  | { readonly type: 'timerJ' }
  | { readonly type: 'transportError' };

// States without data are shared: a transaction holds its state for as long as it lingers.
const TERMINATED: NistState = { name: 'terminated' };
const TRYING: NistState = { name: 'trying' };
const PROCEEDING: NistState = { name: 'proceeding' };
const COMPLETED: NistState = { name: 'completed' };

export function nistStart(): Transition<NistState> {
  return { state: TRYING, actions: [toTU('request')] };
}

export function nistTransition(state: NistState, input: NistInput, ctx: FsmContext): Transition<NistState> {
  const stay: Transition<NistState> = { state, actions: [] };
  if (state.name === 'terminated') return stay;
  if (input.type === 'transportError') return { state: TERMINATED, actions: [toTU('transportError'), terminated] };
  switch (state.name) {
    case 'trying':
    case 'proceeding':
      // RFC 3261 §17.2.2: a retransmission in Trying is discarded; in Proceeding the last
      // provisional response is sent again.
      if (input.type === 'request') return state.name === 'trying' ? stay : { state, actions: [send('response')] };
      if (input.type === 'tuResponse') {
        if (statusClass(input.status) === 'provisional') return { state: PROCEEDING, actions: [send('response')] };
        // Timer J is 64*T1 over UDP and zero over a reliable transport.
        if (ctx.timers.J === 0) return { state: TERMINATED, actions: [send('response'), terminated] };
        return { state: COMPLETED, actions: [send('response'), startTimer('J', ctx.timers.J)] };
      }
      return stay;
    case 'completed':
      if (input.type === 'request') return { state, actions: [send('response')] };
      if (input.type === 'timerJ') return { state: TERMINATED, actions: [terminated] };
      // RFC 3261 §17.2.2: further final responses from the TU are discarded.
      return stay;
  }
}
