import type { CallSide } from '../ports/media-anchor.js';
import { shouldFailover, type AttemptOutcome } from './route.js';

/**
 * The life of one call through the B2BUA as a pure transition function, in the habit of
 * sip/transaction's FSMs: a state and an input named for what arrived (a response to the
 * INVITE on the callee leg, CANCEL or BYE, a timer) give the next state and a list of
 * actions. `Call` performs the actions (messages, timers, the record); no I/O here.
 *
 * Leg `a` is the caller's (the edge is its UAS), leg `b` the callee's (the edge is its UAC),
 * tried target by target. Every input from leg b names the attempt it belongs to, so a
 * response or timer of an attempt the call gave up on is told apart from the live one.
 */

/** What routing was given once admission passed: one entry per target, in order. */
export interface CallPlan {
  readonly targets: readonly { readonly noResponseMs: number }[];
  readonly failoverCodes: readonly number[];
}

export type CallState =
  /** The caller's INVITE is being admitted (identity, limits, number); no target tried yet. */
  | { readonly name: 'admitting' }
  /** INVITE sent to target `target`; nothing heard yet, the edge's no-response timer runs. */
  | { readonly name: 'calling'; readonly plan: CallPlan; readonly attempt: number; readonly target: number }
  /** 100 Trying heard: the target is alive, the timer is off, nothing relayed yet. */
  | { readonly name: 'proceeding'; readonly plan: CallPlan; readonly attempt: number; readonly target: number }
  /** A 1xx beyond 100 was relayed to the caller (ringing, early media): a's early dialog exists. */
  | { readonly name: 'early'; readonly plan: CallPlan; readonly attempt: number; readonly target: number }
  /** The 2xx of `attempt` was relayed; the call is up until a BYE or the edge hangs up. */
  | { readonly name: 'confirmed'; readonly attempt: number }
  | { readonly name: 'terminated' };

export type CallInput =
  /** Admission passed: try the plan's targets in order. */
  | { readonly type: 'route'; readonly plan: CallPlan }
  /** A response to the INVITE of attempt `attempt` on leg b (RFC 3261 §13.2.2). */
  | { readonly type: 'invite-1xx'; readonly attempt: number; readonly status: number }
  | { readonly type: 'invite-2xx'; readonly attempt: number }
  | { readonly type: 'invite-3xx-6xx'; readonly attempt: number; readonly status: number }
  /** The edge's own no-response timer (shorter than Timer B) for the attempt. */
  | { readonly type: 'no-response'; readonly attempt: number }
  /** The INVITE client transaction's Timer B fired (RFC 3261 §17.1.1.2). */
  | { readonly type: 'timer-b'; readonly attempt: number }
  | { readonly type: 'transport-error'; readonly attempt: number }
  /** CANCEL from the caller (RFC 3261 §9.2). */
  | { readonly type: 'cancel' }
  | { readonly type: 'bye'; readonly from: CallSide }
  /** No ACK for a 2xx sent to the caller within 64·T1 (RFC 3261 §13.3.1.4). */
  | { readonly type: 'no-ack' }
  /** The edge ends the call itself: RTP timeout, shutdown. */
  | { readonly type: 'hang-up' }
  /** The edge refuses the call itself: admission, media anchoring. */
  | { readonly type: 'refuse' };

