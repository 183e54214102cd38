import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawUac, pcmaOffer } from './support/raw-uac.js';
import { startHarness, DOMAIN, CALLER } from './support/harness.js';
import { DEFAULT_OVERLOAD, OverloadGuard, type LoadGauge, type OverloadVerdict } from '../../src/edge/index.js';

test('the overload guard refuses a share of new INVITEs that grows while the mean wait is at or above enterAtMs and shrinks under leaveAtMs, spread evenly', () => {
  const guard = new OverloadGuard({ enterAtMs: 100, leaveAtMs: 25, windowSamples: 3, retryAfterS: 4, raiseBy: 0.25, lowerBy: 0.5 });
  const changes: boolean[] = [];
  guard.onChange = (overloaded) => changes.push(overloaded);
  const refusedOf = (n: number) => Array.from({ length: n }, () => guard.overload()).filter((v) => v !== undefined).length;
  guard.sample(400);
  guard.sample(400);
  assert.equal(guard.share, 0, 'not before the window is full');
  assert.equal(refusedOf(10), 0);
  guard.sample(10);
  assert.equal(guard.share, 0.25, 'mean 270 ms: a quarter refused');
  assert.equal(refusedOf(8), 2, 'one in four, evenly');
  const verdict = Array.from({ length: 4 }, () => guard.overload()).find((v) => v !== undefined);
  assert.equal(verdict?.retryAfterS, 4);
  assert.match(verdict!.detail, /wait 270 ms .*last 3 samples.*from 100 ms.*now 25 %/);
  guard.sample(400);
  assert.equal(guard.share, 0.5, 'mean 270 ms again: grows');
  guard.sample(50);
  guard.sample(10);
  assert.equal(guard.share, 1, 'means 153 and 153 ms: every new call refused');
  guard.sample(60);
  guard.sample(10);
  guard.sample(10);
  assert.equal(guard.share, 1, 'means 40, 27, 27 ms, between the thresholds: holds');
  guard.sample(Number.NaN);
  assert.equal(guard.share, 0.5, 'mean 7 ms (a NaN sample counts as 0): shrinks');
  guard.sample(-5);
  assert.equal(guard.share, 0, 'mean 3 ms: taken again');
  assert.equal(refusedOf(10), 0);
  assert.deepEqual(changes, [true, false]);
  assert.throws(() => new OverloadGuard({ enterAtMs: 50, leaveAtMs: 60, windowSamples: 3, retryAfterS: 1, raiseBy: 0.1, lowerBy: 0.1 }), RangeError);
  assert.throws(() => new OverloadGuard({ enterAtMs: 100, leaveAtMs: 25, windowSamples: 0, retryAfterS: 1, raiseBy: 0.1, lowerBy: 0.1 }), RangeError);
  assert.throws(() => new OverloadGuard({ enterAtMs: 100, leaveAtMs: 25, windowSamples: 3, retryAfterS: 1, raiseBy: 0, lowerBy: 0.1 }), RangeError);
});

test('after a transient the refused share goes back to 0 within ~1.3 s of an empty queue; in a sustained overload short dips keep the slow step', () => {
  const samplesToZero = (settings: typeof DEFAULT_OVERLOAD) => {
    const guard = new OverloadGuard(settings);
    for (const w of [300, 300, 300]) guard.sample(w);
    assert.equal(guard.share, 0.4, 'two means of 300 ms: 40 % refused');
    let n = 0;
    while (guard.share > 0 && n < 100) {
      guard.sample(0);
      n++;
    }
    return n;
  };
  // The first quiet sample still averages the spike (150 ms: holds); 10 at −2 %, then −10 % a sample.
  assert.equal(samplesToZero(DEFAULT_OVERLOAD), 13);
  const { quietAfter: _a, quietLowerBy: _b, ...slowOnly } = DEFAULT_OVERLOAD;
  assert.equal(samplesToZero(slowOnly), 21, 'without the quiet step: −2 % a sample all the way');

  // Sustained: the wait swings; dips under leaveAtMs shorter than quietAfter only ever take −2 %.
  const guard = new OverloadGuard(DEFAULT_OVERLOAD);
  for (let i = 0; i < 6; i++) guard.sample(300);
  assert.equal(guard.share, 1);
  for (let round = 0; round < 5; round++) {
    const before = guard.share;
    for (let i = 0; i < 9; i++) guard.sample(0);
    assert.ok(Math.abs(before - guard.share - 0.16) < 1e-9, `round ${round}: 8 quiet means at −2 % (the first still averages the wait before), got ${before - guard.share}`);
    // The wait comes back between the thresholds (holds): the quiet run starts again.
    guard.sample(120);
    guard.sample(120);
  }
  assert.throws(() => new OverloadGuard({ ...DEFAULT_OVERLOAD, quietAfter: 0 }), RangeError);
  assert.throws(() => new OverloadGuard({ ...DEFAULT_OVERLOAD, quietLowerBy: 0 }), RangeError);
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

  // A flood is answered the same, but recorded only within the refusal record budget (20 per
  // source per 10 s): the 21st refusal from this source names no call sid, no record behind it.
  const flood = await Promise.all(Array.from({ length: 20 }, () => pbx.invite({ ruri: `sip:+919876540000@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() }).waitFinal()));
  for (const r of flood) {
    assert.equal(r.status, 503, r.raw);
    assert.equal(r.header('retry-after'), '5');
    assert.equal(r.header('x-trunkline-finding'), 'edge.overload');
  }
  const unnamed = flood.filter((r) => !r.header('x-trunkline-call-sid'));
  assert.equal(unnamed.length, 1, flood.map((r) => r.header('x-trunkline-call-sid') ?? '-').join(' '));
  assert.match(unnamed[0].header('reason') ?? '', /Edge overloaded: SIP requests wait 180 ms/);

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
