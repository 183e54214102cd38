import { channel } from 'node:diagnostics_channel';
import { TrunklineError, type Clock, type TimerHandle } from '../../core/index.js';
import type { SipTransactionErrorCode } from './errors.js';
import type { FsmContext, Transition, TxAction } from './fsm-types.js';
import type { TimerName } from './timers.js';
import type { Lingering, LingerQueue } from './linger-queue.js';
import { internMethod } from './keys.js';

export type TxKind = 'ict' | 'nict' | 'ist' | 'nist';

/** What `trunkline:tx:state` carries (CONVENTIONS §10), once per state change. */
export interface TxStateEvent {
  readonly id: string;
  readonly kind: TxKind;
  readonly method: string;
  readonly from: string;
  readonly to: string;
  /** The RFC's name of the input that caused the change (timerB, response, tuResponse, …). */
  readonly input: string;
  readonly at: number;
}

export const txStateChannel = channel('trunkline:tx:state');

export interface TxEnvironment {
  readonly clock: Clock;
  terminated(id: string): void;
  /** A TU callback threw: reported, never allowed to break the transaction or the process. */
  tuError(error: unknown, id: string): void;
  /** Where the wait timers (WAIT_TIMERS) run; without it they are clock timers like the rest. */
  readonly lingers?: LingerQueue;
}

/**
 * The timers a transaction runs once it only absorbs retransmissions, each the last of its life
 * (its expiry ends the transaction) and of a fixed length: D, I, J, K (RFC 3261 §17), L, M (RFC
 * 6026). They go to the layer's LingerQueue.
 */
const WAIT_TIMERS: ReadonlySet<TimerName> = new Set<TimerName>(['D', 'I', 'J', 'K', 'L', 'M']);

interface RunningTimer {
  readonly name: TimerName;
  readonly handle: TimerHandle;
}
const NO_TIMERS: readonly RunningTimer[] = Object.freeze([]);

function without(timers: readonly RunningTimer[], name: TimerName): readonly RunningTimer[] {
  if (timers.length === 1) return timers[0].name === name ? NO_TIMERS : timers;
  if (timers.length === 2) return timers[0].name === name ? [timers[1]] : timers[1].name === name ? [timers[0]] : timers;
  return timers.filter((t) => t.name !== name);
}

export type FsmFn<S, I> = (state: S, input: I, ctx: FsmContext) => Transition<S>;

/**
 * Runs one transaction FSM: keeps its state, performs its actions (timers here, sends and TU
 * callbacks in the subclass), and publishes each state change.
 */
export abstract class TxRunner<S extends { readonly name: string }, I extends { readonly type: string }> implements Lingering {
  readonly id: string;
  readonly kind: TxKind;
  readonly method: string;
  protected readonly ctx: FsmContext;
  protected readonly env: TxEnvironment;
  readonly #fsm: FsmFn<S, I>;
  #state: S;
  /**
   * The running timers: one or two at a time, in an array of exactly that size. A Map here was
   * ~220 bytes that every lingering transaction (one timer, up to 32 s) held (issue 13).
   */
  #timers: readonly RunningTimer[] = NO_TIMERS;
  /** The wait timer queued in env.lingers, if one runs, and the due time it was queued for. */
  #waitTimer: TimerName | undefined;
  #waitDue = 0;

  protected constructor(id: string, kind: TxKind, method: string, ctx: FsmContext, env: TxEnvironment, fsm: FsmFn<S, I>, initial: S) {
    this.id = id;
    this.kind = kind;
    this.method = internMethod(method);
    this.ctx = ctx;
    this.env = env;
    this.#fsm = fsm;
    this.#state = initial;
  }

  get state(): S['name'] {
    return this.#state.name;
  }

  protected input(input: I): void {
    this.apply(this.#fsm(this.#state, input, this.ctx), input.type);
  }

  protected apply(transition: Transition<S>, inputName: string): void {
    const before = this.#state.name;
    this.#state = transition.state;
    if (before !== transition.state.name && txStateChannel.hasSubscribers) {
      const event: TxStateEvent = { id: this.id, kind: this.kind, method: this.method, from: before, to: transition.state.name, input: inputName, at: this.env.clock.now() };
      txStateChannel.publish(event);
    }
    for (const action of transition.actions) this.#perform(action);
  }

  #perform(action: TxAction): void {
    switch (action.type) {
      case 'startTimer': {
        const name = action.timer;
        this.#stopTimer(name);
        const lingers = this.env.lingers;
        if (lingers !== undefined && WAIT_TIMERS.has(name)) {
          this.#waitTimer = name;
          this.#waitDue = lingers.add(this, action.ms);
          return;
        }
        const handle = this.env.clock.setTimer(action.ms, () => {
          this.#timers = without(this.#timers, name);
          this.input({ type: `timer${name}` } as unknown as I);
        });
        const t = this.#timers;
        // Array literals of the exact size: spread and filter leave room to grow.
        this.#timers = t.length === 0 ? [{ name, handle }] : t.length === 1 ? [t[0], { name, handle }] : [...t, { name, handle }];
        return;
      }
      case 'cancelTimer':
        this.#stopTimer(action.timer);
        return;
      case 'send':
        this.send(action.message);
        return;
      case 'toTU':
        this.toTU(action.event);
        return;
      case 'terminated':
        for (const t of this.#timers) t.handle.cancel();
        this.#timers = NO_TIMERS;
        this.#waitTimer = undefined;
        this.env.terminated(this.id);
        return;
    }
  }

  /** From env.lingers: a wait timer is due; ignored unless it is the one still running. */
  lingerExpired(due: number): void {
    const name = this.#waitTimer;
    if (name === undefined || due !== this.#waitDue) return;
    this.#waitTimer = undefined;
    this.input({ type: `timer${name}` } as unknown as I);
  }

  #stopTimer(name: TimerName): void {
    if (this.#waitTimer === name) {
      this.#waitTimer = undefined;
      return;
    }
    const running = this.#timers.find((t) => t.name === name);
    if (!running) return;
    running.handle.cancel();
    this.#timers = without(this.#timers, name);
  }

  protected abstract send(what: 'request' | 'ack' | 'response'): void;
  protected abstract toTU(event: Extract<TxAction, { type: 'toTU' }>['event']): void;

  /** What reading `request` throws once the transaction has let go of it (see the subclasses). */
  protected released(): TrunklineError<SipTransactionErrorCode> {
    return new TrunklineError<SipTransactionErrorCode>('SIP_TX_RELEASED', `${this.method} transaction ${this.id} is past its final response (${this.state}) and no longer holds its request; keep what is needed from it before then`, { details: { method: this.method, state: this.state } });
  }

  /** Reports an exception thrown by TU code without letting it break the transaction. */
  protected guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.env.tuError(err, this.id);
    }
  }
}
