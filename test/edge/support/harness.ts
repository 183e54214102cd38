import { systemClock, silentLogger } from '../../../src/core/index.js';
import { startSipServer, type SipServer } from '../../../src/app/sip-server.js';
import { startEdge, type EdgePart } from '../../../src/app/edge.js';
import type { CallQuery, CallRecord, CallRecordStore } from '../../../src/store/index.js';
import { computeHa1, type SipResolver } from '../../../src/sip/index.js';
import { MemoryDirectory } from './memory-directory.js';
import { TEST_RTP_PORTS } from '../../support/ports.js';
import { MediaRelay } from '../../../src/media/index.js';
import { relayMedia, type BindingStore, type LoadGauge, type RegistrarLimits } from '../../../src/edge/index.js';

/** Call records kept in memory; `wait` resolves when a record with the predicate is saved. */
export class MemoryCalls implements CallRecordStore {
  readonly records = new Map<string, CallRecord>();
  /** Every save in order (the live record's refreshes, then the final one). */
  readonly history: CallRecord[] = [];
  /** While set, every save waits for it (a slow or stalled store). */
  gate: Promise<void> | undefined;
  #waiters: (() => void)[] = [];

  async save(r: CallRecord): Promise<void> {
    await this.gate;
    this.records.set(r.call_sid, r);
    this.history.push(r);
    for (const w of this.#waiters.splice(0)) w();
  }

  async get(accountSid: string, sid: string): Promise<CallRecord | undefined> {
    const r = this.records.get(sid);
    return r && r.account_sid === accountSid ? r : undefined;
  }

  async list(q: CallQuery): Promise<{ items: readonly CallRecord[]; total: number }> {
    const all = [...this.records.values()].filter((r) => r.account_sid === q.accountSid);
    return { items: all.slice(q.offset, q.offset + q.limit), total: all.length };
  }

  async wait(pred: (r: CallRecord) => boolean, timeoutMs = 5000): Promise<CallRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = [...this.records.values()].find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no call record matched within ${timeoutMs} ms; have ${[...this.records.values()].map((r) => `${r.final_code}/${r.status}/${r.edge_cause}`).join(', ')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

export const ACCOUNT = 'acc1';
export const TRUNK = 'trmum1000000000000000001a1n';
export const CALLER = '+919876541111';
export const DOMAIN = `${ACCOUNT}.pstn.localhost`;

export interface Harness {
  readonly sip: SipServer;
  readonly edge: EdgePart;
  readonly directory: MemoryDirectory;
  readonly calls: MemoryCalls;
  readonly port: number;
  readonly relay?: MediaRelay;
  stop(): Promise<void>;
}

/** A running edge on 127.0.0.1:0 (or `host`) with the PSTN simulator and one trunk whitelisting 127.0.0.1. */
export async function startHarness(opts: { inviteTimeoutMs?: number; carriers?: string[]; pstnSim?: boolean; carrierSources?: string[]; relay?: { rtpTimeoutMs: number }; simAsCarrier?: boolean; liveRefreshMs?: number; registrations?: BindingStore; registrarLimits?: Partial<RegistrarLimits>; resolver?: SipResolver; host?: string; load?: LoadGauge } = {}): Promise<Harness> {
  const directory = new MemoryDirectory();
  directory.addTrunk({ trunkSid: TRUNK, accountSid: ACCOUNT, whitelist: ['127.0.0.1/32'], numbers: [CALLER] });
  directory.numbers.set(CALLER, { e164: CALLER, trunkSid: TRUNK, accountSid: ACCOUNT, status: 'active', removed: false, mode: 'pstn' });
  const calls = new MemoryCalls();
  const relay = opts.relay ? new MediaRelay({ engine: 'native', host: '127.0.0.1', portRange: TEST_RTP_PORTS, rtpTimeoutMs: opts.relay.rtpTimeoutMs, tickMs: 200 }) : undefined;
  let sip: SipServer | undefined;
  try {
    sip = await startSipServer({ host: opts.host ?? '127.0.0.1', port: 0, tls: null, clock: systemClock, logger: silentLogger });
    const edge = await startEdge({
      sipServer: sip, sipHost: opts.host ?? '127.0.0.1', sipDomain: 'pstn.localhost', carriers: opts.carriers ?? [], pstnSim: opts.pstnSim ?? true,
      directory, calls, clock: systemClock, logger: silentLogger, inviteTimeoutMs: opts.inviteTimeoutMs ?? 1500, testCallHoldMs: 500, carrierSources: opts.carrierSources ?? [], ...(opts.simAsCarrier === false ? { simAsCarrier: false } : {}), ...(relay ? { media: relayMedia(relay) } : {}),
      ...(opts.liveRefreshMs === undefined ? {} : { liveRefreshMs: opts.liveRefreshMs }),
      ...(opts.registrations ? { registrations: opts.registrations } : {}), ...(opts.registrarLimits ? { registrarLimits: opts.registrarLimits } : {}),
      ...(opts.resolver ? { resolver: opts.resolver } : {}),
      ...(opts.load ? { load: opts.load } : {}),
    });
    const server = sip;
    return {
      sip: server, edge, directory, calls, port: server.ports.sip, ...(relay ? { relay } : {}),
      stop: async () => {
        await edge.stop();
        await server.stop();
        await relay?.close();
      },
    };
  } catch (err) {
    // What started before the failure stops with it: a relay or socket left open keeps the test file from ever exiting.
    await sip?.stop();
    await relay?.close();
    throw err;
  }
}

export function credentialFor(user: string, password: string, realm = DOMAIN) {
  return { username: user, ha1Md5: computeHa1('MD5', user, realm, password), ha1Sha256: computeHa1('SHA-256', user, realm, password) };
}
