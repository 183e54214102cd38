import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/core/index.js';
import { SipResolver, systemDns } from '../../src/sip/index.js';
import { CarrierSources } from '../../src/edge/admission/carrier-sources.js';
import { FakeClock } from '../support/fake-clock.js';
import { TestDnsServer } from './support/dns-server.js';
import { RawUac, pcmaOffer } from './support/raw-uac.js';
import { startHarness } from './support/harness.js';

const at = (address: string, port = 5060) => ({ address, port });

test('a carrier given by host name stands for its A/AAAA and its SRV targets\' addresses; IP entries match as before', async () => {
  const dns = await TestDnsServer.start();
  dns.add('carrier.example.com', { type: 'A', address: '127.0.0.7' })
    .add('carrier.example.com', { type: 'AAAA', address: '::1' })
    .add('_sip._udp.carrier.example.com', { type: 'SRV', priority: 10, weight: 0, port: 5060, target: 'sbc1.carrier.example.com' })
    .add('_sips._tcp.carrier.example.com', { type: 'SRV', priority: 10, weight: 0, port: 5061, target: 'sbc2.carrier.example.com' })
    .add('sbc1.carrier.example.com', { type: 'A', address: '127.0.0.8' })
    .add('sbc2.carrier.example.com', { type: 'A', address: '127.0.0.9' });
  const sources = new CarrierSources(['carrier.example.com', '192.0.2.1', '192.0.2.2:5070', '::1:5999'], { resolver: new SipResolver(systemDns({ servers: [dns.server] })), clock: new FakeClock(), log: silentLogger });
  try {
    await sources.settled();
    for (const a of ['127.0.0.7', '::1', '127.0.0.8', '127.0.0.9', '192.0.2.1']) assert.ok(sources.has(at(a, 40000)), a);
    assert.ok(sources.has(at('192.0.2.2', 5070)) && !sources.has(at('192.0.2.2', 5071)), 'ip:port matches that port only');
    assert.ok(!sources.has(at('127.0.0.10')));
  } finally {
    sources.close();
    await dns.close();
  }
});

test('a carrier name is looked up again when its TTL runs out: a changed address is recognised, the old one no longer; a failed lookup keeps the last answer', async () => {
  const dns = await TestDnsServer.start();
  dns.set('carrier.example.com', { type: 'A', address: '127.0.0.3', ttl: 30 });
  const clock = new FakeClock();
  const sources = new CarrierSources(['carrier.example.com'], { resolver: new SipResolver(systemDns({ servers: [dns.server] })), clock, log: silentLogger });
  try {
    await sources.settled();
    assert.ok(sources.has(at('127.0.0.3')));
    dns.set('carrier.example.com', { type: 'A', address: '127.0.0.2', ttl: 30 });
    clock.advance(29_000);
    await sources.settled();
    assert.ok(sources.has(at('127.0.0.3')), 'kept until the TTL runs out');
    clock.advance(1000);
    await sources.settled();
    assert.ok(sources.has(at('127.0.0.2')) && !sources.has(at('127.0.0.3')), 'the new answer replaces the old');
    dns.zone.delete('carrier.example.com');
    clock.advance(30_000);
    await sources.settled();
    assert.ok(sources.has(at('127.0.0.2')), 'NXDOMAIN keeps the last addresses');
  } finally {
    sources.close();
    await dns.close();
  }
});

test('an INVITE from 127.0.0.2, the SRV target of a carrier configured as sip:carrier.example.com, is an inbound carrier call', async () => {
  const dns = await TestDnsServer.start();
  dns.add('_sip._udp.carrier.example.com', { type: 'SRV', priority: 10, weight: 0, port: 5060, target: 'sbc.carrier.example.com' })
    .add('sbc.carrier.example.com', { type: 'A', address: '127.0.0.2' });
  const h = await startHarness({ host: '0.0.0.0', carriers: ['sip:carrier.example.com'], resolver: new SipResolver(systemDns({ servers: [dns.server] })) });
  const carrier = await new RawUac('udp', { host: '127.0.0.1', port: h.port }, '127.0.0.2').open();
  try {
    const inv = carrier.invite({ ruri: 'sip:+919876549999@edge.example', from: '<sip:+14155550100@carrier.example.com>', body: pcmaOffer('127.0.0.2', 41000) });
    const final = await inv.waitFinal(8000);
    const rec = await h.calls.wait((r) => r.sip_call_id === inv.dialog.callId);
    assert.equal(rec.direction, 'inbound', `${final.status} ${JSON.stringify(rec.events)}`);
  } finally {
    await carrier.close();
    await h.stop();
    await dns.close();
  }
});
