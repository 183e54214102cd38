import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawUac, pcmaOffer, type Msg } from './support/raw-uac.js';
import { startHarness, CALLER, DOMAIN } from './support/harness.js';
import { cleanup } from '../support/cleanup.js';

/**
 * RFC 3261 §9.1 / §15: a CANCEL that crosses the callee's 200. The carrier here answers 200 to
 * the INVITE after it got the CANCEL; the edge must accept that 2xx (ACK) and end it at once
 * (BYE), while the caller, who cancelled, gets 487.
 */
test('CANCEL racing a 200: the caller gets 487, the late 200 on the carrier leg is ACKed and ended with BYE', async (t) => {
  const stopLater = cleanup(t);
  // The carrier is bound before the edge is told its port, and aimed at the edge once it listens.
  const carrier = await new RawUac('udp', { host: '127.0.0.1', port: 0 }).open();
  stopLater(() => carrier.close());
  const h = await startHarness({ pstnSim: false, carriers: [`sip:127.0.0.1:${carrier.local.port}`] });
  stopLater(() => h.stop());
  carrier.target.port = h.port;
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  stopLater(() => pbx.close());
  let invite: Msg | undefined;
  const respond = (m: Msg, status: number, reason: string, extra: string[] = [], body = '') =>
    carrier.sendRaw([
      `SIP/2.0 ${status} ${reason}`, ...m.all('via').map((v) => `Via: ${v}`), `From: ${m.header('from')}`, `To: ${m.header('to')};tag=carrier1`,
      `Call-ID: ${m.header('call-id')}`, `CSeq: ${m.header('cseq')}`, ...extra, ...(body ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${Buffer.byteLength(body)}`, '', body,
    ].join('\r\n'));
  carrier.onRequest = (m) => {
    if (m.method === 'INVITE') {
      invite = m;
      void respond(m, 180, 'Ringing', [`Contact: ${carrier.contact}`]);
    } else if (m.method === 'CANCEL') {
      // 200 for the CANCEL, then the answer that was already on its way: 200 for the INVITE, not 487.
      void respond(m, 200, 'OK');
      void respond(invite!, 200, 'OK', [`Contact: ${carrier.contact}`], pcmaOffer('127.0.0.1', 43000));
    } else if (m.method === 'BYE') void respond(m, 200, 'OK');
  };
  const inv = pbx.invite({ ruri: `sip:+919876541234@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
  await inv.waitFor((m) => m.status === 180);
  assert.equal((await pbx.cancel(inv)).status, 200);
  assert.equal((await inv.waitFinal()).status, 487);
  await carrier.waitRequest((m) => m.method === 'ACK');
  const bye = await carrier.waitRequest((m) => m.method === 'BYE');
  assert.equal(bye.header('call-id'), invite!.header('call-id'));
  const rec = await h.calls.wait((r) => r.final_code === 487);
  assert.equal(rec.final_by, 'customer');
  assert.equal(rec.answered_at, null);
});
