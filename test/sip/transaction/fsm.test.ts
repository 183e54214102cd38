import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timerDurations, RFC3261_TIMERS } from '../../../src/sip/transaction/timers.js';
import type { FsmContext, Transition, TxAction } from '../../../src/sip/transaction/fsm-types.js';
import { ictStart, ictTransition, type IctInput, type IctState } from '../../../src/sip/transaction/invite-client-fsm.js';
import { nictStart, nictTransition, type NictInput, type NictState } from '../../../src/sip/transaction/non-invite-client-fsm.js';
import { istStart, istTransition, type IstInput, type IstState } from '../../../src/sip/transaction/invite-server-fsm.js';
import { nistStart, nistTransition, type NistInput, type NistState } from '../../../src/sip/transaction/non-invite-server-fsm.js';

const udp: FsmContext = { reliable: false, timers: timerDurations(RFC3261_TIMERS, false) };
const tcp: FsmContext = { reliable: true, timers: timerDurations(RFC3261_TIMERS, true) };

function run<S, I>(start: Transition<S>, fn: (s: S, i: I, c: FsmContext) => Transition<S>, inputs: I[], ctx: FsmContext) {
  let state = start.state;
  const log: (readonly TxAction[])[] = [start.actions];
  for (const input of inputs) {
    const t = fn(state, input, ctx);
    state = t.state;
    log.push([...t.actions]);
  }
  return { state, log };
}

const timersStarted = (actions: readonly TxAction[]) => actions.flatMap((a) => (a.type === 'startTimer' ? [`${a.timer}=${a.ms}`] : []));

test('timers are derived from T1, T2 and T4 as RFC 3261 Table 4 says', () => {
  const t = timerDurations({ T1: 100, T2: 400, T4: 500 }, false);
  assert.deepEqual([t.A, t.B, t.E, t.F, t.G, t.H, t.I, t.J, t.K], [100, 6400, 100, 6400, 100, 6400, 500, 6400, 500]);
  assert.equal(t.D, 32_000);
  const r = timerDurations({ T1: 100, T2: 400, T4: 500 }, true);
  assert.deepEqual([r.D, r.I, r.J, r.K], [0, 0, 0, 0]);
  assert.throws(() => timerDurations({ T1: 0, T2: 4000, T4: 5000 }, false), RangeError);
});

test('INVITE client transaction retransmits with timer A doubling and times out with timer B over UDP', () => {
  const start = ictStart(udp);
  assert.deepEqual(timersStarted(start.actions), ['A=500', 'B=32000']);
  const { state, log } = run<IctState, IctInput>(start, ictTransition, [{ type: 'timerA' }, { type: 'timerA' }, { type: 'timerB' }], udp);
  assert.deepEqual(timersStarted(log[1]), ['A=1000']);
  assert.deepEqual(timersStarted(log[2]), ['A=2000']);
  assert.ok(log[2].some((a) => a.type === 'send' && a.message === 'request'));
  assert.deepEqual(log[3], [{ type: 'toTU', event: 'timeout' }, { type: 'terminated' }]);
  assert.equal(state.name, 'terminated');
});

test('INVITE client transaction does not retransmit over a reliable transport', () => {
  assert.deepEqual(timersStarted(ictStart(tcp).actions), ['B=32000']);
});

test('INVITE client transaction MUST send ACK for a non-2xx final response and absorb retransmissions', () => {
  const { state, log } = run<IctState, IctInput>(ictStart(udp), ictTransition, [
    { type: 'response', status: 180 }, { type: 'response', status: 486 }, { type: 'response', status: 486 }, { type: 'timerD' },
  ], udp);
  assert.ok(log[1].some((a) => a.type === 'toTU' && a.event === 'provisional'));
  assert.ok(log[2].some((a) => a.type === 'send' && a.message === 'ack'));
  assert.ok(log[2].some((a) => a.type === 'toTU' && a.event === 'final'));
  assert.deepEqual(log[3], [{ type: 'send', message: 'ack' }]);
  assert.deepEqual(log[4], [{ type: 'terminated' }]);
  assert.equal(state.name, 'terminated');
});

test('INVITE client transaction passes every 2xx to the TU in the Accepted state (RFC 6026)', () => {
  const { state, log } = run<IctState, IctInput>(ictStart(udp), ictTransition, [
    { type: 'response', status: 200 }, { type: 'response', status: 200 }, { type: 'timerM' },
  ], udp);
  assert.ok(!log[1].some((a) => a.type === 'send'));
  assert.deepEqual(log[2], [{ type: 'toTU', event: 'final' }]);
  assert.equal(state.name, 'terminated');
});

test('a transport error is reported to the TU and ends the client transaction', () => {
  const { state, log } = run<IctState, IctInput>(ictStart(udp), ictTransition, [{ type: 'transportError' }], udp);
  assert.deepEqual(log[1], [{ type: 'toTU', event: 'transportError' }, { type: 'terminated' }]);
  assert.equal(state.name, 'terminated');
});

