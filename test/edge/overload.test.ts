import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawUac, pcmaOffer } from './support/raw-uac.js';
import { startHarness, DOMAIN, CALLER } from './support/harness.js';
import { OverloadGuard, type LoadGauge, type OverloadVerdict } from '../../src/edge/index.js';

test('the overload guard refuses from a full window whose mean wait reaches enterAtMs, and takes calls again only below leaveAtMs', () => {
  const guard = new OverloadGuard({ enterAtMs: 100, leaveAtMs: 25, windowSamples: 3, retryAfterS: 4 });
  const changes: boolean[] = [];
  guard.onChange = (overloaded) => changes.push(overloaded);
  guard.sample(400);
  guard.sample(400);
  assert.equal(guard.overload(), undefined, 'not before the window is full');
  guard.sample(10);
  assert.equal(guard.overload()?.retryAfterS, 4, 'mean 270 ms');
  assert.match(guard.overload()!.detail, /wait 270 ms .*last 3 samples.*from 100 ms/);
  guard.sample(30);
  assert.ok(guard.overload(), 'mean 147 ms');
  guard.sample(30);
  assert.equal(guard.overload(), undefined, 'mean 23 ms < leaveAtMs');
  guard.sample(Number.NaN);
  guard.sample(-5);
  guard.sample(250);
  assert.equal(guard.overload(), undefined, 'one pause (a NaN or negative sample counts as 0): mean 83 ms');
  guard.sample(250);
  assert.ok(guard.overload(), 'a wait that lasts: mean 167 ms');
  assert.deepEqual(changes, [true, false, true]);
  assert.throws(() => new OverloadGuard({ enterAtMs: 50, leaveAtMs: 60, windowSamples: 3, retryAfterS: 1 }), RangeError);
  assert.throws(() => new OverloadGuard({ enterAtMs: 100, leaveAtMs: 25, windowSamples: 0, retryAfterS: 1 }), RangeError);
});

test('under overload a new INVITE is refused 503 with Retry-After and the edge.overload finding, on record; a call already up is carried to its end', async (t) => {
  let verdict: OverloadVerdict | undefined;
  const load: LoadGauge = { overload: () => verdict };
  const h = await startHarness({ load });
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  t.after(async () => {
    await pbx.close();
    await h.stop();
  });
  const up = pbx.invite({ ruri: `sip:+919876540000@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
  const ok = await up.waitFinal();
  assert.equal(ok.status, 200, ok.raw);
  await pbx.ack(up, ok);

  verdict = { detail: 'SIP requests wait 180 ms to be read (mean of the last 5 samples; new calls are refused from 100 ms)', retryAfterS: 5 };
  const refused = pbx.invite({ ruri: `sip:+919876540000@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
  const busy = await refused.waitFinal();
  assert.equal(busy.status, 503, busy.raw);
  assert.equal(busy.header('retry-after'), '5');
  assert.match(busy.header('x-trunkline-finding') ?? '', /edge\.overload/);
  const sid = busy.header('x-trunkline-call-sid');
  const rec = await h.calls.wait((r) => r.call_sid === sid && r.final_code === 503);
  assert.equal(rec.status, 'refused');
  assert.equal(rec.final_by, 'edge');
  assert.equal(rec.edge_cause, 'overload');
  assert.deepEqual(rec.findings.map((f) => f.id), ['edge.overload'], 'the cause alone, not also the far side\'s Retry-After');
  assert.ok(!rec.trace.some((e) => e.leg === 'carrier'), 'no carrier attempt for a refused call');

  // In-dialog requests are never refused: the call that was up ends normally.
  assert.equal((await pbx.request(up, 'BYE')).status, 200);
  const done = await h.calls.wait((r) => r.call_sid === ok.header('x-trunkline-call-sid') && r.status === 'completed');
  assert.equal(done.end_cause, 'bye-customer');

  verdict = undefined;
  const again = pbx.invite({ ruri: `sip:+919876540000@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
  const answered = await again.waitFinal();
  assert.equal(answered.status, 200, 'taken again once the load is gone');
  await pbx.ack(again, answered);
  await pbx.request(again, 'BYE');
});
