/**
 * bench/cluster-cps (issue 15): calls per second through 1, 2 and 3 `trunkline serve` nodes
 * sharing one PostgreSQL (a fresh schema) and Redis (a key prefix of this run), as a cluster
 * behind DNS SRV would be used: one SIPp per node, each at rate/N, placing INVITE → 200 → ACK →
 * BYE calls to the PSTN simulator's echo number through the node (B2BUA + media relay + call
 * records in PostgreSQL + the trunk's rate and concurrency slots in Redis). The total rate steps
 * up until a step fails (≥ 0.1 % failed calls, or SIPp cannot keep the rate); the highest step
 * held is printed per cluster size, with the nodes' CPU.
 *
 *   node dist/bench/cluster-cps.js [--seconds 10] [--rates 20,40,80,120,160,240] [--nodes 1,2,3]
 *
 * Every node, SIPp, PostgreSQL and Redis share this machine's cores: on 2 cores more nodes add
 * processes competing for the same CPU, so the figure says what the cluster costs, not how it scales.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { pbxTrunk, startCluster } from '../test/edge/support/cluster.js';
import { held, procCpuSeconds, step, type StepResult } from './sipp-calls.js';

const args = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const SECONDS = Number(arg('seconds', '10'));
const RATES = arg('rates', '20,40,80,120,160,240').split(',').map(Number);
const SIZES = arg('nodes', '1,2,3').split(',').map(Number);

if (spawnSync('sh', ['-c', 'command -v sipp'], { stdio: 'ignore' }).status !== 0) {
  console.log('cluster-cps: sipp is not installed; nothing to measure');
  process.exit(0);
}

interface ClusterStep {
  readonly rate: number;
  readonly ok: number;
  readonly created: number;
  readonly failed: number;
  readonly achievedCps: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpu: number;
  readonly held: boolean;
}

async function size(n: number): Promise<ClusterStep | undefined> {
  const cluster = await startCluster(n, ['--log-level', 'warn']);
  try {
    const trunk = await pbxTrunk(cluster.nodes[0], 'bench', { calls_per_minute: 100000 });
    const pids = cluster.nodes.map((node) => node.child.pid!).filter((p) => p > 0);
    const cpu = () => procCpuSeconds(pids);
    // Warm-up, not counted: the first calls of a fresh node pay for JIT and the store's connections.
    await Promise.all(cluster.nodes.map((node) => step(`127.0.0.1:${node.sip}`, `sip:+919876540000@${trunk.domain}`, 5, 3, () => 0)));
    let best: ClusterStep | undefined;
    const seen: Record<string, number> = {};
    for (const rate of RATES) {
      const cpu0 = cpu();
      const t0 = performance.now();
      // One SIPp per node, each at its share of the rate, all at once.
      const parts: StepResult[] = await Promise.all(cluster.nodes.map((node) => step(`127.0.0.1:${node.sip}`, `sip:+919876540000@${trunk.domain}`, rate, SECONDS, () => 0, n * 1000)));
      const wall = (performance.now() - t0) / 1000;
      const sum = (f: (r: StepResult) => number) => parts.reduce((a, r) => a + f(r), 0);
      const r: ClusterStep = {
        rate, ok: sum((x) => x.ok), created: sum((x) => x.created), failed: sum((x) => x.failed), achievedCps: sum((x) => x.achievedCps),
        p50: Math.max(...parts.map((x) => x.p50)), p99: Math.max(...parts.map((x) => x.p99)), cpu: (cpu() - cpu0) / wall, held: parts.every((x) => held(x, SECONDS)),
      };
      // What the edge recorded of the calls that did not complete, from the calls API (the shared store).
      const records = await Promise.all((['refused', 'failed'] as const).map(async (status) => {
        const res = await cluster.nodes[0].api('GET', `/v2/accounts/${cluster.account}/calls?status=${status}&page_size=1`);
        return `${Number(res.json.metadata?.['total'] ?? 0) - (seen[status] ?? 0)} ${status}`;
      }));
      for (const status of ['refused', 'failed'] as const) {
        const res = await cluster.nodes[0].api('GET', `/v2/accounts/${cluster.account}/calls?status=${status}&page_size=1`);
        seen[status] = Number(res.json.metadata?.['total'] ?? 0);
      }
      // Why the newest failed calls failed (final code / edge cause), most frequent first.
      const failedNow = await cluster.nodes[0].api('GET', `/v2/accounts/${cluster.account}/calls?status=failed&page_size=100`);
      // A list's response is one {data} item per call (SPEC §1 envelope).
      const items = failedNow.json.response as unknown as readonly { data: { final_code: number | null; edge_cause: string | null; end_cause: string | null } }[];
      const why = new Map<string, number>();
      for (const { data: f } of items) {
        const k = `${f.final_code ?? '-'} ${f.edge_cause ?? f.end_cause ?? ''}`.trim();
        why.set(k, (why.get(k) ?? 0) + 1);
      }
      const whyText = [...why].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${v}× ${k}`).join(', ');
      console.log(`${n} node(s) ${String(rate).padStart(5)} cps × ${SECONDS}s: ${r.ok}/${r.created} ok, ${r.failed} failed (records: ${records.join(', ')}${r.failed && whyText ? `; newest failed: ${whyText}` : ''}), ${r.achievedCps.toFixed(1)} calls/s, setup p50 ≤ ${r.p50} ms p99 ≤ ${r.p99} ms, nodes' CPU ${(r.cpu * 100).toFixed(0)}% of one core ${r.held ? 'held' : 'NOT held'}`);
      if (!r.held) break;
      best = r;
    }
    await trunk.remove();
    return best;
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  console.log(`cluster-cps: ${availableParallelism()} CPU(s); nodes ${SIZES.join(', ')}; total rate steps ${RATES.join(', ')} calls/s, ${SECONDS} s each; held = < 0.1 % failed and the full count placed`);
  const results: [number, ClusterStep | undefined][] = [];
  for (const n of SIZES) results.push([n, await size(n)]);
  console.log('');
  for (const [n, r] of results) {
    console.log(`${n} node(s): highest total rate held ${r ? `${r.rate} calls/s (${r.achievedCps.toFixed(1)} achieved, setup p99 ≤ ${r.p99} ms, nodes' CPU ${(r.cpu * 100).toFixed(0)}% of one core)` : 'none'}`);
  }
}

await main();
