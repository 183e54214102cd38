import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TimerHandle } from '../../src/core/index.js';
import { CALL_START, callTransition, isConfirmed, type CallAction, type CallInput, type CallPlan, type CallState } from '../../src/edge/call/call-fsm.js';
import { DEFAULT_FAILOVER_CODES } from '../../src/edge/call/route.js';
import { FakeClock } from '../support/fake-clock.js';

/**
 * Drives the pure call FSM the way Call does: timers on a fake clock whose firing is the
 * next input, every action kept in order so a test reads what the call did.
 */
class Driver {
  readonly clock = new FakeClock();
  state: CallState = CALL_START;
  readonly actions: CallAction[] = [];
  #timer: TimerHandle | undefined;

  fire(input: CallInput): readonly CallAction[] {
    const t = callTransition(this.state, input);
    this.state = t.state;
    for (const a of t.actions) {
      this.actions.push(a);
      if (a.type === 'start-timer') {
        this.#timer?.cancel();
        const attempt = a.attempt;
        this.#timer = this.clock.setTimer(a.ms, () => void this.fire({ type: 'no-response', attempt }));
      } else if (a.type === 'cancel-timer') {
        this.#timer?.cancel();
        this.#timer = undefined;
      }
    }
    return t.actions;
  }

  /** The actions since the last call, without the timer bookkeeping. */
  take(): string[] {
    const out = this.actions.splice(0).filter((a) => a.type !== 'start-timer' && a.type !== 'cancel-timer');
    return out.map(describe);
  }

  get attempt(): number | undefined {
    return 'attempt' in this.state ? this.state.attempt : undefined;
  }
}

function describe(a: CallAction): string {
  switch (a.type) {
    case 'send-invite':
      return `send-invite#${a.attempt}→${a.target}`;
    case 'attempt-failed':
      return `attempt-failed:${a.outcome.kind === 'response' ? a.outcome.status : a.outcome.kind}${a.failover ? ':failover' : ''}`;
    case 'reject':
      return `reject:${a.cause}:${a.tried}`;
    case 'send-bye':
      return `send-bye→${a.to}`;
    case 'record-unanswered':
      return `record-unanswered:${a.by}`;
    default:
      return a.type;
  }
}

const plan = (n: number, noResponseMs = 2000, failoverCodes: readonly number[] = DEFAULT_FAILOVER_CODES): CallPlan => ({
  targets: Array.from({ length: n }, () => ({ noResponseMs })),
  failoverCodes,
});

function routed(n: number, noResponseMs = 2000): Driver {
  const d = new Driver();
  d.fire({ type: 'route', plan: plan(n, noResponseMs) });
  return d;
}

test('routing sends the INVITE to the first target and arms the no-response timer with that target\'s time', () => {
  const d = new Driver();
  const actions = d.fire({ type: 'route', plan: plan(2, 1500) });
  assert.deepEqual(actions.map((a) => a.type), ['start-timer', 'send-invite']);
  assert.deepEqual(actions[0], { type: 'start-timer', timer: 'no-response', attempt: 1, ms: 1500 });
  assert.equal(d.state.name, 'calling');
  assert.equal(d.clock.pendingTimers, 1);
});

test('a target that says nothing before its no-response time is left for the next; the last one ends in a timeout refusal', () => {
  const d = routed(2, 1000);
  d.take();
  d.clock.advance(999);
  assert.deepEqual(d.take(), [], 'nothing happens before the timer is due');
  d.clock.advance(1);
  assert.deepEqual(d.take(), ['attempt-failed:timeout:failover', 'send-invite#2→1']);
  d.clock.advance(1000);
  assert.deepEqual(d.take(), ['attempt-failed:timeout', 'reject:timeout:2', 'terminated']);
  assert.equal(d.state.name, 'terminated');
  assert.equal(d.clock.pendingTimers, 0);
});

