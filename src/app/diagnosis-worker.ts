import { parentPort, workerData } from 'node:worker_threads';
import { diagnoseCall, type DiagnosisThresholds, type Finding } from '../diagnosis/index.js';
import type { CallRecord } from '../store/index.js';
import { evidenceOf } from './call-evidence.js';

/**
 * The thread of DiagnosisThread: an ended call's record in, its findings out. The record arrives
 * without its trace, and the trace as its JSON text (store's traceJson: one string clones far
 * faster than the entries), so each traced message is evidence from its text (capture's one
 * conversion), the same as a record read back from the store.
 */
export type ToDiagnosis = { readonly id: number; readonly record: Omit<CallRecord, 'trace'>; readonly trace: string };
export type FromDiagnosis = { readonly id: number; readonly findings: Finding[] } | { readonly id: number; readonly error: string };

const thresholds = (workerData as { thresholds?: Partial<DiagnosisThresholds> } | undefined)?.thresholds ?? {};
parentPort?.on('message', (m: ToDiagnosis) => {
  let answer: FromDiagnosis;
  try {
    const record: CallRecord = { ...m.record, trace: JSON.parse(m.trace) as CallRecord['trace'] };
    answer = { id: m.id, findings: diagnoseCall(evidenceOf(record), { thresholds }) };
  } catch (err) {
    answer = { id: m.id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(answer);
});
