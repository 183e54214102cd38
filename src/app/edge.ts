import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Registry } from 'prom-client';
import { newCallSid, TrunklineError, type Clock, type Logger } from '../core/index.js';
import type { ApiPorts, CallsPort, RecordingsPort, TestCallsPort } from '../api/index.js';
import { diagnoseCall, type DiagnosisThresholds } from '../diagnosis/index.js';
import {
  AccountLocator, Authenticator, B2bua, createEdgeMetrics, edgeSipHandler, noEdgeMetrics, renderLadder, StackRefusals, TransactionLayerPort,
  type BindingStore, type RegistrarLimits, type CallObserver, type LoadGauge, type QueueWait, type EdgeDirectory, type Hop, type MediaAnchorFactory, type RouteTarget,
} from '../edge/index.js';
import { startPstnSim, type PstnSimServer } from '../pstn-sim/index.js';
import { DigestServer, SourceAddresses, type DigestAlgorithm, type NonceCounts, type SipResolver } from '../sip/index.js';
import type { CallRecord, CallRecordStore, CallSlots, TraceEntry } from '../store/index.js';
import type { SipServer } from './sip-server.js';
import { addressing, type Addressing } from './addressing.js';
import { DIAGNOSIS_MAX_LOSSES, DiagnosisThread } from './diagnosis-thread.js';
import { evidenceOf } from './call-evidence.js';

/**
 * Wires the edge into a running SIP server: the B2BUA as the UAS core's handler, the PSTN
 * simulator on its own loopback port as the default carrier, call records into the store,
 * metrics into the shared registry. Returned `stop` ends calls and the simulator.
 */
export interface EdgePart {
  readonly b2bua: B2bua;
  readonly sim: PstnSimServer | null;
  /** Where the simulator sends test calls: the edge's own SIP port on loopback. */
  readonly edgeHop: Hop;
  stop(): Promise<void>;
}

export interface EdgeWiring {
  readonly sipServer: SipServer;
  readonly sipHost: string;
  readonly sipDomain: string;
  readonly carriers: readonly string[];
  readonly pstnSim: boolean;
  readonly directory: EdgeDirectory;
  readonly calls: CallRecordStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly registry?: Registry;
  readonly media?: MediaAnchorFactory;
  /** No response from a carrier/destination for this long → 504/408 (default 32 s, Timer B). */
  readonly inviteTimeoutMs?: number;
  /** RFC 3263 resolution of FQDN carriers and destinations (default: the machine's DNS). */
  readonly resolver?: SipResolver;
  readonly testCallHoldMs?: number;
  /** false: run the simulator (test calls, echo flow) without making it a carrier gateway (it sits behind --carrier). */
  readonly simAsCarrier?: boolean;
  /** Source addresses ("ip" or "ip:port") of the carrier side beyond the carrier URIs' own hosts. */
  readonly carrierSources?: readonly string[];
  /** The diagnosis limits (serve's --media-window, --rtp-stop, --silence-threshold) for live and final records. */
  readonly thresholds?: Partial<DiagnosisThresholds>;
  /** Ended calls are diagnosed on a thread of their own (DiagnosisThread; serve), not on the SIP stack's. */
  readonly diagnoseOffThread?: boolean;
  /** How often an answered call's record is refreshed while it is up (ms; 0 = only at answer and end). */
  readonly liveRefreshMs?: number;
  /** Under overload new INVITEs are refused 503 with Retry-After (serve --overload-delay). */
  readonly load?: LoadGauge;
  /** How long a datagram read now on this UDP socket waited in its receive queue (the endpoint's probe): noted on each received message's trace entry. */
  readonly queueWait?: QueueWait;
  /** HMAC key of the digest nonces; the same on every node of a cluster so a nonce verifies anywhere. */
  readonly digestSecret?: Buffer;
  /** Digest nonce counts shared by the nodes (Redis), so a count used on one node is a replay on another. */
  readonly nonceCounts?: NonceCounts;
  /** Cluster-wide call slots (Redis); undefined: counted in this process. */
  readonly slots?: CallSlots;
  /** Written on every call record (serve --node-id). */
  readonly nodeId?: string;
  /** Told of every traced SIP message and every ended call (serve --hep). */
  readonly observer?: CallObserver;
  /** Registrar bindings in the store (issue 11 item 2); absent, REGISTER is refused with 403. */
  readonly registrations?: BindingStore;
  /** The registrar's limits (expiry bounds, contacts per AOR, no-response time of a registered contact); defaults in DEFAULT_REGISTRAR_LIMITS. */
  readonly registrarLimits?: Partial<RegistrarLimits>;
  /** The digest challenges offered, in order (serve --digest-algorithms; default SHA-256 then MD5). */
  readonly digestAlgorithms?: readonly DigestAlgorithm[];
  /** Which address each peer is given (--public-address, --media-address, else per peer); default per peer. */
  readonly addresses?: Addressing;
}