export type CallAction =
  | { readonly type: 'start-timer'; readonly timer: 'no-response'; readonly attempt: number; readonly ms: number }
  | { readonly type: 'cancel-timer'; readonly timer: 'no-response' }
  /** Build leg b for target `target` and send it the INVITE. */
  | { readonly type: 'send-invite'; readonly attempt: number; readonly target: number }
  /** The attempt ended without an answer (recorded before failing over or giving up). */
  | { readonly type: 'attempt-failed'; readonly outcome: AttemptOutcome; readonly failover: boolean }
  | { readonly type: 'relay-provisional' }
  /** ACK a 2xx of the answered attempt again (a retransmission, RFC 3261 §13.2.2.4). */
  | { readonly type: 'ack' }
  /** ACK the 2xx, record the answer and relay it to the caller. */
  | { readonly type: 'relay-answer' }
  /** A 2xx for an attempt the call no longer wants: accept it and end it at once (RFC 3261 §15). */
  | { readonly type: 'ack-and-bye' }
  /** The callee's final refusal goes to the caller. */
  | { readonly type: 'relay-final' }
  /** No target answered: the edge's own refusal for how the last attempt ended. */
  | { readonly type: 'reject'; readonly cause: 'no-target' | 'timeout' | 'transport-error'; readonly tried: number }
  /** The refusal the edge chose (the input `refuse`) goes to the caller. */
  | { readonly type: 'send-refusal' }
  /** CANCEL the pending INVITE on leg b (the transaction sends it once a provisional arrived, §9.1). */
  | { readonly type: 'cancel-invite' }
  | { readonly type: 'respond-487' }
  | { readonly type: 'send-bye'; readonly to: CallSide }
  /** BYE on both legs that have a dialog, with the edge's reason. */
  | { readonly type: 'bye-both' }
  /** Record the call as ended before its answer by a BYE (487, as a CANCEL would). */
  | { readonly type: 'record-unanswered'; readonly by: CallSide }
  | { readonly type: 'terminated' };

export interface CallTransition {
  readonly state: CallState;
  readonly actions: readonly CallAction[];
}

export const CALL_START: CallState = Object.freeze({ name: 'admitting' });
const TERMINATED: CallState = Object.freeze({ name: 'terminated' });
const CANCEL_TIMER: CallAction = Object.freeze({ type: 'cancel-timer', timer: 'no-response' });
const END: CallAction = Object.freeze({ type: 'terminated' });

type Routing = Extract<CallState, { name: 'calling' | 'proceeding' | 'early' }>;

function isRouting(state: CallState): state is Routing {
  return state.name === 'calling' || state.name === 'proceeding' || state.name === 'early';
}

/** Whether the caller has been answered (the call counts as live). */
export function isConfirmed(state: CallState): boolean {
  return state.name === 'confirmed';
}

export function callTransition(state: CallState, input: CallInput): CallTransition {
  const stay: CallTransition = { state, actions: [] };
  switch (input.type) {
    case 'route':
      if (state.name !== 'admitting') return stay;
      return tryTarget(input.plan, 0, 1, []);
    case 'invite-1xx':
    case 'invite-2xx':
    case 'invite-3xx-6xx':
    case 'no-response':
    case 'timer-b':
    case 'transport-error':
      return fromCallee(state, input);
    case 'cancel':
      // RFC 3261 §9.2: once answered the CANCEL has no effect on the call (its 200 is the transaction's).
      if (state.name === 'confirmed' || state.name === 'terminated') return stay;
      return { state: TERMINATED, actions: [CANCEL_TIMER, { type: 'respond-487' }, ...(isRouting(state) ? [{ type: 'cancel-invite' } as const] : []), END] };
    case 'bye': {
      if (state.name === 'terminated') return stay;
      const other: CallSide = input.from === 'a' ? 'b' : 'a';
      const answered = state.name === 'confirmed';
      // Before the answer only the callee's BYE (of its early dialog) is passed on; the caller has no b dialog yet.
      const bye = answered || input.from === 'b' ? [{ type: 'send-bye', to: other } as const] : [];
      // The caller's BYE of its early dialog (RFC 3261 §15) ends the call as a CANCEL would: the
      // carrier's pending INVITE is cancelled, not left ringing until its 2xx is ACKed and BYEd.
      const cancel = input.from === 'a' && isRouting(state) ? [{ type: 'cancel-invite' } as const] : [];
      const unanswered = answered ? [] : [{ type: 'record-unanswered', by: input.from } as const];
      return { state: TERMINATED, actions: [CANCEL_TIMER, ...bye, ...cancel, ...unanswered, END] };
    }
    case 'no-ack':
    case 'hang-up':
      if (state.name === 'terminated') return stay;
      return { state: TERMINATED, actions: [CANCEL_TIMER, { type: 'bye-both' }, END] };
    case 'refuse':
      // A final response after the 2xx is not possible (RFC 3261 §13.3.1.4): an answered call is hung up instead.
      if (state.name === 'confirmed' || state.name === 'terminated') return stay;
      // Refused while a carrier attempt is pending (overload at shutdown): that INVITE is cancelled too.
      return { state: TERMINATED, actions: [CANCEL_TIMER, { type: 'send-refusal' }, ...(isRouting(state) ? [{ type: 'cancel-invite' } as const] : []), END] };
  }
}

