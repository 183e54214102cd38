import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as sip from 'sip';
import { pcmaOffer } from './support/raw-uac.js';
import { freeUdpPort } from './support/kamailio.js';
import { startHarness, CALLER, DOMAIN, TRUNK } from './support/harness.js';

/**
 * Rows of SPEC §2 driven by an independent SIP implementation: the npm `sip` package (its
 * own parser, transactions and retransmissions), as a PBX over UDP.
 */
function invite(stack: sip.Stack, port: number, edgePort: number, number: string, body: string): Promise<sip.SipMessage[]> {
  return new Promise((resolve) => {
    const got: sip.SipMessage[] = [];
    stack.send({
      method: 'INVITE',
      uri: `sip:${number}@${DOMAIN}`,
      headers: {
        to: { uri: `sip:${number}@${DOMAIN}`, params: {} },
        from: { uri: `sip:${CALLER}@127.0.0.1`, params: { tag: randomBytes(4).toString('hex') } },
        'call-id': `${randomBytes(8).toString('hex')}@npm-sip`,
        cseq: { method: 'INVITE', seq: 1 },
        contact: [{ uri: `sip:pbx@127.0.0.1:${port}` }],
        'content-type': 'application/sdp',
        route: [{ uri: `sip:127.0.0.1:${edgePort};lr`, params: {} }],
        'max-forwards': 70,
      },
      content: body,
    }, (res) => {
      got.push(res);
      if ((res.status ?? 0) >= 200) resolve(got);
    });
  });
}

test('npm sip as the PBX: 200 + ACK + BYE, 486 relayed, 488, 484 and 403 generated with their findings', async () => {
  const h = await startHarness();
  const port = await freeUdpPort('127.0.0.1');
  // publicAddress: the library treats a route to its own host name as a flow token, and the edge is on 127.0.0.1 too.
  const stack = sip.create({ address: '127.0.0.1', publicAddress: 'pbx.localhost', port, udp: true, tcp: false }, (req) => {
    if (req.method !== 'ACK') stack.send(sip.makeResponse(req, 200, 'OK'));
  });
  try {
    const answered = await invite(stack, port, h.port, '+919876540000', pcmaOffer());
    const ok = answered.at(-1)!;
    assert.equal(ok.status, 200);
    const contact = ok.headers.contact![0].uri;
    const dialog = { to: ok.headers.to!, from: answered[0].headers.from!, callId: ok.headers['call-id']! };
    const inDialog = (method: string, seq: number): sip.SipMessage => ({
      method, uri: contact,
      headers: { to: dialog.to, from: dialog.from, 'call-id': dialog.callId, cseq: { method, seq }, 'max-forwards': 70 },
    });
    stack.send(inDialog('ACK', 1));
    const bye = await new Promise<sip.SipMessage>((resolve) => stack.send(inDialog('BYE', 2), resolve));
    assert.equal(bye.status, 200);

    const busy = (await invite(stack, port, h.port, '+919876540486', pcmaOffer())).at(-1)!;
    assert.equal(busy.status, 486);
    assert.equal(busy.headers['x-trunkline-finding'], undefined);

    const noPcma = (await invite(stack, port, h.port, '+919876540000', pcmaOffer('127.0.0.1', 40000, '0').replace('a=rtpmap:8 PCMA/8000\r\n', ''))).at(-1)!;
    assert.equal(noPcma.status, 488);
    assert.match(String(noPcma.headers['warning']), /^305 /);
    assert.equal(noPcma.headers['x-trunkline-finding'], 'sip.488.no-pcma');

    const notE164 = (await invite(stack, port, h.port, '919876540000', pcmaOffer())).at(-1)!;
    assert.equal(notE164.status, 484);
    assert.equal(notE164.headers['x-trunkline-finding'], 'number.not-e164');

    h.directory.update(TRUNK, { whitelist: ['10.0.0.0/8'] });
    const forbidden = (await invite(stack, port, h.port, '+919876540000', pcmaOffer())).at(-1)!;
    assert.equal(forbidden.status, 403);
    assert.match(String(forbidden.headers['reason']), /whitelisted/);
    const rec = await h.calls.wait((r) => r.final_code === 403);
    assert.ok(rec.findings.some((f) => f.id === 'acl.not-whitelisted'));
  } finally {
    stack.destroy();
    await h.stop();
  }
});