export async function startEdge(w: EdgeWiring): Promise<EdgePart> {
  const log = w.logger.child({ part: 'edge' });
  const sim = w.pstnSim ? await startPstnSim({ host: '127.0.0.1', clock: w.clock, log: w.logger.child({ part: 'pstn-sim' }), ...(w.testCallHoldMs ? { testCallHoldMs: w.testCallHoldMs } : {}) }) : null;
  const carriers: RouteTarget[] = w.carriers.map((c) => ({ uri: /^sips?:/i.test(c) ? c : `sip:${c}`, priority: 0, weight: 1 }));
  if (sim && w.simAsCarrier !== false) carriers.push({ uri: `sip:127.0.0.1:${sim.port}`, priority: 0, weight: 1 });
  const carrierSources = carriers.map((c) => hostOf(c.uri)).filter((h): h is string => h !== undefined);
  if (sim) carrierSources.push(`127.0.0.1:${sim.port}`);
  carrierSources.push(...(w.carrierSources ?? []));
  const sipPort = w.sipServer.ports.sip;
  const thresholds = w.thresholds ?? {};
  const diagnose = (record: CallRecord, observedUntil?: number) => diagnoseCall(evidenceOf(record, observedUntil), { thresholds });
  const diagnosis = w.diagnoseOffThread
    ? new DiagnosisThread(thresholds, (err, losses) => log.error({ err, losses }, losses >= DIAGNOSIS_MAX_LOSSES ? 'diagnosis thread lost for good: ended calls are diagnosed on the SIP thread' : 'diagnosis thread lost: its calls are diagnosed on the SIP thread, the next starts a new one'))
    : undefined;
  diagnosis?.warm();
  const addresses = w.addresses ?? addressing({ sip: { host: w.sipHost, port: sipPort }, publicAddress: null, mediaAddress: null }, new SourceAddresses());
  // Contact and Via name the address this peer reaches us at, on the port of the transport it uses.
  const localFor = (hop: Hop) => ({ address: addresses.sipFor(hop.address), port: hop.protocol === 'tls' ? (w.sipServer.ports.tls ?? sipPort) : sipPort });
  const port = new TransactionLayerPort(() => w.sipServer.layer, localFor, (hop) => addresses.prepare(hop.address), () => w.sipServer.dialogs);
  // Issue 11 item 4: refusals tied to an account by their source when nothing else ties them.
  const locator = new AccountLocator(w.directory, w.sipDomain, w.clock);
  await locator.fresh();
  const b2bua = new B2bua({
    directory: w.directory,
    locateAccount: (ip) => locator.locateFresh(undefined, ip),
    port,
    clock: w.clock,
    log,
    authenticator: new Authenticator(new DigestServer({ secret: w.digestSecret ?? randomBytes(32), clock: w.clock, ...(w.nonceCounts ? { counts: w.nonceCounts } : {}) }), w.digestAlgorithms),
    calls: w.calls,
    ...(w.slots ? { slots: w.slots } : {}),
    ...(w.nodeId ? { nodeId: w.nodeId } : {}),
    ...(w.observer ? { observer: w.observer } : {}),
    metrics: w.registry ? createEdgeMetrics(w.registry) : noEdgeMetrics,
    ...(w.media ? { media: w.media } : {}),
    diagnose,
    ...(diagnosis ? { diagnoseElsewhere: (record: CallRecord) => diagnosis.diagnose(record) } : {}),
    ...(w.liveRefreshMs === undefined ? {} : { liveRefreshMs: w.liveRefreshMs }),
    ...(w.load ? { load: w.load } : {}),
    ...(w.queueWait ? { queueWait: w.queueWait } : {}),
    agent: w.sipDomain,
    carriers,
    carrierSources,
    ...(sim ? { echoFlowUri: `sip:echo@127.0.0.1:${sim.port}` } : {}),
    ...(w.inviteTimeoutMs ? { inviteTimeoutMs: w.inviteTimeoutMs } : {}),
    ...(w.resolver ? { resolver: w.resolver } : {}),
    ...(w.registrations ? { registrations: w.registrations } : {}), ...(w.registrarLimits ? { registrarLimits: w.registrarLimits } : {}),
  });
  // A carrier given by host name is recognised once its addresses are known: wait for the first
  // lookup here (bounded by the resolver's timeout), never on a call's path.
  await b2bua.carrierSources.settled();
  w.sipServer.setHandler(edgeSipHandler(b2bua, localFor, port));
  // SPEC §2: the stack's own refusals (400, 483, …) carry the finding and call sid and are recorded too.
  const stackRefusals = new StackRefusals({ clock: w.clock, log, agent: w.sipDomain, calls: w.calls, directory: w.directory, diagnose: (record) => diagnose(record), ...(w.nodeId ? { nodeId: w.nodeId } : {}),
    ...(w.observer ? { onTrace: (entry: TraceEntry, callSid: string) => w.observer!.trace(entry, callSid) } : {}),
    localFor: addresses.sipFor, locateAccount: (host, ip) => locator.locate(host, ip),
  });
  w.sipServer.setStatelessAnswers(stackRefusals);
  return {
    b2bua,
    sim,
    edgeHop: { protocol: 'udp', address: '127.0.0.1', port: sipPort },
    stop: async () => {
      b2bua.carrierSources.close();
      b2bua.hangUpAll();
      await b2bua.flush();
      await diagnosis?.close();
      w.sipServer.setHandler(undefined);
      w.sipServer.setStatelessAnswers(undefined);
      await stackRefusals.flush();
      await sim?.stop();
    },
  };
}