test('non-INVITE client transaction doubles timer E up to T2, then uses T2 in Proceeding', () => {
  const ctx: FsmContext = { reliable: false, timers: timerDurations({ T1: 500, T2: 1500, T4: 5000 }, false) };
  const { log } = run<NictState, NictInput>(nictStart(ctx), nictTransition, [
    { type: 'timerE' }, { type: 'timerE' }, { type: 'timerE' }, { type: 'response', status: 100 }, { type: 'timerE' },
  ], ctx);
  assert.deepEqual([1, 2, 3, 5].map((i) => timersStarted(log[i])[0]), ['E=1000', 'E=1500', 'E=1500', 'E=1500']);
});

test('non-INVITE client transaction reports timer F as a timeout', () => {
  const { log } = run<NictState, NictInput>(nictStart(udp), nictTransition, [{ type: 'timerF' }], udp);
  assert.deepEqual(log[1], [{ type: 'toTU', event: 'timeout' }, { type: 'terminated' }]);
});

test('non-INVITE client transaction waits timer K over UDP and ends at once over TCP', () => {
  const u = run<NictState, NictInput>(nictStart(udp), nictTransition, [{ type: 'response', status: 200 }, { type: 'response', status: 200 }, { type: 'timerK' }], udp);
  assert.deepEqual(timersStarted(u.log[1]), ['K=5000']);
  assert.deepEqual(u.log[2], []);
  assert.equal(u.state.name, 'terminated');
  const r = run<NictState, NictInput>(nictStart(tcp), nictTransition, [{ type: 'response', status: 200 }], tcp);
  assert.equal(r.state.name, 'terminated');
});

test('INVITE server transaction resends the last provisional response on a retransmitted INVITE', () => {
  const { log } = run<IstState, IstInput>(istStart(), istTransition, [{ type: 'tuResponse', status: 100 }, { type: 'request' }], udp);
  assert.deepEqual(log[0], [{ type: 'toTU', event: 'request' }]);
  assert.deepEqual(log[2], [{ type: 'send', message: 'response' }]);
});

test('INVITE server transaction retransmits a non-2xx final with timer G until the ACK, which it absorbs', () => {
  const { state, log } = run<IstState, IstInput>(istStart(), istTransition, [
    { type: 'tuResponse', status: 486 }, { type: 'timerG' }, { type: 'timerG' }, { type: 'timerG' }, { type: 'timerG' }, { type: 'ack' }, { type: 'ack' }, { type: 'timerI' },
  ], udp);
  assert.deepEqual(timersStarted(log[1]), ['G=500', 'H=32000']);
  assert.deepEqual([2, 3, 4, 5].map((i) => timersStarted(log[i])[0]), ['G=1000', 'G=2000', 'G=4000', 'G=4000']);
  assert.ok(!log[6].some((a) => a.type === 'toTU'));
  assert.deepEqual(timersStarted(log[6]), ['I=5000']);
  assert.deepEqual(log[7], []);
  assert.equal(state.name, 'terminated');
});

test('INVITE server transaction reports timer H (no ACK) to the TU', () => {
  const { log } = run<IstState, IstInput>(istStart(), istTransition, [{ type: 'tuResponse', status: 500 }, { type: 'timerH' }], tcp);
  assert.deepEqual(timersStarted(log[1]), ['H=32000']);
  assert.deepEqual(log[2], [{ type: 'toTU', event: 'timeout' }, { type: 'terminated' }]);
});

test('INVITE server transaction in Accepted absorbs INVITE retransmissions and sends 2xx retransmissions (RFC 6026)', () => {
  const { state, log } = run<IstState, IstInput>(istStart(), istTransition, [
    { type: 'tuResponse', status: 200 }, { type: 'request' }, { type: 'tuResponse', status: 200 }, { type: 'ack' }, { type: 'timerL' },
  ], udp);
  assert.deepEqual(log[2], []);
  assert.deepEqual(log[3], [{ type: 'send', message: 'response' }]);
  assert.deepEqual(log[4], [{ type: 'toTU', event: 'ack' }]);
  assert.equal(state.name, 'terminated');
});

test('non-INVITE server transaction discards retransmissions in Trying and resends the final in Completed', () => {
  const { state, log } = run<NistState, NistInput>(nistStart(), nistTransition, [
    { type: 'request' }, { type: 'tuResponse', status: 200 }, { type: 'request' }, { type: 'tuResponse', status: 500 }, { type: 'timerJ' },
  ], udp);
  assert.deepEqual(log[1], []);
  assert.deepEqual(timersStarted(log[2]), ['J=32000']);
  assert.deepEqual(log[3], [{ type: 'send', message: 'response' }]);
  assert.deepEqual(log[4], []);
  assert.equal(state.name, 'terminated');
});

test('non-INVITE server transaction over TCP ends as soon as the final response is sent (timer J = 0)', () => {
  const { state } = run<NistState, NistInput>(nistStart(), nistTransition, [{ type: 'tuResponse', status: 200 }], tcp);
  assert.equal(state.name, 'terminated');
});
