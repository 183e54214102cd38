import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { RawUac, pcmaOffer, type InviteAttempt, type Msg } from './support/raw-uac.js';
import { CALLER, pbxTrunk, startCluster } from './support/cluster.js';
import type { Served } from './support/serve.js';

// Issue 15: kill -9 of a node mid-call. The survivor sees the node's heartbeat stop, takes the
// lost node's lock and closes its in-progress call as failed with edge.node-lost naming the
// node; the call's concurrent slot comes back. What was acknowledged before (a completed
// call of the same node, the survivor's own call) is untouched.
const ECHO = '+919876540000';
const RINGS = '+919876540180';

interface CallView {
  readonly status: string;
  readonly node_id: string | null;
  readonly end_cause: string | null;
  readonly ended_at: string | null;
  readonly findings: readonly { id: string; evidence?: readonly string[] }[];
}

async function answered(pbx: RawUac, domain: string, to = ECHO): Promise<{ inv: InviteAttempt; ok: Msg; sid: string }> {
  const inv = pbx.invite({ ruri: `sip:${to}@${domain}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
  const ok = await inv.waitFinal(8000);
  assert.equal(ok.status, 200, ok.raw);
  await pbx.ack(inv, ok);
  return { inv, ok, sid: ok.header('x-trunkline-call-sid')! };
}

/**
 * Another node's record is visible here once that node's batch is committed (its saves are
 * gathered and written a moment after the answer or the end): wait for it, bounded.
 */
async function viewWhen(node: Served, sid: string, ready: (v: CallView) => boolean = () => true): Promise<CallView> {
  let last = '';
  for (let i = 0; i < 100; i++) {
    const r = await node.api<CallView & { evidence?: never }>('GET', `/v2/accounts/${node.account}/calls/${sid}`);
    last = JSON.stringify(r.json);
    if (r.status === 200 && ready(r.json.response.data)) return r.json.response.data;
    if (r.status !== 200 && r.status !== 404) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.fail(`call ${sid} not stored as expected on ${node.http}: ${last}`);
}

async function view(node: Served, sid: string): Promise<CallView> {
  const r = await node.api<CallView & { evidence?: never }>('GET', `/v2/accounts/${node.account}/calls/${sid}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.response.data;
}

test('kill -9 of one of three nodes mid-call: exactly one of the two survivors closes its call as failed with edge.node-lost naming the node within the node timeout; its slot comes back; acknowledged records are kept', async () => {
  const c = await startCluster(3, ['--node-timeout', '2']);
  const [survivor, victim] = c.nodes;
  const trunk = await pbxTrunk(survivor, 'pbx_lost', { max_concurrent_calls: 2 });
  const [pbx0, pbx1] = await Promise.all([survivor, victim].map((n) => new RawUac('udp', { host: '127.0.0.1', port: n.sip }).open()));
  try {
    // Acknowledged before the crash: a call the victim carried to its end.
    const done = await answered(pbx1, trunk.domain);
    assert.equal((await pbx1.request(done.inv, 'BYE')).status, 200);
    assert.equal((await viewWhen(survivor, done.sid, (v) => v.status === 'completed')).status, 'completed');
    const onVictim = await answered(pbx1, trunk.domain);
    const onSurvivor = await answered(pbx0, trunk.domain);
    assert.equal((await viewWhen(survivor, onVictim.sid)).node_id, 'node-1');
    // The trunk is full (2 calls up across the cluster).
    const full = await pbx0.invite({ ruri: `sip:${RINGS}@${trunk.domain}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() }).waitFinal(5000);
    assert.equal(full.header('x-trunkline-finding'), 'trunk.concurrency-limited');

    const exited = once(victim.child, 'exit');
    victim.child.kill('SIGKILL');
    await exited;
    // Bounded wait: the node timeout (2 s) plus a few heartbeats of the survivor.
    let lost: CallView | undefined;
    for (let i = 0; i < 100; i++) {
      const v = await view(survivor, onVictim.sid);
      if (v.status !== 'in-progress') {
        lost = v;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(lost, 'the lost node\'s call was closed');
    assert.equal(lost.status, 'failed');
    assert.equal(lost.end_cause, 'node-lost');
    assert.equal(lost.node_id, 'node-1');
    assert.ok(lost.ended_at);
    const f = lost.findings.find((x) => x.id === 'edge.node-lost');
    assert.ok(f, JSON.stringify(lost.findings));
    const full1 = await survivor.api<CallView & { events: { kind: string; detail: string }[] }>('GET', `/v2/accounts/${c.account}/calls/${onVictim.sid}`);
    const event = full1.json.response.data.events.find((e) => e.kind === 'node-lost');
    // Either survivor may close it (whichever took the lock first), never both: one event, one finding.
    assert.match(event?.detail ?? '', /node node-1 carrying the call .* node node-[02] closed the call/);
    assert.equal(lost.findings.filter((x) => x.id === 'edge.node-lost').length, 1);
    assert.equal(full1.json.response.data.events.filter((e) => e.kind === 'node-lost').length, 1);
    // Nothing acknowledged is lost or changed.
    assert.equal((await view(survivor, done.sid)).status, 'completed');
    const mine = await view(survivor, onSurvivor.sid);
    assert.equal(mine.status, 'in-progress');
    assert.equal(mine.node_id, 'node-0');
    // The lost call's concurrent slot is back: a new call is admitted.
    const again = pbx0.invite({ ruri: `sip:${RINGS}@${trunk.domain}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
    assert.equal((await again.waitFor((m) => m.status === 180 || (m.status ?? 0) >= 200, 5000)).status, 180);
    await pbx0.cancel(again);
    await again.waitFinal(5000);
    assert.equal((await pbx0.request(onSurvivor.inv, 'BYE')).status, 200);
  } finally {
    await Promise.all([pbx0.close(), pbx1.close()]);
    await trunk.remove().catch(() => {});
    await c.stop();
  }
});
