import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawUac, pcmaOffer } from './support/raw-uac.js';
import { CALLER, pbxTrunk, startCluster } from './support/cluster.js';
import { sseReader } from '../support/sse.js';

// Issue 14 on a cluster (issue 15): two `trunkline serve` on one PostgreSQL + Redis. A stream
// token from one node opens the call event stream on the other (the key is shared), and a call
// carried by node 0 reaches the console connected to node 1 as it is answered and as it ends.
test('call events on a cluster: a token from node 0 opens the stream on node 1, which shows node 0\'s call answered and ended', async () => {
  const c = await startCluster(2);
  const [n0, n1] = c.nodes;
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: n0.sip }).open();
  const controller = new AbortController();
  try {
    const trunk = await pbxTrunk(n0, 'sse_cluster');
    const token = await n0.api<{ token: string }>('POST', `/v2/accounts/${c.account}/calls/events/token`, {});
    assert.equal(token.status, 200);
    const res = await fetch(`http://127.0.0.1:${n1.http}/v2/accounts/${c.account}/calls/events?token=${token.json.response.data.token}`, { signal: controller.signal });
    assert.equal(res.status, 200, 'node 1 accepts node 0\'s token');
    const events = sseReader(res.body!);
    assert.equal((await events.next()).event, 'ready');

    const inv = pbx.invite({ ruri: `sip:+919876540000@${trunk.domain}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
    const ok = await inv.waitFinal(5000);
    assert.equal(ok.status, 200, ok.raw);
    await pbx.ack(inv, ok);
    const sid = ok.header('x-trunkline-call-sid')!;
    const next = async () => JSON.parse((await events.next()).data) as { call_sid: string; status: string; node_id?: string; trace?: unknown };
    const answered = await next();
    assert.equal(answered.call_sid, sid);
    assert.equal(answered.status, 'in-progress');
    assert.equal(answered.node_id, 'node-0', 'carried by node 0');
    assert.equal(answered.trace, undefined);
    assert.equal((await pbx.request(inv, 'BYE')).status, 200);
    let last = answered;
    while (last.status === 'in-progress') last = await next();
    assert.equal(last.call_sid, sid);
    assert.equal(last.status, 'completed');
    await trunk.remove();
  } finally {
    controller.abort();
    await pbx.close();
    await c.stop();
  }
});