test('100 Trying stops the no-response timer: the target is alive and only Timer B fails it over', () => {
  const d = routed(2, 1000);
  d.take();
  d.fire({ type: 'invite-1xx', attempt: 1, status: 100 });
  assert.equal(d.state.name, 'proceeding');
  assert.deepEqual(d.take(), [], '100 is not relayed');
  d.clock.advance(60_000);
  assert.deepEqual(d.take(), [], 'no failover while the target is proceeding');
  d.fire({ type: 'timer-b', attempt: 1 });
  assert.deepEqual(d.take(), ['attempt-failed:timeout:failover', 'send-invite#2→1']);
  assert.equal(d.state.name, 'calling');
});

test('a stale no-response firing after a provisional does nothing', () => {
  const d = routed(2);
  d.fire({ type: 'invite-1xx', attempt: 1, status: 180 });
  d.take();
  assert.deepEqual(d.fire({ type: 'no-response', attempt: 1 }), []);
  assert.equal(d.state.name, 'early');
});

test('ringing is relayed and makes the call early; the 2xx confirms it, is relayed once and later copies are only ACKed', () => {
  const d = routed(1);
  d.take();
  d.fire({ type: 'invite-1xx', attempt: 1, status: 180 });
  d.fire({ type: 'invite-1xx', attempt: 1, status: 183 });
  assert.equal(d.state.name, 'early');
  assert.deepEqual(d.take(), ['relay-provisional', 'relay-provisional']);
  d.fire({ type: 'invite-2xx', attempt: 1 });
  assert.ok(isConfirmed(d.state));
  assert.equal(d.clock.pendingTimers, 0);
  d.fire({ type: 'invite-2xx', attempt: 1 });
  assert.deepEqual(d.take(), ['relay-answer', 'ack']);
  // After the answer the INVITE transaction's later troubles are no longer the call's.
  d.fire({ type: 'timer-b', attempt: 1 });
  d.fire({ type: 'transport-error', attempt: 1 });
  d.fire({ type: 'invite-3xx-6xx', attempt: 1, status: 500 });
  d.fire({ type: 'invite-1xx', attempt: 1, status: 180 });
  assert.deepEqual(d.take(), []);
  assert.ok(isConfirmed(d.state));
});

test('a failover code moves to the next target; the last target\'s refusal is relayed as it is', () => {
  const d = routed(2);
  d.take();
  d.fire({ type: 'invite-3xx-6xx', attempt: 1, status: 503 });
  assert.deepEqual(d.take(), ['attempt-failed:503:failover', 'send-invite#2→1']);
  d.fire({ type: 'invite-3xx-6xx', attempt: 2, status: 503 });
  assert.deepEqual(d.take(), ['attempt-failed:503', 'relay-final', 'terminated']);
});

test('the callee\'s own answers (486, 603) and codes outside the failover list end the call with the first target', () => {
  for (const status of [486, 603, 404]) {
    const d = routed(3);
    d.take();
    d.fire({ type: 'invite-3xx-6xx', attempt: 1, status });
    assert.deepEqual(d.take(), [`attempt-failed:${status}`, 'relay-final', 'terminated'], String(status));
  }
  const custom = new Driver();
  custom.fire({ type: 'route', plan: plan(2, 2000, [404]) });
  custom.take();
  custom.fire({ type: 'invite-3xx-6xx', attempt: 1, status: 404 });
  assert.deepEqual(custom.take(), ['attempt-failed:404:failover', 'send-invite#2→1'], 'the trunk\'s own failover codes count');
});

test('a transport error fails over, and on the last target ends in the transport-error refusal', () => {
  const d = routed(2);
  d.take();
  d.fire({ type: 'transport-error', attempt: 1 });
  assert.deepEqual(d.take(), ['attempt-failed:transport-error:failover', 'send-invite#2→1']);
  d.fire({ type: 'transport-error', attempt: 2 });
  assert.deepEqual(d.take(), ['attempt-failed:transport-error', 'reject:transport-error:2', 'terminated']);
});

test('no target at all is refused as such', () => {
  const d = new Driver();
  d.fire({ type: 'route', plan: plan(0) });
  assert.deepEqual(d.take(), ['reject:no-target:0', 'terminated']);
  assert.equal(d.state.name, 'terminated');
});

