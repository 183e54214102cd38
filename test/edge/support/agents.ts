import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AgentConfig, AgentReport } from './strict-ua.js';
import type { Served } from './serve.js';

const MAIN = fileURLToPath(new URL('./strict-ua-main.js', import.meta.url));

export interface RunningAgent {
  readonly sip: number;
  readonly rtp: number;
  /** The agent's report once its call is over (it exits then). */
  readonly done: Promise<AgentReport>;
  kill(): void;
}

/** A StrictUa in its own process, inside network namespace `netns` when given (`ip netns exec`). */
export async function startAgent(config: AgentConfig, netns?: string): Promise<RunningAgent> {
  const argv = [process.execPath, MAIN, JSON.stringify(config)];
  const child = netns ? spawn('ip', ['netns', 'exec', netns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout! });
  let onReady: (v: { sip: number; rtp: number }) => void;
  let onDone: (r: AgentReport) => void;
  const ready = new Promise<{ sip: number; rtp: number }>((r) => (onReady = r));
  const done = new Promise<AgentReport>((resolve, reject) => {
    onDone = resolve;
    child.once('exit', (code) => setImmediate(() => reject(new Error(`agent exited ${code} before its report: ${stderr.slice(-1500)}`))));
  });
  done.catch(() => undefined);
  lines.on('line', (line) => {
    const ev = JSON.parse(line) as { event: string; sip?: number; rtp?: number; report?: AgentReport };
    if (ev.event === 'ready') onReady({ sip: ev.sip!, rtp: ev.rtp! });
    if (ev.event === 'done') onDone(ev.report!);
  });
  const ports = await Promise.race([ready, done.then(() => { throw new Error('agent ended before ready'); })]);
  return { ...ports, done, kill: () => child.kill('SIGKILL') };
}

/** Two network namespaces, each joined to this one by a veth pair: a PBX network and a carrier network. */
export interface Networks {
  readonly pbx: { readonly ns: string; readonly edge: string; readonly peer: string };
  readonly carrier: { readonly ns: string; readonly edge: string; readonly peer: string };
  remove(): void;
}

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error?.message}`);
}

/** Why namespaces cannot be made here, or false (root and iproute2 are needed). */
export function netnsSkip(): string | false {
  if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add)';
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return r.status === 0 ? false : `ip netns unavailable (iproute2): ${r.error?.message ?? r.stderr}`;
}

/**
 * PBX network 10.N.1.0/24 and carrier network 10.N.2.0/24 (N from the pid, so parallel runs do
 * not collide), the edge at .1 on each, the peer at .2 in its namespace with no default route:
 * from a namespace only the edge's address on its own link is reachable.
 */
export function makeNetworks(): Networks {
  const id = process.pid % 100000;
  const n = 100 + (process.pid % 100);
  const made: string[] = [];
  const remove = () => {
    for (const ns of made.splice(0)) spawnSync('ip', ['netns', 'del', ns]);
  };
  const link = (name: string, subnet: number) => {
    const ns = `tl${name}${id}`;
    const host = `tl${name[0]}${id}h`;
    const peer = `tl${name[0]}${id}p`;
    ip('netns', 'add', ns);
    made.push(ns);
    ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer);
    ip('link', 'set', peer, 'netns', ns);
    ip('addr', 'add', `10.${n}.${subnet}.1/24`, 'dev', host);
    ip('link', 'set', host, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `10.${n}.${subnet}.2/24`, 'dev', peer);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', peer, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    return { ns, edge: `10.${n}.${subnet}.1`, peer: `10.${n}.${subnet}.2` };
  };
  try {
    return { pbx: link('pbx', 1), carrier: link('car', 2), remove };
  } catch (err) {
    remove();
    throw err;
  }
}

export const CALLER = '+919876541111';
export const DIALLED = '+919876543210';

/** A trunk whose PBX is at `pbx`: whitelisted, the caller's number mapped, inbound calls to `pbx:pbxPort`. */
export async function provision(s: Served, pbx: string, pbxPort: number): Promise<{ trunkSid: string; domain: string }> {
  const base = `/v2/accounts/${s.account}`;
  const trunk = await s.api<{ trunk_sid: string; domain_name: string }>('POST', `${base}/trunks`, { trunk_name: 'remote_pbx', nso_code: 'ANY-ANY', domain_name: `${s.account}.pstn.localhost` });
  if (trunk.status !== 200) throw new Error(`trunk: ${JSON.stringify(trunk.json)}`);
  const { trunk_sid: trunkSid, domain_name: domain } = trunk.json.response.data;
  for (const [path, body] of [
    ['whitelisted-ips', { ip: pbx, mask: 32 }],
    ['phone-numbers', { phone_number: CALLER, mode: 'pstn' }],
    ['destination-uris', { destinations: [{ destination: `${pbx}:${pbxPort};transport=udp` }] }],
  ] as const) {
    const r = await s.api('POST', `${base}/trunks/${trunkSid}/${path}`, body);
    if (r.status !== 200) throw new Error(`${path}: ${JSON.stringify(r.json)}`);
  }
  return { trunkSid, domain };
}
