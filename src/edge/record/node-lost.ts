import { isoSeconds, type Clock, type Logger } from '../../core/index.js';
import { makeFinding } from '../../diagnosis/index.js';
import type { CallRecord } from '../../store/index.js';

/**
 * Issue 15: a node of the cluster that dies (kill -9, power, a partition from Redis) leaves
 * its calls `in-progress` in the shared store. Each survivor looks, on its heartbeat, for
 * nodes whose heartbeat is older than the node timeout; the one that takes the lost node's
 * lock closes that node's in-progress calls as `failed` with the finding `edge.node-lost`
 * naming the node, gives their concurrent slots back, and removes the node from the cluster.
 */
export interface ClusterNodes {
  /** Nodes whose heartbeat is older than the timeout. */
  lostNodes(): Promise<string[]>;
  /** Exactly one survivor gets true for a lost node (a lock with an expiry: another takes over if it dies). */
  claimLost(lostNode: string): Promise<boolean>;
  /** The lost node's calls are closed: it is no longer a member. */
  forgetNode(lostNode: string): Promise<void>;
  releaseLost(slots: readonly { readonly trunkSid: string; readonly callSid: string }[]): Promise<void>;
}

/** The calls store as the survivor needs it. */
export interface LostCallStore {
  inProgressOn(nodeId: string): Promise<readonly CallRecord[]>;
  /** Writes the closed record only if the stored one is still in progress; false when another write won. */
  closeInProgress(record: CallRecord): Promise<boolean>;
}

export interface NodeReaperOptions {
  readonly nodeId: string;
  /** undefined: a node without Redis (it only closes its own leftovers). */
  readonly nodes?: ClusterNodes;
  readonly calls: LostCallStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timeoutMs: number;
}

export class NodeReaper {
  readonly #o: NodeReaperOptions;

  constructor(options: NodeReaperOptions) {
    this.#o = options;
  }

  /** One look for lost nodes; resolves to the number of calls this node closed. */
  async sweep(): Promise<number> {
    const nodes = this.#o.nodes;
    if (!nodes) return 0;
    let closed = 0;
    for (const lost of await nodes.lostNodes()) {
      if (lost === this.#o.nodeId) continue;
      if (!(await nodes.claimLost(lost))) continue;
      closed += await this.#close(lost);
      await nodes.forgetNode(lost);
    }
    return closed;
  }

  /**
   * At start, before taking calls: records this node id left in progress belong to a previous
   * life of the node (a crash, kill -9, power) — no call of theirs can be up now. With a stable
   * --node-id this also covers a restart quicker than the node timeout, and a lone node.
   */
  async closeLeftovers(): Promise<number> {
    return this.#close(this.#o.nodeId);
  }

  async #close(lost: string): Promise<number> {
    const calls = await this.#o.calls.inProgressOn(lost);
    let closed = 0;
    for (const record of calls) {
      if (await this.#o.calls.closeInProgress(lostRecord(record, lost, this.#o.nodeId, this.#o.timeoutMs, this.#o.clock.now()))) closed++;
    }
    await this.#o.nodes?.releaseLost(calls.filter((r) => r.trunk_sid !== null).map((r) => ({ trunkSid: r.trunk_sid!, callSid: r.call_sid })));
    if (closed > 0 || lost !== this.#o.nodeId) this.#o.log.warn({ lost_node: lost, calls: closed }, 'node lost: its in-progress calls are closed as failed');
    return closed;
  }
}

/** The record of a call the lost node carried, closed now as failed with the finding that names the node. */
export function lostRecord(r: CallRecord, lost: string, by: string, timeoutMs: number, now: number): CallRecord {
  const at = new Date(now).toISOString();
  const detail = lost === by
    ? `node ${lost} stopped while carrying the call (found in progress when the node started again); node ${by} closed the call`
    : `node ${lost} carrying the call sent no heartbeat for more than ${timeoutMs / 1000} s; node ${by} closed the call`;
  const answeredMs = r.answered_at ? Date.parse(r.answered_at) : null;
  return {
    ...r,
    status: 'failed',
    ended_at: isoSeconds(now),
    end_cause: 'node-lost',
    duration_s: answeredMs === null ? null : Math.max(0, Math.round((now - answeredMs) / 1000)),
    setup_ms: r.setup_ms,
    events: [...r.events, { at, kind: 'node-lost', detail }],
    findings: [
      ...r.findings,
      makeFinding('edge.node-lost', [
        detail,
        r.answered_at ? `the call was answered at ${r.answered_at}; what happened after the node stopped is not known` : 'the call was not answered when the node stopped',
        `last record written by ${lost}: ${r.trace.length} SIP message(s) traced`,
      ]),
    ],
  };
}
