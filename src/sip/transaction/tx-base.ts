import { channel } from 'node:diagnostics_channel';
import type { Clock, TimerHandle } from '../../core/index.js';
import type { FsmContext, Transition, TxAction } from './fsm-types.js';
import type { TimerName } from './timers.js';

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
}

export type FsmFn<S, I> = (state: S, input: I, ctx: FsmContext) => Transition<S>;

/**
 * Runs one transaction FSM: keeps its state, performs its actions (timers here, sends and TU
 * callbacks in the subclass), and publishes each state change.
 */
export abstract class TxRunner<S extends { readonly name: string }, I extends { readonly type: string }> {
  readonly id: string;
  readonly kind: TxKind;
  readonly method: string;
  protected readonly ctx: FsmContext;
  protected readonly env: TxEnvironment;
  readonly #fsm: FsmFn<S, I>;
  #state: S;
  readonly #timers = new Map<TimerName, TimerHandle>();

  protected constructor(id: string, kind: TxKind, method: string, ctx: FsmContext, env: TxEnvironment, fsm: FsmFn<S, I>, initial: S) {
    this.id = id;
    this.kind = kind;
    this.method = method;
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
        this.#timers.get(action.timer)?.cancel();
        const name = action.timer;
        this.#timers.set(name, this.env.clock.setTimer(action.ms, () => {
          this.#timers.delete(name);
          this.input({ type: `timer${name}` } as unknown as I);
        }));
        return;
      }
      case 'cancelTimer':
        this.#timers.get(action.timer)?.cancel();
        this.#timers.delete(action.timer);
        return;
      case 'send':
        this.send(action.message);
        return;
      case 'toTU':
        this.toTU(action.event);
        return;
      case 'terminated':
        for (const t of this.#timers.values()) t.cancel();
        this.#timers.clear();
        this.env.terminated(this.id);
        return;
    }
  }

  protected abstract send(what: 'request' | 'ack' | 'response'): void;
  protected abstract toTU(event: Extract<TxAction, { type: 'toTU' }>['event']): void;

  /** Reports an exception thrown by TU code without letting it break the transaction. */
  protected guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.env.tuError(err, this.id);
    }
  }
}
