import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPeer, peerSkip } from '../support/peers.js';
import { CALLER, pbxTrunk, startCluster } from './support/cluster.js';
import { freeUdpPort } from './support/kamailio.js';
import { RawUac, pcmaOffer, type Msg } from './support/raw-uac.js';

const MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules';
const DOC = new URL('../../../docs/cluster.md', import.meta.url).pathname;

/** The code block that follows `label` in docs/cluster.md, as written there. */
function docBlock(label: string): string {
  const doc = readFileSync(DOC, 'utf8');
  const at = doc.indexOf(label);
  assert.ok(at >= 0, `docs/cluster.md has ${label}`);
  const m = /```\n([\s\S]*?)```/.exec(doc.slice(at));
  assert.ok(m, `a code block after ${label}`);
  return m[1];
}

// Issue 15: docs/cluster.md's Kamailio dispatcher example, run as written with real Kamailio in
// front of two serve nodes on PostgreSQL + Redis. Only the listen address, the dispatcher list's
// path and the nodes' addresses are put in (the list's third edge is left out: two nodes run).
// Calls through it reach both nodes and are hung up through the Record-Route; a trunk's limit
// (503 with X-Trunkline-Finding trunk.*) comes back to the PBX and is not retried on the other node.
test('the docs\' Kamailio dispatcher example in front of two serve nodes: calls spread over both, BYE through the Record-Route, a trunk limit 503 not retried elsewhere', { timeout: 180_000 }, async (t) => {
  const skip = peerSkip('kamailio');
  if (skip) return void t.skip(skip);
  const c = await startCluster(2);
  const dir = mkdtempSync(join(tmpdir(), 'trunkline-dispatcher-'));
  let kamailio: ChildProcess | undefined;
  let log = '';
  let pbx: RawUac | undefined;
  try {
    const list = docBlock('`/etc/kamailio/dispatcher.list`:')
      .replace('sip:10.0.0.11:5070', `sip:127.0.0.1:${c.nodes[0].sip}`)
      .replace('sip:10.0.0.12:5070', `sip:127.0.0.1:${c.nodes[1].sip}`)
      .split('\n').filter((l) => !l.includes('10.0.0.13')).join('\n');
    writeFileSync(join(dir, 'dispatcher.list'), list);
    const port = await freeUdpPort('127.0.0.1');
    const cfg = docBlock('`/etc/kamailio/kamailio.cfg`').replace('/etc/kamailio/dispatcher.list', join(dir, 'dispatcher.list'));
    writeFileSync(join(dir, 'kamailio.cfg'), `#!KAMAILIO\ndebug=2\nlog_stderror=yes\nchildren=2\nlisten=udp:127.0.0.1:${port}\n${cfg}`);
    const k = spawn(findPeer('kamailio')!, ['-DD', '-E', '-f', join(dir, 'kamailio.cfg'), '-L', MODULES, '-P', join(dir, 'k.pid'), '-Y', dir, '-w', dir], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    kamailio = k;
    k.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    for (let i = 0; i < 50 && !/INFO|listening/.test(log) && k.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(k.exitCode, null, `kamailio runs the documented configuration: ${log.slice(-3000)}`);

    const trunk = await pbxTrunk(c.nodes[0], 'pbx_dispatch', { calls_per_minute: 12 });
    const uac = await new RawUac('udp', { host: '127.0.0.1', port }).open();
    pbx = uac;
    const ruri = `sip:+919876540000@${trunk.domain}`;
    const call = async (): Promise<Msg> => {
      const inv = uac.invite({ ruri, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
      const final = await inv.waitFinal(15_000);
      if (final.status === 200) {
        assert.ok(final.header('record-route'), 'the proxy record-routes');
        await uac.ack(inv, final);
        // The BYE goes to the proxy (Route from the Record-Route) and on to the node that holds the dialog.
        assert.equal((await uac.request(inv, 'BYE')).status, 200);
      }
      return final;
    };
    const carriedBy = new Set<string>();
    let placed = 0;
    // Algorithm 9 picks by weight (50/50): after 12 calls, all on one node would be a 1 in 2048 chance.
    while (placed < 12) {
      const ok = await call();
      placed++;
      assert.equal(ok.status, 200, ok.raw);
      const sid = ok.header('x-trunkline-call-sid')!;
      let node: string | null = null;
      for (let i = 0; i < 50 && !node; i++) {
        const r = await c.nodes[0].api<{ node_id: string | null }>('GET', `/v2/accounts/${c.account}/calls/${sid}`);
        node = r.status === 200 ? r.json.response.data.node_id : null;
        if (!node) await new Promise((res) => setTimeout(res, 100));
      }
      carriedBy.add(node ?? '?');
      if (carriedBy.size === 2 && placed >= 4) break;
    }
    assert.deepEqual([...carriedBy].sort(), ['node-0', 'node-1']);

    // The trunk's calls_per_minute (12, cluster-wide) runs out: the next call's 503 trunk.rate-limited reaches the PBX once.
    let limited: Msg | undefined;
    for (let i = placed; i < 14 && !limited; i++) {
      const r = await call();
      if (r.status !== 200) limited = r;
    }
    assert.ok(limited, 'the trunk limit is reached');
    assert.equal(limited.status, 503, limited.raw);
    assert.equal(limited.header('x-trunkline-finding'), 'trunk.rate-limited', limited.raw);
    const callId = limited.header('call-id')!;
    const recorded = () => c.pg.query<{ node_id: string }>(`select node_id from ${c.pg.schema}.calls where sip_call_id = $1`, [callId]);
    // Records are written in batches: wait for the refusal's, then give a retried one as long again.
    let waited = 0;
    while ((await recorded()).length === 0 && waited < 10_000) {
      await new Promise((r) => setTimeout(r, 100));
      waited += 100;
    }
    await new Promise((r) => setTimeout(r, Math.max(1000, waited)));
    const rows = await recorded();
    assert.equal(rows.length, 1, `refused by one node, not retried on the other: ${JSON.stringify(rows)}`);
    await trunk.remove();
  } finally {
    await pbx?.close().catch(() => undefined);
    if (kamailio && kamailio.exitCode === null) {
      const exited = once(kamailio, 'exit');
      try {
        process.kill(-kamailio.pid!, 'SIGTERM');
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-kamailio!.pid!, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }, 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
    await c.stop();
  }
});
