import { Worker } from 'node:worker_threads';
import { TrunklineError } from '../core/index.js';
import type { DiagnosisThresholds, Finding } from '../diagnosis/index.js';
import { traceJson, type CallRecord } from '../store/index.js';
import type { FromDiagnosis, ToDiagnosis } from './diagnosis-worker.js';
import type { AppErrorCode } from './errors.js';

const unavailable = (why: string, cause?: unknown) => new TrunklineError<AppErrorCode>('APP_DIAGNOSIS_UNAVAILABLE', `diagnosis thread ${why}`, cause === undefined ? {} : { cause });

/** Losses after which the thread is not started again: the edge diagnoses on its own thread for good. */
export const DIAGNOSIS_MAX_LOSSES = 3;

/**
 * A record not answered in this long is taken as a thread that hangs: it is ended (a loss) and
 * what waited is diagnosed by the callers. The API's reads of call records wait for these.
 */
export const DIAGNOSIS_ANSWER_TIMEOUT_MS = 5000;

interface Waiting {
  readonly resolve: (findings: readonly Finding[]) => void;
  readonly reject: (err: unknown) => void;
  readonly at: number;
}

/**
 * The diagnosis of ended calls on a thread of its own (issue 13): turning every traced message
 * into evidence and running the rules was ~8 % of serve's JavaScript thread, the one that also
 * runs the SIP stack, while the machine's other core had time to spare. diagnose() rejects when
 * the thread cannot answer (it ended, or a record it could not take); the caller then diagnoses
 * on its own thread, so a call never goes without its findings. Started at the first call;
 * after DIAGNOSIS_MAX_LOSSES unexpected ends it is not started again and every diagnose() rejects at once.
 */
export class DiagnosisThread {
  readonly #thresholds: Partial<DiagnosisThresholds>;
  readonly #onLost: ((err: TrunklineError<AppErrorCode>, losses: number) => void) | undefined;
  #worker: Worker | undefined;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 0;
  #losses = 0;
  #closed = false;
  #watchdog: ReturnType<typeof setInterval> | undefined;

  /** `onLost`: told of each unexpected end of the thread (serve logs it), with the losses so far. */
  constructor(thresholds: Partial<DiagnosisThresholds> = {}, onLost?: (err: TrunklineError<AppErrorCode>, losses: number) => void) {
    this.#thresholds = thresholds;
    this.#onLost = onLost;
  }

  /** False once it no longer takes records (closed, or given up after losses). */
  get available(): boolean {
    return !this.#closed && this.#losses < DIAGNOSIS_MAX_LOSSES;
  }

  /** The running worker (tests end it to check the fallback); undefined before the first call. */
  get worker(): Worker | undefined {
    return this.#worker;
  }

  /** Starts the thread now, so the first ended call does not wait for it to load the rules. */
  warm(): void {
    if (this.available) this.#worker ??= this.#start();
  }

  diagnose(record: CallRecord): Promise<readonly Finding[]> {
    if (!this.available) return Promise.reject(unavailable('not available'));
    const worker = (this.#worker ??= this.#start());
    return new Promise<readonly Finding[]>((resolve, reject) => {
      const id = ++this.#nextId;
      try {
        const { trace, ...rest } = record;
        worker.postMessage({ id, record: rest, trace: traceJson(trace) } satisfies ToDiagnosis);
      } catch (err) {
        // A value structured clone refuses: the caller diagnoses it where it is.
        reject(unavailable('could not take the record', err));
        return;
      }
      this.#waiting.set(id, { resolve, reject, at: performance.now() });
      // Held open only while an answer is awaited: an idle thread never keeps the process alive.
      if (this.#waiting.size === 1) {
        worker.ref();
        // Ref'd like the worker: between a worker's end and its 'exit' rejecting what waited, it is
        // what holds the loop (unref'd, a test's pending answer was cancelled as the loop ran dry).
        this.#watchdog ??= setInterval(() => this.#checkHung(), DIAGNOSIS_ANSWER_TIMEOUT_MS / 5);
      }
    });
  }

  #checkHung(): void {
    const oldest = this.#waiting.values().next().value;
    if (oldest === undefined) {
      clearInterval(this.#watchdog);
      this.#watchdog = undefined;
      return;
    }
    if (performance.now() - oldest.at < DIAGNOSIS_ANSWER_TIMEOUT_MS) return;
    // Its 'exit' counts the loss and rejects what waited.
    void this.#worker?.terminate();
  }

  /** Ends the thread; records still waiting are rejected (their callers diagnose them themselves). */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) await worker.terminate();
    this.#failAll(unavailable('closed'));
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }

  #start(): Worker {
    const worker = new Worker(new URL('./diagnosis-worker.js', import.meta.url), { workerData: { thresholds: this.#thresholds } });
    worker.unref();
    worker.on('message', (m: FromDiagnosis) => {
      const w = this.#waiting.get(m.id);
      if (!w) return;
      this.#waiting.delete(m.id);
      if (this.#waiting.size === 0) worker.unref();
      if ('findings' in m) w.resolve(m.findings);
      else w.reject(unavailable(`failed: ${m.error}`));
    });
    worker.on('error', () => {
      // 'exit' follows and settles what was waiting.
    });
    worker.on('exit', () => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      const err = unavailable('ended');
      if (!this.#closed) {
        this.#losses++;
        this.#onLost?.(err, this.#losses);
      }
      this.#failAll(err);
    });
    return worker;
  }

  #failAll(err: TrunklineError<AppErrorCode>): void {
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const w of waiting) w.reject(err);
  }
}