test('an abandoned attempt is ignored except its 2xx, which is accepted and ended with BYE', () => {
  const d = routed(2, 500);
  d.clock.advance(500);
  assert.equal(d.attempt, 2);
  d.take();
  d.fire({ type: 'invite-1xx', attempt: 1, status: 180 });
  d.fire({ type: 'invite-3xx-6xx', attempt: 1, status: 503 });
  d.fire({ type: 'timer-b', attempt: 1 });
  assert.deepEqual(d.take(), [], 'attempt 1 no longer counts');
  assert.equal(d.state.name, 'calling');
  d.fire({ type: 'invite-2xx', attempt: 1 });
  assert.deepEqual(d.take(), ['ack-and-bye']);
  assert.equal(d.attempt, 2, 'the live attempt is untouched');
  d.fire({ type: 'invite-2xx', attempt: 2 });
  d.fire({ type: 'invite-2xx', attempt: 1 });
  assert.deepEqual(d.take(), ['relay-answer', 'ack-and-bye'], 'also after the answer of another attempt');
});

test('CANCEL before the answer: 487 to the caller, CANCEL on the pending INVITE, and a 2xx that wins the race is ended', () => {
  for (const before of [[], [{ type: 'invite-1xx', attempt: 1, status: 100 }], [{ type: 'invite-1xx', attempt: 1, status: 180 }]] as CallInput[][]) {
    const d = routed(2);
    for (const i of before) d.fire(i);
    d.take();
    d.fire({ type: 'cancel' });
    assert.deepEqual(d.take(), ['respond-487', 'cancel-invite', 'terminated']);
    assert.equal(d.clock.pendingTimers, 0, 'no failover after a CANCEL');
    d.clock.advance(60_000);
    d.fire({ type: 'invite-2xx', attempt: 1 });
    assert.deepEqual(d.take(), ['ack-and-bye']);
    d.fire({ type: 'cancel' });
    assert.deepEqual(d.take(), [], 'a retransmitted CANCEL changes nothing');
  }
});

test('CANCEL during admission is answered 487 and the routing that follows does nothing', () => {
  const d = new Driver();
  d.fire({ type: 'cancel' });
  assert.deepEqual(d.take(), ['respond-487', 'terminated'], 'no INVITE is pending to cancel');
  d.fire({ type: 'route', plan: plan(1) });
  assert.deepEqual(d.take(), []);
  assert.equal(d.clock.pendingTimers, 0);
});

test('CANCEL after the answer has no effect on the call (RFC 3261 §9.2)', () => {
  const d = routed(1);
  d.fire({ type: 'invite-2xx', attempt: 1 });
  d.take();
  assert.deepEqual(d.fire({ type: 'cancel' }), []);
  assert.ok(isConfirmed(d.state));
});

test('BYE from either leg of an answered call is passed to the other and ends the call', () => {
  for (const from of ['a', 'b'] as const) {
    const d = routed(1);
    d.fire({ type: 'invite-2xx', attempt: 1 });
    d.take();
    d.fire({ type: 'bye', from });
    assert.deepEqual(d.take(), [`send-bye→${from === 'a' ? 'b' : 'a'}`, 'terminated']);
    d.fire({ type: 'bye', from });
    assert.deepEqual(d.take(), [], 'a retransmitted BYE after the end does nothing');
  }
});

test('BYE before the answer: the callee\'s ends the caller\'s early dialog; both are recorded as unanswered', () => {
  const d = routed(1);
  d.fire({ type: 'invite-1xx', attempt: 1, status: 183 });
  d.take();
  d.fire({ type: 'bye', from: 'b' });
  assert.deepEqual(d.take(), ['send-bye→a', 'record-unanswered:b', 'terminated']);
  const early = new Driver();
  early.fire({ type: 'bye', from: 'a' });
  assert.deepEqual(early.take(), ['record-unanswered:a', 'terminated']);
});

test('no ACK for the answer and the edge\'s own hang-up (RTP timeout) send BYE on both legs once', () => {
  for (const type of ['no-ack', 'hang-up'] as const) {
    const d = routed(1);
    d.fire({ type: 'invite-2xx', attempt: 1 });
    d.take();
    d.fire({ type });
    assert.deepEqual(d.take(), ['bye-both', 'terminated']);
    d.fire({ type });
    d.fire({ type: 'bye', from: 'b' });
    assert.deepEqual(d.take(), []);
  }
});

