import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiagnosisThread } from '../../src/app/diagnosis-thread.js';
import { evidenceOf } from '../../src/app/call-evidence.js';
import { isTrunklineError } from '../../src/core/index.js';
import { diagnoseCall } from '../../src/diagnosis/index.js';
import { CallRecorder } from '../../src/edge/index.js';
import type { CallRecord } from '../../src/store/index.js';
import { FakeClock } from '../support/fake-clock.js';

/** A failed outbound call as the edge records it: the PBX's INVITE, our 100, the carrier's 486 relayed, the PBX's ACK. */
function failedCall(): CallRecord {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 10));
  const rec = new CallRecorder(clock, {
    callSid: 'CAthread', accountSid: 'AC', trunkSid: 'TK', direction: 'outbound', from: '+914012345678', to: '+919876540486', sourceAddress: '192.0.2.10:5060', transport: 'udp', sipCallId: 'thread-1@pbx',
  });
  const head = (start: string, cseq: string, toTag = '') => [start, 'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-t1', 'From: <sip:+914012345678@192.0.2.10>;tag=p1', `To: <sip:+919876540486@edge.example.com>${toTag}`, 'Call-ID: thread-1@pbx', `CSeq: ${cseq}`, 'Content-Length: 0', '', ''].join('\r\n');
  const trace = (direction: 'in' | 'out', message: string) => {
    clock.advance(20);
    rec.trace({ leg: 'customer', direction, transport: 'udp', src: direction === 'in' ? '192.0.2.10:5060' : '198.51.100.5:5060', dst: direction === 'in' ? '198.51.100.5:5060' : '192.0.2.10:5060', message });
  };
  trace('in', head('INVITE sip:+919876540486@edge.example.com SIP/2.0', '1 INVITE'));
  trace('out', head('SIP/2.0 100 Trying', '1 INVITE'));
  trace('out', head('SIP/2.0 486 Busy Here', '1 INVITE', ';tag=e1'));
  trace('in', head('ACK sip:+919876540486@edge.example.com SIP/2.0', '1 ACK', ';tag=e1'));
  rec.fail(486, 'Busy Here', 'carrier');
  rec.end('failed');
  return rec.toRecord();
}

test('the diagnosis thread finds what the edge\'s own thread finds for the same record', async (t) => {
  const thread = new DiagnosisThread();
  t.after(() => thread.close());
  const record = failedCall();
  const here = diagnoseCall(evidenceOf(record));
  assert.ok(here.some((f) => f.id === 'sip.486'), `findings here: ${here.map((f) => f.id).join(', ')}`);
  assert.deepEqual(await thread.diagnose(record), here);
});

test('a diagnosis thread that ends rejects what it was asked (the caller diagnoses it), starts again for the next record, and is given up after three losses', async () => {
  const lost: number[] = [];
  const thread = new DiagnosisThread({}, (_err, losses) => lost.push(losses));
  const record = failedCall();
  for (let loss = 1; loss <= 3; loss++) {
    // Asked while it ends: a warm thread asked first could answer before terminate() stops it
    // (a fresh clone's CI, 2026-12-07), and then nothing was left to reject.
    const ending = thread.worker?.terminate();
    const asked = thread.diagnose(record);
    await (ending ?? thread.worker!.terminate());
    await assert.rejects(asked, (err: unknown) => isTrunklineError(err, 'APP_DIAGNOSIS_UNAVAILABLE') && /ended/.test(err.message));
    if (loss < 3) assert.deepEqual((await thread.diagnose(record)).map((f) => f.id), diagnoseCall(evidenceOf(record)).map((f) => f.id), 'a new thread answers');
  }
  assert.equal(thread.available, false);
  assert.deepEqual(lost, [1, 2, 3]);
  await assert.rejects(thread.diagnose(record), /not available/);
  await thread.close();
});
