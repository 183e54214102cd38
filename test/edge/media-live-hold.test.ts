import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pcmaOffer } from './support/raw-uac.js';
import { call, liveEdgeWithCarrier, liveView } from './media-live-support.js';

// A hold re-INVITE changes what the media rules may conclude (held media may stop), so the live
// record shows it soon after, not at the next periodic refresh (30 s here, longer than the test).
test('a hold re-INVITE shows on the live call record within a second or two, not at the next periodic refresh', async () => {
  const c = await liveEdgeWithCarrier(['--live-refresh', '30']);
  try {
    const a = await call(c.e, '+919876543210', '127.0.0.1', 49170);
    const hold = pcmaOffer('127.0.0.1', 49170).replace('a=sendrecv', 'a=sendonly');
    const re = await c.e.pbx.request(a.inv, 'INVITE', hold);
    assert.equal(re.status, 200, re.raw);
    type WithEvents = { events?: { kind: string; detail: string }[] };
    const v = await liveView(c.e, a.sid, 'the hold', (x) => ((x as unknown as WithEvents).events ?? []).some((ev) => ev.kind === 'reinvite' && ev.detail.includes('(hold)')), 4000);
    assert.equal(v.status, 'in-progress');
    assert.equal((await c.e.pbx.request(a.inv, 'BYE')).status, 200);
  } finally {
    await c.stop();
  }
});
