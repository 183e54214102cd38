import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawUac, pcmaOffer } from './support/raw-uac.js';
import { startHarness, DOMAIN, CALLER } from './support/harness.js';

test('a re-INVITE with a new Contact refreshes the caller leg\'s remote target: the edge\'s BYE goes to the new Request-URI (RFC 3261 §12.2.2)', async () => {
  const h = await startHarness();
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  try {
    const inv = pbx.invite({ ruri: `sip:+919876540000@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
    const ok = await inv.waitFinal();
    assert.equal(ok.status, 200, ok.raw);
    await pbx.ack(inv, ok);
    pbx.contactUser = 'moved';
    const refresh = await pbx.request(inv, 'INVITE', pcmaOffer());
    assert.equal(refresh.status, 200, refresh.raw);
    const sid = ok.header('x-trunkline-call-sid')!;
    const call = h.edge.b2bua.liveCall(sid);
    assert.ok(call, 'the call is up');
    call.hangUp('test hang-up');
    const bye = await pbx.waitRequest((m) => m.method === 'BYE');
    assert.match(bye.start, /^BYE sip:moved@127\.0\.0\.1:\d+ SIP\/2\.0$/, bye.raw);
  } finally {
    await pbx.close();
    await h.stop();
  }
});

test('the caller\'s re-INVITE with a lower CSeq than the last one is answered 500 (RFC 3261 §12.2.2) and the call stays up', async () => {
  const h = await startHarness();
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  try {
    const inv = pbx.invite({ ruri: `sip:+919876540000@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
    const ok = await inv.waitFinal();
    await pbx.ack(inv, ok);
    inv.dialog.cseq = 5;
    assert.equal((await pbx.request(inv, 'INFO')).status, 200);
    inv.dialog.cseq = 2;
    const stale = await pbx.request(inv, 'INFO');
    assert.equal(stale.status, 500, stale.raw);
    assert.match(stale.header('reason') ?? '', /CSeq out of order/);
    inv.dialog.cseq = 10;
    assert.equal((await pbx.request(inv, 'BYE')).status, 200);
  } finally {
    await pbx.close();
    await h.stop();
  }
});
