import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawUac, pcmaOffer } from './support/raw-uac.js';
import { startHarness, ACCOUNT, TRUNK } from './support/harness.js';

/**
 * A call ends for the side that hung up at once, but its record waits (bounded) for the other
 * leg's answer to the edge's BYE, so the trace shows how that leg ended — or that it did not.
 */
test('the record of a call waits for the far leg\'s answer to the edge\'s BYE, and is final without it after 4·T1, the BYE\'s resends traced', async (t) => {
  const h = await startHarness({ carrierSources: ['127.0.0.2'] });
  const carrier = await new RawUac('udp', { host: '127.0.0.1', port: h.port }, '127.0.0.2').open();
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  t.after(async () => {
    await carrier.close();
    await pbx.close();
    await h.stop();
  });
  let answerBye = true;
  pbx.onRequest = (m, reply) => {
    if (m.method === 'INVITE') reply(200, 'OK', [`Contact: ${pbx.contact}`], pcmaOffer('127.0.0.1', 44000));
    else if (m.method === 'BYE' && !answerBye) return;
    else if (m.method !== 'ACK') reply(200, 'OK');
  };
  const DID = '+919876542222';
  h.directory.numbers.set(DID, { e164: DID, trunkSid: TRUNK, accountSid: ACCOUNT, status: 'active', removed: false, mode: 'pstn' });
  h.directory.update(TRUNK, { destinations: [{ uri: `sip:127.0.0.1:${pbx.local.port}`, priority: 0, weight: 1 }] });
  const pbxLeg = (rec: { trace: readonly { leg: string; direction: string; summary: string }[] }) =>
    rec.trace.filter((e) => e.leg === 'customer').map((e) => `${e.direction} ${e.summary.split(' ')[e.summary.startsWith('SIP/2.0 ') ? 1 : 0]}`);

  const call = async () => {
    const inv = carrier.invite({ ruri: `sip:${DID}@edge.example`, from: '<sip:+14155550100@carrier.example>', body: pcmaOffer('127.0.0.2', 41000) });
    const ok = await inv.waitFinal(8000);
    assert.equal(ok.status, 200, ok.raw);
    await carrier.ack(inv, ok);
    assert.equal((await carrier.request(inv, 'BYE')).status, 200, 'the carrier\'s BYE is answered at once');
    return ok.header('x-trunkline-call-sid');
  };

  const answered = await call();
  const rec = await h.calls.wait((r) => r.call_sid === answered && r.status === 'completed');
  assert.deepEqual(pbxLeg(rec).slice(-2), ['out BYE', 'in 200'], pbxLeg(rec).join(' | '));

  answerBye = false;
  const unanswered = await call();
  const started = Date.now();
  const silent = await h.calls.wait((r) => r.call_sid === unanswered && r.status === 'completed', 8000);
  const waited = Date.now() - started;
  const lines = pbxLeg(silent);
  assert.ok(lines.filter((l) => l === 'out BYE').length >= 2, `the BYE's Timer E resends are in the trace: ${lines.join(' | ')}`);
  assert.ok(!lines.slice(lines.indexOf('out BYE')).includes('in 200'), lines.join(' | '));
  assert.ok(waited < 6000, `final after ${waited} ms, not Timer F's 32 s`);
});
