import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipResolver, systemDns } from '../../src/sip/index.js';
import { TestDnsServer } from './support/dns-server.js';
import { RawUac, pcmaOffer, tag, type Msg } from './support/raw-uac.js';
import { startHarness, DOMAIN, CALLER, type Harness } from './support/harness.js';

/**
 * The carrier leg's next hop after its target or route set names a host (RFC 3261 §12.2.1.1):
 * resolved by RFC 3263 against a DNS server of the test, not the address the INVITE went to.
 */
interface Rig {
  readonly h: Harness;
  readonly dns: TestDnsServer;
  /** The carrier gateway the INVITE goes to (by address). */
  readonly gw: RawUac;
  /** Where the name resolves: the only right place for requests after the change. */
  readonly moved: RawUac;
  readonly pbx: RawUac;
  close(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const dns = await TestDnsServer.start();
  const gw = await new RawUac('udp', { host: '127.0.0.1', port: 0 }).open();
  const moved = await new RawUac('udp', { host: '127.0.0.1', port: 0 }).open();
  const h = await startHarness({ carriers: [`sip:127.0.0.1:${gw.local.port}`], simAsCarrier: false, resolver: new SipResolver(systemDns({ servers: [dns.server] })) });
  gw.target.port = h.port;
  moved.target.port = h.port;
  const pbx = await new RawUac('udp', { host: '127.0.0.1', port: h.port }).open();
  return {
    h, dns, gw, moved, pbx,
    close: async () => {
      await pbx.close();
      await h.stop();
      await gw.close();
      await moved.close();
      await dns.close();
    },
  };
}

/** The gateway answers the first INVITE with `first` headers and a re-INVITE with `refresh` headers. */
function answer(gw: RawUac, first: readonly string[], refresh: readonly string[] = []): void {
  gw.onRequest = (m, reply) => {
    if (m.method === 'ACK') return;
    if (m.method !== 'INVITE') return reply(200, 'OK');
    reply(200, 'OK', tag(m.header('to')) ? refresh : first, pcmaOffer('127.0.0.1', 41000));
  };
}

async function call(r: Rig) {
  const inv = r.pbx.invite({ ruri: `sip:+919876540000@${DOMAIN}`, from: `<sip:${CALLER}@127.0.0.1>`, body: pcmaOffer() });
  const ok = await inv.waitFinal();
  assert.equal(ok.status, 200, ok.raw);
  await r.pbx.ack(inv, ok);
  return { inv, ok };
}

const startLine = (m: Msg) => m.start;

test('a carrier\'s re-INVITE 2xx that moves its target to a host name: the ACK and the BYE go where RFC 3263 resolves it (NAPTR → SRV → A), not to the first hop', async () => {
  const r = await rig();
  try {
    r.dns.add('moved.carrier.test', { type: 'NAPTR', order: 10, preference: 10, flags: 's', service: 'SIP+D2U', regexp: '', replacement: '_sip._udp.moved.carrier.test' })
      .add('_sip._udp.moved.carrier.test', { type: 'SRV', priority: 10, weight: 0, port: r.moved.local.port, target: 'host.moved.carrier.test' })
      .add('host.moved.carrier.test', { type: 'A', address: '127.0.0.1' });
    answer(r.gw, [`Contact: <sip:gw@127.0.0.1:${r.gw.local.port}>`], ['Contact: <sip:gw@moved.carrier.test>']);
    const { inv } = await call(r);
    const refresh = await r.pbx.request(inv, 'INVITE', pcmaOffer());
    assert.equal(refresh.status, 200, refresh.raw);
    const ack = await r.moved.waitRequest((m) => m.method === 'ACK');
    assert.match(ack.start, /^ACK sip:gw@moved\.carrier\.test SIP\/2\.0$/);
    assert.equal((await r.pbx.request(inv, 'BYE')).status, 200);
    const bye = await r.moved.waitRequest((m) => m.method === 'BYE');
    assert.match(bye.start, /^BYE sip:gw@moved\.carrier\.test SIP\/2\.0$/);
    assert.deepEqual(r.gw.requests.filter((m) => m.method !== 'INVITE').map(startLine), [`ACK sip:gw@127.0.0.1:${r.gw.local.port} SIP/2.0`], 'only the first ACK went to the first hop');
    assert.ok(r.dns.asked.includes('NAPTR moved.carrier.test') && r.dns.asked.includes('SRV _sip._udp.moved.carrier.test'), r.dns.asked.join(', '));
  } finally {
    await r.close();
  }
});

test('with a route set the first route decides the carrier leg\'s next hop (RFC 3261 §12.2.1.1): a Record-Route naming a host is resolved, the Contact stays the Request-URI', async () => {
  const r = await rig();
  try {
    r.dns.add('_sip._udp.proxy.carrier.test', { type: 'SRV', priority: 10, weight: 0, port: r.moved.local.port, target: 'proxy.carrier.test' })
      .add('proxy.carrier.test', { type: 'A', address: '127.0.0.1' });
    answer(r.gw, ['Record-Route: <sip:proxy.carrier.test;lr>', `Contact: <sip:gw@127.0.0.1:${r.gw.local.port}>`]);
    const { inv } = await call(r);
    const ack = await r.moved.waitRequest((m) => m.method === 'ACK');
    assert.equal(ack.start, `ACK sip:gw@127.0.0.1:${r.gw.local.port} SIP/2.0`);
    assert.equal(ack.header('route'), '<sip:proxy.carrier.test;lr>');
    assert.equal((await r.pbx.request(inv, 'BYE')).status, 200);
    const bye = await r.moved.waitRequest((m) => m.method === 'BYE');
    assert.equal(bye.header('route'), '<sip:proxy.carrier.test;lr>');
    assert.deepEqual(r.gw.requests.map((m) => m.method), ['INVITE'], 'nothing after the INVITE went around the route set');
  } finally {
    await r.close();
  }
});