function hostOf(uri: string): string | undefined {
  const m = /^sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;>]+)(?::(\d+))?/i.exec(uri);
  if (!m) return undefined;
  const host = m[1].replace(/^\[|\]$/g, '');
  return m[2] ? `${host}:${m[2]}` : host;
}

/**
 * The API ports of the edge (api/routes/calls.ts, test-calls.ts, /metrics), built before the
 * HTTP server starts; `edge` is read at request time because the SIP part starts after HTTP.
 */
export function edgePorts(calls: CallRecordStore, registry: Registry, sipDomain: string, edge: () => EdgePart | undefined, recordingsDir?: string): ApiPorts {
  // Reads wait for the records of calls just ended whose diagnosis is on its thread (B2bua.settleFinals).
  const settled = async () => edge()?.b2bua.settleFinals();
  const store: CallRecordStore = {
    save: (record) => calls.save(record),
    get: async (accountSid, callSid) => {
      await settled();
      return calls.get(accountSid, callSid);
    },
    list: async (query) => {
      await settled();
      return calls.list(query);
    },
  };
  const callsPort: CallsPort = { store, renderLadder: (r) => renderLadder(r.trace) };
  // Issue 7 item 7: a live call is found on the B2BUA by call_sid, and only for its own account.
  const recordings: RecordingsPort | undefined = recordingsDir === undefined ? undefined : {
    live: (accountSid, callSid) => {
      const call = edge()?.b2bua.liveCall(callSid);
      if (!call || call.recorder.accountSid !== accountSid) return undefined;
      return { start: () => call.startRecording(), info: () => call.recordingInfo() };
    },
    pcapPath: (callSid) => join(recordingsDir, `${callSid}.pcap`),
  };
  const testCalls: TestCallsPort = {
    place: async (accountSid, to, from) => {
      const e = edge();
      if (!e?.sim) throw new TrunklineError('PSTN_SIM_NOT_RUNNING', 'the PSTN simulator is off (carrier gateways are configured), so it cannot place test calls');
      const callSid = newCallSid();
      await e.sim.simulator.originate({ to, ...(from ? { from } : {}), edge: e.edgeHop, edgeDomain: `${accountSid}.${sipDomain}`, callSid });
      return callSid;
    },
  };
  return { calls: callsPort, testCalls, metrics: registry, ...(recordings ? { recordings } : {}) };
}
