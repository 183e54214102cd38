import { cancelTimer, send, startTimer, statusClass, terminated, toTU, type FsmContext, type Transition } from './fsm-types.js';

/** RFC 3261 §17.1.2 non-INVITE client transaction (Figure 6). */
export type NictState =
  | { readonly name: 'trying'; readonly timerEInterval: number }
  | { readonly name: 'proceeding' }
  | { readonly name: 'completed' }
  | { readonly name: 'terminated' };

export type NictInput =
  | { readonly type: 'response'; readonly status: number }
  | { readonly type: 'timerE' }
  | { readonly type: 'timerF' }
  | { readonly type: 'timerK' }
  | { readonly type: 'transportError' };

// States without data are shared: a transaction holds its state for as long as it lingers.
const TERMINATED: NictState = { name: 'terminated' };
const PROCEEDING: NictState = { name: 'proceeding' };
const COMPLETED: NictState = { name: 'completed' };

/** RFC 3261 §17.1.2.2: send the request; timer E over unreliable transports, timer F always. */
export function nictStart(ctx: FsmContext): Transition<NictState> {
  const { E, F } = ctx.timers;
  return {
    state: { name: 'trying', timerEInterval: E },
    actions: [send('request'), ...(ctx.reliable ? [] : [startTimer('E', E)]), startTimer('F', F)],
  };
}

export function nictTransition(state: NictState, input: NictInput, ctx: FsmContext): Transition<NictState> {
  const stay: Transition<NictState> = { state, actions: [] };
  if (state.name === 'terminated') return stay;
  if (input.type === 'transportError') return { state: TERMINATED, actions: [toTU('transportError'), terminated] };
  const { T2 } = ctx.timers;
  switch (state.name) {
    case 'trying':
    case 'proceeding':
      if (input.type === 'timerE') {
        // RFC 3261 §17.1.2.2: in Trying the interval doubles up to T2; in Proceeding it is T2.
        const next = state.name === 'trying' ? Math.min(2 * state.timerEInterval, T2) : T2;
        const nextState: NictState = state.name === 'trying' ? { name: 'trying', timerEInterval: next } : state;
        return { state: nextState, actions: [send('request'), startTimer('E', next)] };
      }
      if (input.type === 'timerF') return { state: TERMINATED, actions: [toTU('timeout'), terminated] };
      if (input.type === 'response') {
        if (statusClass(input.status) === 'provisional') return { state: PROCEEDING, actions: [toTU('provisional')] };
        const leave = [cancelTimer('E'), cancelTimer('F'), toTU('final')];
        // RFC 3261 §17.1.2.2: timer K is T4 over UDP and zero over a reliable transport.
        if (ctx.timers.K === 0) return { state: TERMINATED, actions: [...leave, terminated] };
        return { state: COMPLETED, actions: [...leave, startTimer('K', ctx.timers.K)] };
      }
      return stay;
    case 'completed':
      // Retransmitted responses are absorbed here.
      if (input.type === 'timerK') return { state: TERMINATED, actions: [terminated] };
      return stay;
  }
}
