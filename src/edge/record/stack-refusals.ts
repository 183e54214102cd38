import { ChurnSet, hostPort, newCallSid, type Clock, type Logger } from '../../core/index.js';
import type { Finding } from '../../diagnosis/index.js';
import { isWildcard, serializeMessage, type SipRequest, type SipResponse, type StatelessAnswerPort } from '../../sip/index.js';
import type { CallRecord, CallRecordStore, TraceEntry } from '../../store/index.js';
import { CallRecorder } from './call-record.js';
import { causeRow, type EdgeCause } from '../causes.js';
import type { EdgeDirectory } from '../ports/directory.js';
import { RecordBudget, type RecordBudgetOptions } from './record-budget.js';

/**
 * Refusals the SIP stack sends below the B2BUA (the transaction layer's 400/505/416/513 for a
 * broken request, the UAS core's 483/482/420/405/501) made as explainable as the edge's own
 * (SPEC §2): X-Trunkline-Finding and X-Trunkline-Call-Sid on the response, a Warning and a
 * Reason when the stack gave none, and a refused call record with the request and the answer.
 */
export interface StackRefusalOptions {
  readonly clock: Clock;
  readonly log: Logger;
  /** warn-agent of added Warning headers (RFC 3261 §20.43). */
  readonly agent: string;
  readonly calls?: CallRecordStore;
  /** The account named by the Request-URI host (`{account_sid}.{sip_domain}`), when it parses. */
  readonly directory?: Pick<EdgeDirectory, 'accountByDomain'>;
  readonly diagnose?: (record: CallRecord) => readonly Finding[];
  /** How many refusal records are stored per source and in all, per window (default: 20 per source, 200 in all, per 10 s). */
  readonly recordBudget?: RecordBudgetOptions;
  /** Written on each refusal's record (serve --node-id). */
  readonly nodeId?: string;
  /** Told of the refused request and the answer as traced (serve --hep). */
  readonly onTrace?: (entry: TraceEntry, callSid: string) => void;
  /**
   * The account a refusal belongs to, at once: by the Request-URI host, else by the source address
   * (issue 11 item 4). Without one the answer names no call sid: nothing could look it up.
   */
  readonly locateAccount?: (host: string | undefined, sourceIp: string) => string | undefined;
  /** Our address towards a peer, for a listener on a wildcard (the record never shows 0.0.0.0). */
  readonly localFor?: (remote: string) => string;
}

/** The edge cause a stack status stands for; statuses with no cause get a call sid but no finding. */
function causeOf(status: number): EdgeCause | undefined {
  if (status === 483) return 'too-many-hops';
  // RFC 3261 §21.4.1 / §21.5.6 / §21.4.17 / §21.4.26: a request too broken to process.
  if (status === 400 || status === 505 || status === 416 || status === 513) return 'malformed-request';
  return undefined;
}

function quote(text: string): string {
  return `"${text.replace(/[\r\n]+/g, ' ').replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

export class StackRefusals implements StatelessAnswerPort {
  readonly #o: StackRefusalOptions;
  readonly #pending = new ChurnSet<Promise<void>>();
  readonly #budget: RecordBudget;

  constructor(options: StackRefusalOptions) {
    this.#o = options;
    this.#budget = new RecordBudget(options.recordBudget);
  }

  /** Resolves once every record written so far is stored (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  decorate(request: SipRequest, response: SipResponse, source: Parameters<StatelessAnswerPort['decorate']>[2], bytes?: Buffer): void {
    if (request.method === 'ACK') return; // RFC 3261 §17.2.3: never answered, so never decorated
    const o = this.#o;
    const cause = causeOf(response.status);
    const row = cause ? causeRow(cause) : undefined;
    // Over budget the answer still says why, but names no call sid: no record would stand behind it.
    const budget = this.#budget.take(source.remote.address, o.clock.monotonic());
    if (budget.suppressedBefore > 0) o.log.warn({ suppressed: budget.suppressedBefore }, 'stack refusals over the record budget were answered but not recorded');
    const stored = budget.allowed;
    const callSid = newCallSid();
    const uri = safe(() => request.requestUri);
    const host = uri && uri.scheme !== 'tel' ? uri.host : undefined;
    const account = o.locateAccount ? o.locateAccount(host, source.remote.address) : undefined;
    const h = response.headers;
    const why = h.get('Warning') ?? row?.text ?? `${response.status} ${response.reason}`;
    // SPEC §2: every generated refusal says why — Warning (RFC 3261 §20.43) and Reason (RFC 3326).
    if (!h.has('Warning')) h.append('Warning', `399 ${o.agent} ${quote(row?.text ?? `${response.reason} (answered by the SIP stack)`)}`);
    if (!h.has('Reason')) h.append('Reason', `SIP;cause=${response.status};text=${quote(row?.text ?? response.reason)}`);
    if (row) h.append('X-Trunkline-Finding', row.finding);
    if (stored && (account || !o.locateAccount)) h.append('X-Trunkline-Call-Sid', callSid);

    const from = safe(() => request.headers.from()?.uri) ?? '';
    const localIp = source.local && isWildcard(source.local.address) && o.localFor ? o.localFor(source.remote.address) : source.local?.address;
    const local = source.local && localIp ? hostPort(localIp, source.local.port) : '';
    const remote = hostPort(source.remote.address, source.remote.port);
    const recorder = new CallRecorder(o.clock, {
      // A stack refusal comes before any trunk is known; like the edge's refusals of unknown
      // sources, it is recorded from the customer side.
      callSid, accountSid: null, trunkSid: null, direction: 'outbound',
      from: /^(?:sips?|tel):([^@;>]+)/i.exec(from)?.[1] ?? '', to: uri?.user ?? '',
      sourceAddress: remote, transport: source.protocol, sipCallId: safe(() => request.headers.callId()) ?? '',
      ...(o.nodeId ? { nodeId: o.nodeId } : {}),
    });
    if (o.onTrace) recorder.onTrace = o.onTrace;
    recorder.event('stack', `${response.status} ${response.reason}: ${why}`);
    const requestText = (bytes ?? safe(() => serializeMessage(request)) ?? Buffer.alloc(0)).toString('latin1');
    recorder.trace({ leg: 'customer', direction: 'in', transport: source.protocol, src: remote, dst: local, message: requestText });
    recorder.trace({ leg: 'customer', direction: 'out', transport: source.protocol, src: local, dst: remote, message: serializeMessage(response).toString('latin1') });
    recorder.fail(response.status, response.reason, 'edge', cause);
    if (account) recorder.identify({ accountSid: account });
    if (!stored || !o.calls) return;
    const p = this.#store(recorder, host).catch((err: unknown) => o.log.error({ err, call_sid: callSid }, 'saving the stack refusal record failed'));
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }

  async #store(recorder: CallRecorder, host: string | undefined): Promise<void> {
    const o = this.#o;
    // The account, when the Request-URI names one; otherwise the record has none (GET /v2/calls can't show it).
    const account = recorder.accountSid ?? (host && o.directory ? await o.directory.accountByDomain(host).catch(() => undefined) : undefined);
    if (account) recorder.identify({ accountSid: account });
    if (o.diagnose) {
      try {
        recorder.setFindings(o.diagnose(recorder.toRecord()));
      } catch (err) {
        o.log.warn({ err, call_sid: recorder.callSid }, 'diagnosis failed');
      }
    }
    await o.calls!.save(recorder.toRecord());
  }
}
