import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pgSchema, type PgSchema } from '../../store/support.js';
import { apiClient, serve, type Served } from './serve.js';

/**
 * Several `trunkline serve` on 127.0.0.1 as one cluster (issue 15): one fresh PostgreSQL
 * schema, the machine's Redis under a key prefix of this run, a node id each. The first node
 * makes the demo account; the others use its credentials.
 */
export const REDIS_URL = 'redis://127.0.0.1:6379';
export const CALLER = '+919876541111';

export interface Cluster {
  readonly nodes: Served[];
  readonly pg: PgSchema;
  readonly prefix: string;
  readonly account: string;
  /** Starts one more node of the cluster (node ids node-0, node-1, …). */
  add(extra?: readonly string[]): Promise<Served>;
  stop(): Promise<void>;
}

export async function startCluster(count: number, extra: readonly string[] = []): Promise<Cluster> {
  const pg = await pgSchema('tl_cluster');
  const prefix = `tl-test:${randomBytes(6).toString('hex')}:`;
  const nodes: Served[] = [];
  const args = (i: number, more: readonly string[]) => ['--db', pg.db, '--redis', REDIS_URL, '--redis-prefix', prefix, '--node-id', `node-${i}`, ...extra, ...more];
  let first: Served | undefined;
  let started = 0;
  const add = async (more: readonly string[] = []): Promise<Served> => {
    // Counted when asked, not when up: nodes started side by side get distinct ids.
    const i = started++;
    const s = await serve(args(i, more));
    const node = first ? { ...s, account: first.account, auth: first.auth, api: apiClient(s.http, first.auth) } : s;
    first ??= node;
    nodes[i] = node;
    return node;
  };
  const stop = async () => {
    await Promise.all(nodes.filter((n) => n !== undefined).map((n) => n.stop()));
    const raw = new Redis(REDIS_URL);
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length > 0) await raw.del(...keys);
    raw.disconnect();
    await pg.drop();
  };
  try {
    await add();
    await Promise.all(Array.from({ length: count - 1 }, () => add()));
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes, pg, prefix, account: first!.account, add, stop };
}

/**
 * A trunk for the PBX on 127.0.0.1 (whitelisted, one caller number), with the given limits.
 * Tests sharing a cluster remove theirs at the end: the whitelisted 127.0.0.1 and the caller
 * number belong to one trunk at a time.
 */
export async function pbxTrunk(node: Served, name: string, update: Record<string, unknown> = {}): Promise<{ trunkSid: string; domain: string; remove(): Promise<void> }> {
  const trunk = await node.api<{ trunk_sid: string; domain_name: string }>('POST', `/v2/accounts/${node.account}/trunks`, {
    trunk_name: name, nso_code: 'ANY-ANY', domain_name: `${node.account}.pstn.localhost`,
  });
  if (trunk.status !== 200) throw new Error(`trunk create: ${JSON.stringify(trunk.json)}`);
  const { trunk_sid: trunkSid, domain_name: domain } = trunk.json.response.data;
  if (Object.keys(update).length > 0) {
    const r = await node.api('PUT', `/v2/accounts/${node.account}/trunks/${trunkSid}`, update);
    if (r.status !== 200) throw new Error(`trunk update: ${JSON.stringify(r.json)}`);
  }
  for (const [path, body] of [['whitelisted-ips', { ip: '127.0.0.1', mask: 32 }], ['phone-numbers', { phone_number: CALLER, mode: 'pstn' }]] as const) {
    const r = await node.api('POST', `/v2/accounts/${node.account}/trunks/${trunkSid}/${path}`, body);
    if (r.status !== 200) throw new Error(`${path}: ${JSON.stringify(r.json)}`);
  }
  return {
    trunkSid, domain,
    remove: async () => {
      const r = await node.api('DELETE', `/v2/accounts/${node.account}/trunks/${trunkSid}`);
      if (r.status !== 200) throw new Error(`trunk delete: ${JSON.stringify(r.json)}`);
    },
  };
}
