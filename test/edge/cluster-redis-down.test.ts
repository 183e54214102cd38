import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { peerSkip } from '../support/peers.js';
import { pgSchema } from '../store/support.js';
import { CALLER, pbxTrunk } from './support/cluster.js';
import { RawUac, pcmaOffer, type Msg } from './support/raw-uac.js';
import { serve } from './support/serve.js';

async function freeTcpPort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A private Redis for this test only (nothing saved), up once it says it accepts connections. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('redis-server did not start in 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
    lines.on('line', (l) => {
      if (!l.includes('Ready to accept connections')) return;
      clearTimeout(t);
      resolve();
    });
  });
  child.stdout!.resume();
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

// Issue 15, Redis down: a node of a cluster cannot count the trunks' call rate and concurrent calls
// across the cluster, so it fails closed — each new call is refused with 503 + Retry-After and the
// finding edge.counters-unavailable (a proxy in front retries another edge), the node logs it, and
// neither it nor its API falls over. When Redis answers again the node admits calls by itself.
test('Redis killed under a serve node: new calls get 503 + Retry-After with edge.counters-unavailable, the node stays up, and calls pass again once Redis is back', { timeout: 120_000 }, async (t) => {
  const skip = peerSkip('redis-server');
  if (skip) return void t.skip(skip);
  const port = await freeTcpPort();
  let redis = await startRedis(port);
  const pg = await pgSchema('tl_redis_down');
  const s = await serve(['--db', pg.db, '--redis', `redis://127.0.0.1:${port}`, '--redis-prefix', 'tl-down:', '--node-id', 'down-0', '--node-timeout', '3000']);
  // serve logs JSON lines on stdout; stderr would get ioredis's own complaints.
  const stdout: string[] = [];
  const stderr: string[] = [];
  s.child.stdout!.on('data', (d: Buffer) => stdout.push(d.toString()));
  s.child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: s.sip }).open();
  try {
    const trunk = await pbxTrunk(s, 'pbx_down', { max_concurrent_calls: 5 });
    const ruri = `sip:+919876540000@${trunk.domain}`;
    const call = async (): Promise<Msg> => {
      const inv = pbx.invite({ ruri, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
      const final = await inv.waitFinal(15_000);
      if (final.status === 200) {
        await pbx.ack(inv, final);
        assert.equal((await pbx.request(inv, 'BYE')).status, 200);
      }
      return final;
    };
    const before = await call();
    assert.equal(before.status, 200, before.raw);

    await kill(redis);
    const refused = await call();
    assert.equal(refused.status, 503, refused.raw);
    assert.match(refused.header('retry-after') ?? '', /^\d+$/, refused.raw);
    assert.equal(refused.header('x-trunkline-finding'), 'edge.counters-unavailable', refused.raw);
    // The node is up: its API answers and holds the refused call's record with its cause.
    const sid = refused.header('x-trunkline-call-sid')!;
    const record = await s.api<{ edge_cause: string; final_code: number; findings: { id: string }[] }>('GET', `/v2/accounts/${s.account}/calls/${sid}`);
    assert.equal(record.status, 200, JSON.stringify(record.json));
    assert.equal(record.json.response.data.edge_cause, 'counters-unavailable');
    assert.ok(record.json.response.data.findings.some((f) => f.id === 'edge.counters-unavailable'), JSON.stringify(record.json.response.data.findings));
    assert.equal(s.child.exitCode, null);
    for (let i = 0; i < 50 && !stdout.join('').includes('shared counters (Redis) unavailable'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(stdout.join(''), /shared counters \(Redis\) unavailable/);

    redis = await startRedis(port);
    // ioredis reconnects with a back-off (at most 2 s between tries): calls pass again without a restart.
    let after = await call();
    for (let i = 0; i < 20 && after.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 500));
      after = await call();
    }
    assert.equal(after.status, 200, after.raw);
    assert.equal(s.child.exitCode, null);
    assert.match(stdout.join(''), /shared counters \(Redis\) answer again/);
    assert.doesNotMatch(stderr.join(''), /Unhandled error event/);
    await trunk.remove();
  } finally {
    await pbx.close();
    await s.stop();
    await kill(redis);
    await pg.drop();
  }
});
