import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawUac, pcmaOffer } from './support/raw-uac.js';
import { startHarness, ACCOUNT, TRUNK } from './support/harness.js';

/**
 * Inbound routing (SPEC §2): destination URIs in priority order, failing over on 5xx, timeout
 * and transport errors, then the disaster-recovery URI; never on 486.
 */
test('inbound failover: 503 from the first destination, a dead TCP one, then the disaster-recovery URI answers', async () => {
  const h = await startHarness({ carrierSources: ['127.0.0.2'] });
  const carrier = await new RawUac('udp', { host: '127.0.0.1', port: h.port }, '127.0.0.2').open();
  const first = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  const dr = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  first.onRequest = (m, reply) => {
    if (m.method === 'INVITE') reply(503, 'Service Unavailable');
  };
  dr.onRequest = (m, reply) => {
    if (m.method === 'INVITE') reply(200, 'OK', [`Contact: ${dr.contact}`], pcmaOffer('127.0.0.1', 44000));
    else if (m.method !== 'ACK') reply(200, 'OK');
  };
  const DID = '+919876542222';
  h.directory.numbers.set(DID, { e164: DID, trunkSid: TRUNK, accountSid: ACCOUNT, status: 'active', removed: false, mode: 'pstn' });
  h.directory.update(TRUNK, {
    destinations: [
      { uri: `sip:127.0.0.1:${first.local.port}`, priority: 0, weight: 1 },
      { uri: 'sip:127.0.0.1:1;transport=tcp', priority: 1, weight: 1 },
    ],
    disasterRecoveryUri: `sip:127.0.0.1:${dr.local.port}`,
  });
  try {
    const inv = carrier.invite({ ruri: `sip:${DID}@edge.example`, from: '<sip:+14155550100@carrier.example>', body: pcmaOffer('127.0.0.2', 41000) });
    const ok = await inv.waitFinal(8000);
    assert.equal(ok.status, 200, ok.raw);
    await carrier.ack(inv, ok);
    await carrier.request(inv, 'BYE');
    const rec = await h.calls.wait((r) => r.call_sid === ok.header('x-trunkline-call-sid') && r.status === 'completed');
    const failovers = rec.events.filter((e) => e.kind === 'failover').map((e) => e.detail);
    assert.deepEqual(failovers.map((d) => d.split(';')[0]), ['503', 'transport-error']);
  } finally {
    await carrier.close();
    await first.close();
    await dr.close();
    await h.stop();
  }
});

test('486 from a destination is the callee\'s answer: relayed, no failover', async () => {
  const h = await startHarness({ carrierSources: ['127.0.0.2'] });
  const carrier = await new RawUac('udp', { host: '127.0.0.1', port: h.port }, '127.0.0.2').open();
  const busy = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  const spare = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  busy.onRequest = (m, reply) => {
    if (m.method === 'INVITE') reply(486, 'Busy Here');
  };
  let spareRang = false;
  spare.onRequest = (m, reply) => {
    if (m.method === 'INVITE') {
      spareRang = true;
      reply(200, 'OK', [`Contact: ${spare.contact}`], pcmaOffer('127.0.0.1', 44000));
    }
  };
  const DID = '+919876542222';
  h.directory.numbers.set(DID, { e164: DID, trunkSid: TRUNK, accountSid: ACCOUNT, status: 'active', removed: false, mode: 'pstn' });
  h.directory.update(TRUNK, { destinations: [{ uri: `sip:127.0.0.1:${busy.local.port}`, priority: 0, weight: 1 }, { uri: `sip:127.0.0.1:${spare.local.port}`, priority: 1, weight: 1 }] });
  try {
    const m = await carrier.invite({ ruri: `sip:${DID}@edge.example`, from: '<sip:+14155550100@carrier.example>', body: pcmaOffer('127.0.0.2', 41000) }).waitFinal();
    assert.equal(m.status, 486);
    assert.equal(spareRang, false);
  } finally {
    await carrier.close();
    await busy.close();
    await spare.close();
    await h.stop();
  }
});
