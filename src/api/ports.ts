import type { CallRecord, CallRecordStore } from '../store/index.js';

/**
 * What the API needs from the parts that run beside it (the edge, the PSTN simulator, the
 * metrics registry). app/ builds them and hands them to buildApp in `ApiDeps.ports`; a route
 * module registers only when its ports are there. A new port is a new optional field of
 * `ApiPorts` with its interface here, so a route never casts what it is given.
 */
export interface ApiPorts {
  readonly calls?: CallsPort;
  readonly recordings?: RecordingsPort;
  readonly testCalls?: TestCallsPort;
  readonly callFeed?: CallFeedPort;
  readonly metrics?: MetricsPort;
  /** The HMAC key of the call event stream's tokens, when the nodes of a cluster share one (else each process makes its own). */
  readonly streamTokenKey?: Buffer;
}

/** The calls the edge recorded; the ladder renderer lives with the edge and comes through the same port. */
export interface CallsPort {
  readonly store: CallRecordStore;
  renderLadder(record: CallRecord): string;
}

/** POST …/test-calls: the PSTN simulator calls one of the account's numbers through the edge. */
export interface TestCallsPort {
  /** Resolves with the call_sid once the INVITE is on its way. */
  place(accountSid: string, to: string, from?: string): Promise<string>;
}

/** The call event stream's source (routes/call-events.ts). */
export interface CallFeedPort {
  /** Calls `listener` with every record of `accountSid` saved from now on; returns the unsubscribe. */
  subscribe(accountSid: string, listener: (record: CallRecord) => void): () => void;
}

/** Prometheus text for /metrics; prom-client's Registry is one. */
export interface MetricsPort {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** What the API needs of a live call on the edge. */
export interface LiveRecording {
  /** Starts (or keeps) recording; false when the call cannot be recorded now (not anchored yet, or ended). */
  start(): boolean;
  info(): Promise<RecordingFacts | undefined>;
}

export interface RecordingFacts {
  /** Wall-clock ms. */
  readonly startedAt: number;
  readonly packets: number;
  /** Bytes of the file that are whole pcap records (what a download while recording gets). */
  readonly bytes: number;
  readonly active: boolean;
}

export interface RecordingsPort {
  /** The call `callSid` of the account while it is up on this edge; undefined otherwise (ended, unknown, another account's). */
  live(accountSid: string, callSid: string): LiveRecording | undefined;
  /** Where the pcap of a call is (or would be) written. */
  pcapPath(callSid: string): string;
}
