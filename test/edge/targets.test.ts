import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { resolveTarget } from '../../src/edge/index.js';
import { SipResolver, systemDns } from '../../src/sip/index.js';
import { TestDnsServer } from './support/dns-server.js';
import { RawUac, pcmaOffer } from './support/raw-uac.js';
import { startHarness, DOMAIN, CALLER } from './support/harness.js';

/** carrier.test: NAPTR → _sip._udp.carrier.test → SRV a (priority 10) then b (priority 20). */
async function carrierZone(first: { host: string; port: number }, second: { host: string; port: number }, into?: TestDnsServer): Promise<TestDnsServer> {
  const dns = into ?? (await TestDnsServer.start());
  dns.add('carrier.test', { type: 'NAPTR', order: 10, preference: 10, flags: 's', service: 'SIP+D2U', regexp: '', replacement: '_sip._udp.carrier.test' })
    .add('_sip._udp.carrier.test', { type: 'SRV', priority: 20, weight: 0, port: second.port, target: 'b.carrier.test' })
    .add('_sip._udp.carrier.test', { type: 'SRV', priority: 10, weight: 0, port: first.port, target: 'a.carrier.test' })
    .add('a.carrier.test', { type: 'A', address: first.host })
    .add('b.carrier.test', { type: 'A', address: second.host });
  return dns;
}

test('an FQDN carrier resolves by RFC 3263: NAPTR, then SRV by priority, then A — one hop per SRV target, in order', async () => {
  const dns = await carrierZone({ host: '127.0.0.2', port: 5070 }, { host: '127.0.0.3', port: 5080 });
  try {
    const r = await resolveTarget('sip:+15551234567@carrier.test', new SipResolver(systemDns({ servers: [dns.server] })));
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.hops, [{ protocol: 'udp', address: '127.0.0.2', port: 5070 }, { protocol: 'udp', address: '127.0.0.3', port: 5080 }]);
    assert.deepEqual(dns.asked.slice(0, 2), ['NAPTR carrier.test', 'SRV _sip._udp.carrier.test']);
  } finally {
    await dns.close();
  }
});

test('an FQDN with an explicit port is looked up by A/AAAA only (RFC 3263 §4.2); an unknown name is reported, not thrown', async () => {
  const dns = await carrierZone({ host: '127.0.0.2', port: 5070 }, { host: '127.0.0.3', port: 5080 });
  try {
    const resolver = new SipResolver(systemDns({ servers: [dns.server] }));
    const r = await resolveTarget('sip:a.carrier.test:5099;transport=tcp', resolver);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.hops, [{ protocol: 'tcp', address: '127.0.0.2', port: 5099 }]);
    assert.ok(!dns.asked.some((q) => q.startsWith('NAPTR') || q.startsWith('SRV')), dns.asked.join(', '));
    const missing = await resolveTarget('sip:nowhere.test', resolver);
    assert.equal(missing.ok, false);
    assert.match(missing.ok ? '' : missing.detail, /nowhere\.test does not resolve/);
  } finally {
    await dns.close();
  }
});

test('an outbound call to an FQDN carrier fails over from the first SRV target (no answer) to the second (the PSTN simulator), which answers', async () => {
  const silent = createSocket('udp4');
  silent.bind(0, '127.0.0.1');
  await once(silent, 'listening');
  const dns = await TestDnsServer.start();
  const h = await startHarness({ carriers: ['sip:carrier.test'], simAsCarrier: false, inviteTimeoutMs: 800, resolver: new SipResolver(systemDns({ servers: [dns.server] })) });
  const simPort = h.edge.sim!.port;
  await carrierZone({ host: '127.0.0.1', port: silent.address().port }, { host: '127.0.0.1', port: simPort }, dns);
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  try {
    const inv = pbx.invite({ ruri: `sip:+919876540000@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
    const ok = await inv.waitFinal(8000);
    assert.equal(ok.status, 200, ok.raw);
    await pbx.ack(inv, ok);
    await pbx.request(inv, 'BYE');
    const rec = await h.calls.wait((r) => r.call_sid === ok.header('x-trunkline-call-sid') && r.status === 'completed');
    const invites = rec.trace.filter((t) => t.leg === 'carrier' && t.direction === 'out' && t.summary.startsWith('INVITE'));
    // The silent target's INVITE goes again on Timer A (500 ms) until Timer B, before and after the failover (no
    // provisional came, so it cannot be CANCELled, RFC 3261 §9.1): the trace shows the wire, in first-sent order here.
    const targets = [...new Set(invites.map((t) => t.dst))];
    assert.deepEqual(targets, [`127.0.0.1:${silent.address().port}`, `127.0.0.1:${simPort}`]);
    assert.ok(rec.events.some((e) => e.kind === 'failover'), JSON.stringify(rec.events));
  } finally {
    await pbx.close();
    await h.stop();
    await dns.close();
    silent.close();
  }
});
