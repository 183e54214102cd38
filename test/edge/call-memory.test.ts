import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { RawUac, pcmaOffer } from './support/raw-uac.js';
import { startHarness, DOMAIN, CALLER } from './support/harness.js';
import { Call } from '../../src/edge/call/call.js';
import { CallRecorder } from '../../src/edge/record/call-record.js';

// A call's transactions outlive it: after the answer the INVITE transactions stay 32 s in the
// stack (RFC 6026 Accepted, Timers L and M), the BYE's for Timer J/K. If they hold the edge's
// handlers, every ended call — its trace, legs, SDP and media session — stays in memory with
// them: at 200 calls/s that was ~6 400 dead calls, 500 MB of heap and the GC time that goes
// with it (issue 13). The calls must be gone while their transactions still linger.

const ECHO = '+919876540000';

test('an ended call is freed while its transactions still linger in the stack', { skip: typeof v8.queryObjects !== 'function' && 'v8.queryObjects needs Node ≥ 20.13' }, async () => {
  const h = await startHarness({ relay: { rtpTimeoutMs: 30_000 } });
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  try {
    const sids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const inv = pbx.invite({ ruri: `sip:${ECHO}@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer('127.0.0.1', 42000 + 2 * i) });
      const ok = await inv.waitFinal();
      assert.equal(ok.status, 200);
      await pbx.ack(inv, ok);
      assert.equal((await pbx.request(inv, 'BYE')).status, 200);
      sids.push(ok.header('x-trunkline-call-sid')!);
    }
    for (const sid of sids) await h.calls.wait((r) => r.call_sid === sid && r.status === 'completed');
    await h.edge.b2bua.flush();
    // The edge answers the caller's BYE at once and ends the call; its own BYE to the carrier
    // holds the call until that BYE's final response, a moment later.
    await new Promise((r) => setTimeout(r, 200));
    const lingering = h.sip.layer.transactionCount;
    assert.ok(lingering.clients + lingering.servers >= 6, `the calls' transactions still linger: ${JSON.stringify(lingering)}`);
    // queryObjects collects garbage first: what it counts is still reachable.
    assert.equal(v8.queryObjects(Call, { format: 'count' }), 0, 'ended calls still reachable');
    assert.equal(v8.queryObjects(CallRecorder, { format: 'count' }), 0, 'ended calls\' recorders still reachable');
  } finally {
    await pbx.close();
    await h.stop();
  }
});
