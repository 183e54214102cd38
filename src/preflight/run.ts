import type { Via } from '../sip/index.js';
import { optionsOver, tcpConnect, type SignalingTarget } from './checks/signaling.js';
import { checkTls } from './checks/tls-check.js';
import { checkOfferFile, checkPbxOptions, type PbxTarget } from './checks/codec.js';
import { provisioningChecks, type ApiAccess, type TrunkFacts } from './checks/provisioning.js';
import { echoTest } from './checks/echo.js';
import { PreflightSip, type DigestLogin } from './sip-client.js';
import { ApiReader, str } from './checks/api-client.js';
import { ITEMS, summarise, type CheckResult, type PreflightReport } from './types.js';

/** What `trunkline preflight` was asked to check (the CLI validates and fills defaults). */
export interface PreflightOptions {
  readonly trunkDomain: string;
  /** Where the edge is; the trunk domain when not given. */
  readonly edgeHost: string;
  readonly sipPort: number;
  /** null: no TLS checks (the edge has no TLS port). */
  readonly tlsPort: number | null;
  readonly tlsName?: string;
  readonly ca?: Buffer;
  readonly timeoutMs: number;
  readonly api?: ApiAccess;
  /** Which trunk, when the account has several on the domain (--trunk SID). */
  readonly trunkSid?: string;
  /** Caller number of the echo call; from the trunk's numbers when the API is given. */
  readonly from?: string;
  readonly echoNumber: string;
  readonly login?: DigestLogin;
  /** The PBX's SDP offer (--sdp FILE), as text. */
  readonly sdp?: string;
  /** The PBX to ask for its SDP with OPTIONS (--pbx), when no --sdp is given. */
  readonly pbx?: PbxTarget;
  readonly rtpSeconds: number;
  /** Called as each item is decided (the CLI's progress line). */
  readonly onItem?: (item: CheckResult) => void;
  /** Called before a slow item starts (the CLI's "checking …" line on a tty). */
  readonly onStart?: (what: string) => void;
  /** With API credentials: store the report on the edge (POST …/preflight-results) for support bundles. */
  readonly save?: boolean;
}

/** The whole checklist, in the guide's order; every item is reported, none throws. */
export async function runPreflight(o: PreflightOptions): Promise<PreflightReport> {
  const started = new Date();
  const items: CheckResult[] = [];
  const add = (...rs: CheckResult[]) => {
    for (const r of rs) {
      items.push(r);
      o.onItem?.(r);
    }
  };
  let sip: PreflightSip | undefined;
  let via: Via | undefined;
  let trunk: TrunkFacts | undefined;
  try {
    o.onStart?.(`opening SIP transports towards ${o.edgeHost}:${o.sipPort}`);
    try {
      sip = await PreflightSip.open(o.edgeHost, o.sipPort);
    } catch (err) {
      add({ id: 'signaling.resolve', item: ITEMS.signaling, status: 'fail', seen: `cannot reach ${o.edgeHost}: ${(err as Error).message}`, change: 'check the edge host name (--edge) and this host\'s DNS and routing' });
    }
    if (sip) {
      const target: SignalingTarget = { host: o.edgeHost, sipPort: o.sipPort, tlsPort: o.tlsPort, trunkDomain: o.trunkDomain, timeoutMs: o.timeoutMs };
      o.onStart?.(`TCP ${o.sipPort}`);
      add(await tcpConnect(target, sip.edgeAddress));
      o.onStart?.(`OPTIONS over UDP ${o.sipPort}`);
      const udp = await optionsOver(sip, target, 'udp');
      via = udp.via;
      add(udp.result);
      o.onStart?.(`OPTIONS over TCP ${o.sipPort}`);
      const tcp = await optionsOver(sip, target, 'tcp');
      via ??= tcp.via;
      add(tcp.result);
      if (o.tlsPort !== null) {
        o.onStart?.(`TLS ${o.tlsPort} and its certificate`);
        const tls = await checkTls({ host: o.edgeHost, address: sip.edgeAddress, port: o.tlsPort, name: o.tlsName ?? o.trunkDomain, timeoutMs: o.timeoutMs, ...(o.ca ? { ca: o.ca } : {}) });
        add(...tls);
        if (tls[0].status === 'pass') {
          o.onStart?.(`OPTIONS over TLS ${o.tlsPort}`);
          add((await optionsOver(sip, target, 'tls')).result);
        }
      }
    }
    const publicAddress = via?.received ?? null;
    if (o.api) {
      o.onStart?.(`the trunk's provisioning at ${o.api.url}`);
      const prov = await provisioningChecks(o.api, o.trunkDomain, publicAddress, o.trunkSid);
      trunk = prov.trunk;
      add(...prov.items);
    } else {
      add({ id: 'trunk.provisioning', item: ITEMS.ips, status: 'skip', seen: 'no API credentials given: the whitelist, domain, mode, destination URI, credentials and status of the trunk were not checked', change: 'run again with --api URL --account SID --key KEY --token TOKEN' });
    }
    if (sip) {
      o.onStart?.(`echo call to ${o.echoNumber} with ${o.rtpSeconds} s of RTP`);
      add(...(await echoTest(sip, { ...o, publicAddress, trunk })));
    }
    if (o.sdp === undefined && o.pbx && sip) {
      o.onStart?.(`OPTIONS to the PBX at ${o.pbx.host}:${o.pbx.port} for its SDP`);
      add(await checkPbxOptions(sip, o.pbx, o.timeoutMs));
    } else add(checkOfferFile(o.sdp, o.sdp === undefined ? undefined : 'the offer in --sdp'));
  } finally {
    await sip?.close();
  }
  const summary = summarise(items);
  const report: PreflightReport = {
    trunk_domain: o.trunkDomain,
    edge: { host: o.edgeHost, sip_port: o.sipPort, tls_port: o.tlsPort },
    account_sid: trunk?.accountSid ?? o.api?.account ?? null,
    trunk_sid: trunk?.sid ?? null,
    trunk_name: trunk?.name ?? null,
    public_address: via?.received ?? null,
    started_at: started.toISOString(),
    finished_at: new Date().toISOString(),
    items,
    summary,
    ok: summary.fail === 0,
    saved: null,
  };
  if (!o.api || !o.save) return report;
  return { ...report, saved: await saveReport(o.api, report) };
}

/** Stores the report on the edge; a bundle of a call on the trunk then carries the latest one. */
async function saveReport(access: ApiAccess, report: PreflightReport): Promise<PreflightReport['saved']> {
  try {
    const data = await new ApiReader(access).post('/preflight-results', report);
    return { id: str(data['id']) ?? null, uri: str(data['uri']) ?? null, error: null };
  } catch (err) {
    return { id: null, uri: null, error: (err as Error).message };
  }
}
