import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/core/index.js';
import type { Finding } from '../../src/diagnosis/index.js';
import { CallRecorder } from '../../src/edge/index.js';
import { FinalRecords } from '../../src/edge/record/final-records.js';
import type { CallRecord } from '../../src/store/index.js';
import { FakeClock } from '../support/fake-clock.js';

const finding = (id: string): Finding => ({ id, code: null, title: id, severity: 'info', fault_domain: 'edge', evidence: [], checks: [], fix: '' } as unknown as Finding);

function ended(sid: string): { record: CallRecord; recorder: CallRecorder } {
  const recorder = new CallRecorder(new FakeClock(Date.UTC(2026, 0, 1)), {
    callSid: sid, accountSid: 'AC', trunkSid: 'TK', direction: 'outbound', from: '+1', to: '+2', sourceAddress: '192.0.2.1:5060', transport: 'udp', sipCallId: `${sid}@pbx`,
  });
  recorder.fail(486, 'Busy Here', 'carrier');
  return { record: recorder.toRecord(), recorder };
}

test('a record diagnosed elsewhere is saved and observed with those findings; drain() waits for it', async () => {
  const saved: CallRecord[] = [];
  const observed: CallRecord[] = [];
  let answer!: (f: readonly Finding[]) => void;
  const finals = new FinalRecords({
    log: silentLogger,
    diagnose: () => [finding('here')],
    diagnoseElsewhere: () => new Promise((resolve) => (answer = resolve)),
    save: async (r) => void saved.push(r),
    ended: (r) => void observed.push(r),
  });
  const { record, recorder } = ended('CA1');
  finals.add(record, recorder);
  const drained = finals.drain();
  await new Promise((r) => setImmediate(r));
  assert.equal(saved.length, 0, 'not saved before its findings are back');
  answer([finding('elsewhere')]);
  await drained;
  assert.deepEqual(saved.map((r) => r.findings.map((f) => f.id)), [['elsewhere']]);
  assert.deepEqual(observed.map((r) => r.findings.map((f) => f.id)), [['elsewhere']]);
  assert.deepEqual(recorder.toRecord().findings.map((f) => f.id), ['elsewhere']);
});

test('when the diagnosis elsewhere fails, the record is diagnosed here: never saved without findings', async () => {
  const saved: CallRecord[] = [];
  const finals = new FinalRecords({
    log: silentLogger,
    diagnose: () => [finding('here')],
    diagnoseElsewhere: () => Promise.reject(new Error('thread ended')),
    save: async (r) => void saved.push(r),
  });
  for (const sid of ['CA1', 'CA2']) {
    const { record, recorder } = ended(sid);
    finals.add(record, recorder);
  }
  await finals.drain();
  assert.deepEqual(saved.map((r) => [r.call_sid, r.findings.map((f) => f.id)]), [['CA1', ['here']], ['CA2', ['here']]]);
});
