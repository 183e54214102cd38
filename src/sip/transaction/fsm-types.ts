import type { TimerDurations, TimerName } from './timers.js';

/**
 * The vocabulary the four transaction FSMs share. A transition function takes a state and
 * an input named as RFC 3261 §17 names it and returns the next state and a list of actions;
 * the transaction layer performs the actions (sockets, timers, TU callbacks). No I/O here.
 */
export interface FsmContext {
  /** RFC 3261 §17.1.1.2: retransmission timers run over unreliable transports only. */
  readonly reliable: boolean;
  readonly timers: TimerDurations;
}

export type TuEvent = 'provisional' | 'final' | 'request' | 'ack' | 'timeout' | 'transportError';

export type TxAction =
  /** Client: (re)send the request or the ACK for a non-2xx; server: (re)send the latest response. */
  | { readonly type: 'send'; readonly message: 'request' | 'ack' | 'response' }
  | { readonly type: 'startTimer'; readonly timer: TimerName; readonly ms: number }
  | { readonly type: 'cancelTimer'; readonly timer: TimerName }
  /** Hand the current message (or the event) to the transaction user. */
  | { readonly type: 'toTU'; readonly event: TuEvent }
  | { readonly type: 'terminated' };

export interface Transition<S> {
  readonly state: S;
  readonly actions: readonly TxAction[];
}

export const send = (message: 'request' | 'ack' | 'response'): TxAction => ({ type: 'send', message });
export const startTimer = (timer: TimerName, ms: number): TxAction => ({ type: 'startTimer', timer, ms });
export const cancelTimer = (timer: TimerName): TxAction => ({ type: 'cancelTimer', timer });
export const toTU = (event: TuEvent): TxAction => ({ type: 'toTU', event });
export const terminated: TxAction = Object.freeze({ type: 'terminated' });

/** Responses are classified by status only; the FSMs never see a message. */
export type StatusClass = 'provisional' | 'success' | 'failure';
export function statusClass(status: number): StatusClass {
  return status < 200 ? 'provisional' : status < 300 ? 'success' : 'failure';
}