test('the edge\'s refusal ends a call being admitted or routed, but never one already answered', () => {
  const admitting = new Driver();
  admitting.fire({ type: 'refuse' });
  assert.deepEqual(admitting.take(), ['send-refusal', 'terminated']);
  const calling = routed(2);
  calling.take();
  calling.fire({ type: 'refuse' });
  assert.deepEqual(calling.take(), ['send-refusal', 'cancel-invite', 'terminated'], 'the pending carrier INVITE is cancelled');
  assert.equal(calling.clock.pendingTimers, 0);
  const answered = routed(1);
  answered.fire({ type: 'invite-2xx', attempt: 1 });
  answered.take();
  assert.deepEqual(answered.fire({ type: 'refuse' }), []);
});

const INPUTS: readonly CallInput[] = [
  { type: 'route', plan: plan(2) },
  { type: 'invite-1xx', attempt: 1, status: 100 },
  { type: 'invite-1xx', attempt: 1, status: 180 },
  { type: 'invite-2xx', attempt: 1 },
  { type: 'invite-2xx', attempt: 9 },
  { type: 'invite-3xx-6xx', attempt: 1, status: 503 },
  { type: 'invite-3xx-6xx', attempt: 1, status: 486 },
  { type: 'no-response', attempt: 1 },
  { type: 'timer-b', attempt: 1 },
  { type: 'transport-error', attempt: 1 },
  { type: 'cancel' },
  { type: 'bye', from: 'a' },
  { type: 'bye', from: 'b' },
  { type: 'no-ack' },
  { type: 'hang-up' },
  { type: 'refuse' },
];

const STATES: readonly CallState[] = [
  CALL_START,
  { name: 'calling', plan: plan(2), attempt: 1, target: 0 },
  { name: 'proceeding', plan: plan(2), attempt: 1, target: 0 },
  { name: 'early', plan: plan(2), attempt: 1, target: 0 },
  { name: 'calling', plan: plan(2), attempt: 2, target: 1 },
  { name: 'confirmed', attempt: 1 },
  { name: 'terminated' },
];

test('every state × every input: terminating cancels the timer and ends exactly once; terminated only answers a 2xx', () => {
  for (const state of STATES) {
    for (const input of INPUTS) {
      const t = callTransition(state, input);
      const label = `${state.name}${'attempt' in state ? `#${state.attempt}` : ''} + ${JSON.stringify(input)}`;
      const ends = t.actions.filter((a) => a.type === 'terminated').length;
      if (state.name === 'terminated') {
        assert.equal(t.state, state, label);
        assert.deepEqual(t.actions.map((a) => a.type), input.type === 'invite-2xx' ? ['ack-and-bye'] : [], label);
        continue;
      }
      assert.equal(ends, t.state.name === 'terminated' ? 1 : 0, label);
      if (ends) {
        assert.equal(t.actions[t.actions.length - 1].type, 'terminated', `${label}: terminated is the last action`);
        assert.ok(t.actions.some((a) => a.type === 'cancel-timer'), `${label}: no timer outlives the call`);
      }
      const sends = t.actions.findIndex((a) => a.type === 'send-invite');
      if (sends >= 0) assert.equal(sends, t.actions.length - 1, `${label}: sending may fail at once, so it goes last`);
    }
  }
});

test('the caller\'s BYE before the answer cancels the carrier\'s pending INVITE; a 2xx that still wins is ACKed and ended', () => {
  const d = routed(1);
  d.fire({ type: 'invite-1xx', attempt: 1, status: 180 });
  d.take();
  d.fire({ type: 'bye', from: 'a' });
  assert.deepEqual(d.take(), ['cancel-invite', 'record-unanswered:a', 'terminated']);
  d.fire({ type: 'invite-2xx', attempt: 1 });
  assert.deepEqual(d.take(), ['ack-and-bye']);
});

