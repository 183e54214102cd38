import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { RawUac, pcmaOffer, type InviteAttempt, type Msg } from './support/raw-uac.js';
import { startHarness, DOMAIN, CALLER } from './support/harness.js';

/** An in-dialog request as `pbx` would send it in `inv`'s dialog, with `fromTag` in place of its own. */
function inDialog(pbx: RawUac, inv: InviteAttempt, method: string, fromTag: string): { text: string; branch: string } {
  const d = inv.dialog;
  const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
  const text = [
    `${method} ${d.remoteTarget} SIP/2.0`, `Via: ${pbx.via};branch=${branch};rport`, 'Max-Forwards: 70',
    `From: ${d.from.replace(/;tag=[^;>]*/, '')};tag=${fromTag}`, `To: ${d.to.replace(/;tag=[^;>]*/, '')};tag=${d.remoteTag}`, `Call-ID: ${d.callId}`, `CSeq: ${++d.cseq} ${method}`,
    'Content-Length: 0', '', '',
  ].join('\r\n');
  return { text, branch };
}

async function answered(pbx: RawUac): Promise<{ inv: InviteAttempt; ok: Msg }> {
  const inv = pbx.invite({ ruri: `sip:+919876540000@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
  const ok = await inv.waitFinal();
  assert.equal(ok.status, 200, ok.raw);
  await pbx.ack(inv, ok);
  return { inv, ok };
}

test('a BYE with the call\'s Call-ID and To tag but another From tag is in no dialog: 481, and the call stays up (RFC 3261 §12.2.2: Call-ID and both tags)', async () => {
  const h = await startHarness();
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  try {
    const { inv, ok } = await answered(pbx);
    const stranger = inDialog(pbx, inv, 'BYE', 'not-the-callers-tag');
    const refused = await pbx.sendRequest(stranger.text, stranger.branch, 'BYE');
    assert.equal(refused.status, 481, refused.raw);
    const sid = ok.header('x-trunkline-call-sid')!;
    assert.equal(h.edge.b2bua.liveCall(sid)?.isAnswered(), true, 'the call is still up');
    // The caller's own BYE, with its own From tag, is in the dialog and ends the call.
    const bye = await pbx.request(inv, 'BYE');
    assert.equal(bye.status, 200, bye.raw);
    await h.calls.wait((r) => r.call_sid === sid && r.status === 'completed');
  } finally {
    await pbx.close();
    await h.stop();
  }
});

test('an in-dialog request after the call ended gets 481 from the edge (its dialogs left the stack\'s table)', async () => {
  const h = await startHarness();
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  try {
    const { inv, ok } = await answered(pbx);
    assert.equal((await pbx.request(inv, 'BYE')).status, 200);
    await h.calls.wait((r) => r.call_sid === ok.header('x-trunkline-call-sid') && r.status === 'completed');
    const late = await pbx.request(inv, 'INFO');
    assert.equal(late.status, 481, late.raw);
    assert.equal(h.sip.dialogs.size, 0, 'no dialog of the call is left in the dialog layer');
  } finally {
    await pbx.close();
    await h.stop();
  }
});

test('a caller that sent no Contact still has a dialog: its BYE ends the call with 200', async () => {
  const h = await startHarness();
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  try {
    const inv = pbx.invite({ ruri: `sip:+919876540000@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer(), send: false });
    await pbx.sendRaw(inv.request.replace(/^Contact: .*\r\n/m, ''));
    const ok = await inv.waitFinal();
    assert.equal(ok.status, 200, ok.raw);
    await pbx.ack(inv, ok);
    const bye = await pbx.request(inv, 'BYE');
    assert.equal(bye.status, 200, bye.raw);
    await h.calls.wait((r) => r.call_sid === ok.header('x-trunkline-call-sid') && r.status === 'completed');
  } finally {
    await pbx.close();
    await h.stop();
  }
});
