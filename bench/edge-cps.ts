/**
 * bench/edge-cps (issue 5 item 9): how many short calls per second the edge carries.
 *
 * SIPp, in its own process, places INVITE → 200 → ACK → BYE calls through the edge (B2BUA +
 * media relay + call records) to the PSTN simulator's `…0000` number; the rate steps up until
 * a step fails (≥ 0.1 % failed calls, or SIPp cannot keep the rate). For the highest step held
 * it prints the rate, p50/p99 setup time (INVITE → 200 as SIPp measured it) and the edge's CPU.
 * In the same run Kamailio as a stateful proxy (record_route + t_relay) stands between the same
 * generator and simulator, and the ratio edge/Kamailio is printed.
 *
 *   node .build/<you>/bench/edge-cps.js [--seconds 30] [--rates 50,100,200,300,400,600]
 */
import { spawnSync } from 'node:child_process';
import { systemClock, silentLogger } from '../src/core/index.js';
import { startSipServer } from '../src/app/sip-server.js';
import { startEdge } from '../src/app/edge.js';
import { relayMedia, type EdgeDirectory, type NumberView, type TrunkView } from '../src/edge/index.js';
import { MediaRelay } from '../src/media/index.js';
import { startPstnSim } from '../src/pstn-sim/index.js';
import type { CallRecord, CallRecordStore } from '../src/store/index.js';
import { hasKamailio, startKamailio } from '../test/edge/support/kamailio.js';
import { CALLER, freePort, held, procCpuSeconds, step, type StepResult } from './sipp-calls.js';

const args = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const SECONDS = Number(arg('seconds', '30'));
const RATES = arg('rates', '50,100,200,300,400,600').split(',').map(Number);
const ACCOUNT = 'bench';

if (spawnSync('sh', ['-c', 'command -v sipp'], { stdio: 'ignore' }).status !== 0) {
  console.log('edge-cps: sipp is not installed; nothing to measure');
  process.exit(0);
}

const trunk: TrunkView = {
  trunkSid: 'trmum1000000000000000001a1n', accountSid: ACCOUNT, name: 'bench', domainName: `${ACCOUNT}.pstn.localhost`, status: 'active',
  secureTrunking: false, callsPerMinute: 1e9, failoverCodes: [408, 500, 502, 503, 504], whitelist: ['127.0.0.1/32'], credentials: [],
  destinations: [], numbers: [CALLER],
};
const directory: EdgeDirectory = {
  accountByDomain: async (host) => (host === trunk.domainName ? ACCOUNT : undefined),
  trunksOfAccount: async () => [trunk],
  trunk: async () => trunk,
  numberByE164: async (n): Promise<NumberView | undefined> => (n === CALLER ? { e164: n, trunkSid: trunk.trunkSid, accountSid: ACCOUNT, status: 'active', removed: false, mode: 'pstn' } : undefined),
};
/** Records are kept as serve keeps them (serialised), counted, then dropped to hold memory flat. */
let saved = 0;
const calls: CallRecordStore = {
  save: async (r: CallRecord) => {
    JSON.stringify(r);
    saved++;
  },
  get: async () => undefined,
  list: async () => ({ items: [], total: 0 }),
};

async function ladder(name: string, target: string, ruri: string, cpu: () => number): Promise<StepResult | undefined> {
  let best: StepResult | undefined;
  for (const rate of RATES) {
    const r = await step(target, ruri, rate, SECONDS, cpu);
    console.log(`${name.padEnd(9)} ${String(rate).padStart(5)} cps × ${SECONDS}s: ${r.ok}/${r.created} ok, ${r.failed} failed, setup p50 ${r.p50} ms p99 ${r.p99} ms, CPU ${(r.cpu * 100).toFixed(0)}% ${held(r, SECONDS) ? 'held' : 'NOT held'}`);
    if (!held(r, SECONDS)) break;
    best = r;
  }
  return best;
}

function groupPids(pgid: number): number[] {
  const out = spawnSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' }).stdout;
  return out.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
}

async function main(): Promise<void> {
  console.log(`edge-cps: steps ${RATES.join(', ')} calls/s, ${SECONDS} s each; held = < 0.1 % failed and the full count placed`);
  // 1) trunkline edge (B2BUA + relay + records) with the simulator, all in this process.
  const relay = new MediaRelay({ host: '127.0.0.1', portRange: '20000-29999', rtpTimeoutMs: 0 });
  const sip = await startSipServer({ host: '127.0.0.1', port: 0, tls: null, clock: systemClock, logger: silentLogger });
  const edge = await startEdge({ sipServer: sip, sipHost: '127.0.0.1', sipDomain: 'pstn.localhost', carriers: [], pstnSim: true, directory, calls, clock: systemClock, logger: silentLogger, media: relayMedia(relay) });
  const selfCpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const ruri = `sip:+919876540000@${trunk.domainName}`;
  const edgeBest = await ladder('trunkline', `127.0.0.1:${sip.ports.sip}`, ruri, selfCpu);
  await edge.stop();
  await sip.stop();
  await relay.close();

  // 2) Kamailio, stateful proxy (record_route + t_relay) in front of the same simulator.
  let kamBest: StepResult | undefined;
  if (hasKamailio) {
    const sim = await startPstnSim({ host: '127.0.0.1', clock: systemClock, log: silentLogger });
    // The same stateful proxy (record_route + t_relay) the interop tests run, here in front of the simulator.
    const simUri = `sip:127.0.0.1:${sim.port}`;
    const kam = await startKamailio({ host: '127.0.0.1', port: await freePort(), fromHost: '127.0.0.1', fromPort: 0, toWhenFrom: simUri, toOtherwise: simUri });
    kamBest = await ladder('kamailio', `127.0.0.1:${kam.port}`, ruri, () => procCpuSeconds(groupPids(kam.pid)));
    await kam.stop();
    await sim.stop();
  } else console.log('kamailio not installed: no ratio');

  const fmt = (r: StepResult | undefined) => (r ? `${r.rate} calls/s (p50 ${r.p50} ms, p99 ${r.p99} ms setup, CPU ${(r.cpu * 100).toFixed(0)}% of one core)` : 'no step held');
  console.log(`\ntrunkline edge: highest rate held ${fmt(edgeBest)}; ${saved} call records written`);
  console.log(`kamailio proxy: highest rate held ${fmt(kamBest)}`);
  if (edgeBest && kamBest) console.log(`ratio trunkline/kamailio: ${(edgeBest.rate / kamBest.rate).toFixed(2)}`);
  else if (kamBest) console.log(`ratio trunkline/kamailio: < ${(RATES[0] / kamBest.rate).toFixed(2)}`);
}

await main();
