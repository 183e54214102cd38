import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawUac, pcmaOffer } from './support/raw-uac.js';
import { startHarness, DOMAIN, CALLER, TRUNK } from './support/harness.js';

for (const protocol of ['udp', 'tcp'] as const) {
  test(`an outbound call over ${protocol.toUpperCase()} reaches the PSTN simulator, is answered, and BYE ends it with a record`, async () => {
    const h = await startHarness();
    const pbx = await new RawUac(protocol, { host: '127.0.0.1', port: h.port }).open();
    try {
      const inv = pbx.invite({ ruri: `sip:+919876540000@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
      const ok = await inv.waitFinal();
      assert.equal(ok.status, 200, ok.raw);
      assert.ok(inv.responses.some((r) => r.status === 100), '100 Trying at once');
      assert.match(ok.body, /m=audio \d+ RTP\/AVP 8/);
      const sid = ok.header('x-trunkline-call-sid');
      assert.match(sid ?? '', /^[0-9a-f]{32}$/);
      // Topology hiding: nothing of the carrier side's Via or Call-ID in what the PBX gets.
      assert.equal(ok.all('via').length, 1);
      await pbx.ack(inv, ok);
      const bye = await pbx.request(inv, 'BYE');
      assert.equal(bye.status, 200);
      const rec = await h.calls.wait((r) => r.call_sid === sid && r.status === 'completed');
      assert.equal(rec.final_code, 200);
      assert.equal(rec.final_by, 'carrier');
      assert.equal(rec.direction, 'outbound');
      assert.equal(rec.end_cause, 'bye-customer');
      assert.equal(rec.to, '+919876540000');
      assert.ok(rec.trace.some((t) => t.leg === 'carrier' && t.direction === 'out' && t.summary.startsWith('INVITE ')));
      assert.ok(!rec.trace.filter((t) => t.leg === 'carrier' && t.direction === 'out').some((t) => t.message.includes(`${pbx.local.port}`)), 'the PBX port never reaches the carrier');
      // The 100 Trying the stack sent at once, before the edge ran, is in the trace right after the INVITE.
      const customer = rec.trace.filter((e) => e.leg === 'customer').map((e) => `${e.direction} ${e.summary}`);
      assert.deepEqual(customer.slice(0, 2).map((l) => l.split(' ').slice(0, 3).join(' ')), ['in INVITE sip:+919876540000@' + DOMAIN, 'out SIP/2.0 100'], customer.join(' | '));
      // The record waits for the carrier's answer to the BYE the edge sent it: that leg ends BYE → 200.
      const carrier = rec.trace.filter((e) => e.leg === 'carrier').map((e) => `${e.direction} ${e.summary.split(' ')[e.summary.startsWith('SIP/2.0 ') ? 1 : 0]}`);
      assert.deepEqual(carrier.slice(-2), ['out BYE', 'in 200'], carrier.join(' | '));
      // A received request is traced as it arrived, not with the rport/received the stack stamped on its top Via (RFC 3581).
      const tracedInvite = rec.trace.find((t) => t.leg === 'customer' && t.direction === 'in' && t.summary.startsWith('INVITE '));
      assert.equal(tracedInvite?.message, inv.request);
      // The trace is the wire: the requests the edge sent carry the Via its transaction layer put on them.
      for (const method of ['INVITE', 'BYE']) {
        const sent = rec.trace.find((t) => t.leg === 'carrier' && t.direction === 'out' && t.summary.startsWith(`${method} `));
        assert.match(sent?.message ?? '', new RegExp(`\\r\\nVia: SIP/2\\.0/[A-Z]+ 127\\.0\\.0\\.1:${h.port};branch=z9hG4bK`, 'i'), `${method} as traced: ${sent?.message ?? 'none'}`);
      }
    } finally {
      await pbx.close();
      await h.stop();
    }
  });
}

test('Max-Forwards 0 is answered 483 Too Many Hops and never reaches the carrier (RFC 3261 §8.2.2 / §16.3)', async () => {
  const h = await startHarness();
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  try {
    const probe = pbx.invite({ ruri: `sip:+919876540000@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer(), send: false });
    await pbx.sendRaw(probe.request.replace('Max-Forwards: 70', 'Max-Forwards: 0'));
    const m = await probe.waitFinal();
    // The UAS core of sip/ answers it before the B2BUA sees it (a stateless check), so no call record.
    assert.equal(m.status, 483);
    assert.equal(h.edge.sim!.simulator.stats.invites, 0);
  } finally {
    await pbx.close();
    await h.stop();
  }
});

test('a session refresh (RFC 4028 re-INVITE with Session-Expires) is relayed to the carrier leg and answered', async () => {
  const h = await startHarness();
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  try {
    const inv = pbx.invite({ ruri: `sip:+919876540000@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer(), extra: ['Supported: timer', 'Session-Expires: 1800;refresher=uac'] });
    const ok = await inv.waitFinal();
    assert.equal(ok.status, 200);
    await pbx.ack(inv, ok);
    const refresh = await pbx.request(inv, 'INVITE', pcmaOffer(), ['Supported: timer', 'Session-Expires: 1800;refresher=uac']);
    assert.equal(refresh.status, 200);
    await pbx.request(inv, 'BYE');
    const rec = await h.calls.wait((r) => r.call_sid === ok.header('x-trunkline-call-sid') && r.status === 'completed');
    const carrierInvites = rec.trace.filter((t) => t.leg === 'carrier' && t.direction === 'out' && t.summary.startsWith('INVITE'));
    assert.equal(carrierInvites.length, 2);
    for (const t of carrierInvites) assert.match(t.message, /Session-Expires: 1800;refresher=uac/);
  } finally {
    await pbx.close();
    await h.stop();
  }
});

test('503 with Retry-After when the trunk is at max_concurrent_calls; the slot frees when a call ends', async () => {
  const h = await startHarness();
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  h.directory.update(TRUNK, { maxConcurrentCalls: 1 });
  try {
    const ringing = pbx.invite({ ruri: `sip:+919876540180@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
    await ringing.waitFor((m) => m.status === 180);
    const second = await pbx.invite({ ruri: `sip:+919876540000@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() }).waitFinal();
    assert.equal(second.status, 503);
    assert.equal(second.header('x-trunkline-finding'), 'trunk.concurrency-limited');
    assert.ok(second.header('retry-after'));
    await pbx.cancel(ringing);
    await ringing.waitFinal();
    const third = pbx.invite({ ruri: `sip:+919876540000@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
    const ok = await third.waitFinal();
    assert.equal(ok.status, 200);
    await pbx.ack(third, ok);
    await pbx.request(third, 'BYE');
  } finally {
    await pbx.close();
    await h.stop();
  }
});

test('the trace holds what the stack sent on its own: the ACK of the carrier\'s busy (after the 486), the CANCEL of a ringing call and the 200 for the caller\'s CANCEL', async (t) => {
  const h = await startHarness();
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  t.after(async () => {
    await pbx.close();
    await h.stop();
  });
  const carrierLines = (rec: { trace: readonly { leg: string; direction: string; summary: string }[] }) =>
    rec.trace.filter((e) => e.leg === 'carrier').map((e) => `${e.direction} ${e.summary.split(' ')[e.summary.startsWith('SIP/2.0 ') ? 1 : 0]}`);

  // The simulator answers numbers ending in 0486 with 486 Busy Here.
  const busy = pbx.invite({ ruri: `sip:+919876540486@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
  const final = await busy.waitFinal();
  assert.equal(final.status, 486);
  const busyRec = await h.calls.wait((r) => r.call_sid === final.header('x-trunkline-call-sid') && r.final_code === 486);
  const busyLines = carrierLines(busyRec);
  assert.ok(busyLines.includes('in 486') && busyLines.indexOf('out ACK') > busyLines.indexOf('in 486'), `carrier leg: ${busyLines.join(' | ')}`);
  assert.equal(busyLines.filter((l) => l === 'out ACK').length, 1, busyLines.join(' | '));

  // Numbers ending in 0180 ring until cancelled.
  const ringing = pbx.invite({ ruri: `sip:+919876540180@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
  const ring = await ringing.waitFor((m) => m.status === 180);
  assert.equal((await pbx.cancel(ringing)).status, 200);
  assert.equal((await ringing.waitFinal()).status, 487);
  const cancelled = await h.calls.wait((r) => r.call_sid === ring.header('x-trunkline-call-sid') && r.final_code === 487);
  const lines = carrierLines(cancelled);
  assert.ok(lines.includes('in 180') && lines.indexOf('out CANCEL') > lines.indexOf('in 180'), `carrier leg: ${lines.join(' | ')}`);
  // The caller's leg ended with its 487; the record waited for the carrier's: the CANCEL's 200, the INVITE's 487 and our ACK.
  assert.deepEqual(lines.slice(lines.indexOf('out CANCEL')), ['out CANCEL', 'in 200', 'in 487', 'out ACK'], `carrier leg: ${lines.join(' | ')}`);
  // The caller's side: its CANCEL, the 200 the stack answered it with, then the INVITE's 487.
  const caller = cancelled.trace.filter((e) => e.leg === 'customer').map((e) => `${e.direction} ${e.summary.split(' ')[e.summary.startsWith('SIP/2.0 ') ? 1 : 0]}`);
  const at = caller.indexOf('in CANCEL');
  assert.ok(at > 0 && caller[at + 1] === 'out 200' && caller.indexOf('out 487') > at + 1, `customer leg: ${caller.join(' | ')}`);
});

test('retransmissions are in the trace as they crossed the wire: the caller\'s INVITE again and the 180 sent again for it; the INVITE again to a carrier that does not answer', async (t) => {
  const h = await startHarness();
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  t.after(async () => {
    await pbx.close();
    await h.stop();
  });
  const lines = (rec: { trace: readonly { leg: string; direction: string; summary: string }[] }, leg: string) =>
    rec.trace.filter((e) => e.leg === leg).map((e) => `${e.direction} ${e.summary.split(' ')[e.summary.startsWith('SIP/2.0 ') ? 1 : 0]}`);

  // Numbers ending in 0180 ring until cancelled; the caller sends its INVITE a second time (its Timer A).
  const ringing = pbx.invite({ ruri: `sip:+919876540180@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
  const ring = await ringing.waitFor((m) => m.status === 180);
  await pbx.sendRaw(ringing.request);
  await ringing.waitFor(() => ringing.responses.filter((r) => r.status === 180).length >= 2);
  assert.equal((await pbx.cancel(ringing)).status, 200);
  assert.equal((await ringing.waitFinal()).status, 487);
  const rec = await h.calls.wait((r) => r.call_sid === ring.header('x-trunkline-call-sid') && r.final_code === 487);
  const caller = lines(rec, 'customer');
  const invites = rec.trace.filter((e) => e.leg === 'customer' && e.direction === 'in' && e.summary.startsWith('INVITE '));
  assert.equal(invites.length, 2, caller.join(' | '));
  for (const inv of invites) assert.equal(inv.message, ringing.request);
  const second = caller.lastIndexOf('in INVITE');
  assert.ok(caller.indexOf('out 180') < second && caller.indexOf('out 180', second) > second, `customer leg: ${caller.join(' | ')}`);

  // Numbers ending in 0408 never answer: the edge's INVITE goes again on Timer A until the edge gives up (504).
  const silent = pbx.invite({ ruri: `sip:+919876540408@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
  const final = await silent.waitFinal(8000);
  assert.equal(final.status, 504);
  const timedOut = await h.calls.wait((r) => r.call_sid === final.header('x-trunkline-call-sid') && r.final_code === 504);
  const sent = timedOut.trace.filter((e) => e.leg === 'carrier' && e.direction === 'out' && e.summary.startsWith('INVITE '));
  assert.ok(sent.length >= 2, lines(timedOut, 'carrier').join(' | '));
  for (const inv of sent) assert.equal(inv.message, sent[0].message);
});
