import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { silentLogger, systemClock } from '../../src/core/index.js';
import { startPstnSim } from '../../src/pstn-sim/index.js';
import { RawUac, pcmaOffer, type InviteAttempt } from '../edge/support/raw-uac.js';

/** `method` in `inv`'s dialog, sent with `fromTag` in place of the caller's own tag. */
function withFromTag(uac: RawUac, inv: InviteAttempt, method: string, fromTag: string): { text: string; branch: string } {
  const d = inv.dialog;
  const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
  const text = [
    `${method} ${d.remoteTarget} SIP/2.0`, `Via: ${uac.via};branch=${branch};rport`, 'Max-Forwards: 70',
    `From: ${d.from.replace(/;tag=[^;>]*/, '')};tag=${fromTag}`, `To: ${d.to.replace(/;tag=[^;>]*/, '')};tag=${d.remoteTag}`, `Call-ID: ${d.callId}`, `CSeq: ${++d.cseq} ${method}`,
    'Content-Length: 0', '', '',
  ].join('\r\n');
  return { text, branch };
}

test('the PSTN simulator finds in-dialog requests through the stack\'s dialog layer: another From tag is 481 and the call stays up, its own BYE ends it (RFC 3261 §12.2.2)', async () => {
  const sim = await startPstnSim({ host: '127.0.0.1', clock: systemClock, log: silentLogger });
  const uac = await new RawUac('udp', { host: '127.0.0.1', port: sim.port }).open();
  try {
    const inv = uac.invite({ ruri: `sip:+919876540000@127.0.0.1:${sim.port}`, from: '<sip:+919876500001@127.0.0.1>', body: pcmaOffer() });
    const ok = await inv.waitFinal();
    assert.equal(ok.status, 200, ok.raw);
    await uac.ack(inv, ok);
    assert.equal(sim.simulator.activeCalls, 1);

    const stranger = withFromTag(uac, inv, 'BYE', 'not-the-callers-tag');
    const refused = await uac.sendRequest(stranger.text, stranger.branch, 'BYE');
    assert.equal(refused.status, 481, refused.raw);
    assert.equal(sim.simulator.activeCalls, 1, 'a BYE in no dialog ends nothing');

    const info = await uac.request(inv, 'INFO');
    assert.equal(info.status, 200, `the caller's own in-dialog request is answered: ${info.raw}`);
    const bye = await uac.request(inv, 'BYE');
    assert.equal(bye.status, 200, bye.raw);
    assert.equal(sim.simulator.activeCalls, 0);
    const late = await uac.request(inv, 'INFO');
    assert.equal(late.status, 481, `the ended call's dialog left the stack: ${late.raw}`);
  } finally {
    await uac.close();
    await sim.stop();
  }
});