type CalleeInput = Extract<CallInput, { attempt: number }>;

function fromCallee(state: CallState, input: CalleeInput): CallTransition {
  const stay: CallTransition = { state, actions: [] };
  const live = (isRouting(state) || state.name === 'confirmed') && state.attempt === input.attempt;
  if (!live) {
    // An abandoned attempt (failed over, cancelled, or the call ended): only its 2xx needs an answer.
    return input.type === 'invite-2xx' ? { state, actions: [{ type: 'ack-and-bye' }] } : stay;
  }
  if (state.name === 'confirmed') return input.type === 'invite-2xx' ? { state, actions: [{ type: 'ack' }] } : stay;
  if (!isRouting(state)) return stay;
  switch (input.type) {
    case 'invite-1xx':
      if (input.status === 100) return { state: state.name === 'calling' ? { ...state, name: 'proceeding' } : state, actions: [CANCEL_TIMER] };
      return { state: { ...state, name: 'early' }, actions: [CANCEL_TIMER, { type: 'relay-provisional' }] };
    case 'invite-2xx':
      return { state: { name: 'confirmed', attempt: state.attempt }, actions: [CANCEL_TIMER, { type: 'relay-answer' }] };
    case 'invite-3xx-6xx':
      return attemptFailed(state, { kind: 'response', status: input.status });
    case 'no-response':
      // The edge's own timer only counts while the target has said nothing at all.
      if (state.name !== 'calling') return stay;
      return attemptFailed(state, { kind: 'timeout' });
    case 'timer-b':
      return attemptFailed(state, { kind: 'timeout' });
    case 'transport-error':
      return attemptFailed(state, { kind: 'transport-error' });
  }
}

function attemptFailed(state: Routing, outcome: AttemptOutcome): CallTransition {
  const next = state.target + 1;
  const failover = shouldFailover(outcome, state.plan.failoverCodes) && next < state.plan.targets.length;
  const failed: CallAction = { type: 'attempt-failed', outcome, failover };
  if (failover) return tryTarget(state.plan, next, state.attempt + 1, [CANCEL_TIMER, failed]);
  if (outcome.kind === 'response') return { state: TERMINATED, actions: [CANCEL_TIMER, failed, { type: 'relay-final' }, END] };
  return { state: TERMINATED, actions: [CANCEL_TIMER, failed, { type: 'reject', cause: outcome.kind, tried: state.plan.targets.length }, END] };
}

function tryTarget(plan: CallPlan, target: number, attempt: number, before: readonly CallAction[]): CallTransition {
  const t = plan.targets[target];
  if (!t) return { state: TERMINATED, actions: [...before, { type: 'reject', cause: 'no-target', tried: 0 }, END] };
  return {
    state: { name: 'calling', plan, attempt, target },
    // send-invite goes last: sending may report a transport error at once, which is the next input.
    actions: [...before, { type: 'start-timer', timer: 'no-response', attempt, ms: t.noResponseMs }, { type: 'send-invite', attempt, target }],
  };
}
