import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipResolver, orderSrv, type DnsPort } from '../../../src/sip/transport/resolver.js';

function fakeDns(zone: { naptr?: Record<string, Awaited<ReturnType<DnsPort['resolveNaptr']>>>; srv?: Record<string, Awaited<ReturnType<DnsPort['resolveSrv']>>>; a?: Record<string, string[]>; aaaa?: Record<string, string[]> }): DnsPort {
  const miss = () => Promise.reject(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }));
  return {
    resolveNaptr: (n) => (zone.naptr?.[n] ? Promise.resolve(zone.naptr[n]) : miss()),
    resolveSrv: (n) => (zone.srv?.[n] ? Promise.resolve(zone.srv[n]) : miss()),
    resolve4: (n) => (zone.a?.[n] ? Promise.resolve(zone.a[n]) : miss()),
    resolve6: (n) => (zone.aaaa?.[n] ? Promise.resolve(zone.aaaa[n]) : miss()),
  };
}

test('a numeric host is used as is, UDP on 5060 by default and TLS on 5061 for sips (RFC 3263 §4.1, §4.2)', async () => {
  const r = new SipResolver(fakeDns({}));
  assert.deepEqual(await r.resolve({ host: '192.0.2.1' }), [{ protocol: 'udp', address: '192.0.2.1', port: 5060 }]);
  assert.deepEqual(await r.resolve({ host: '[2001:db8::1]', secure: true }), [{ protocol: 'tls', address: '2001:db8::1', port: 5061 }]);
  assert.deepEqual(await r.resolve({ host: '192.0.2.1', port: 5080, transport: 'tcp' }), [{ protocol: 'tcp', address: '192.0.2.1', port: 5080 }]);
});

test('NAPTR records choose the transport and point at SRV records, in order (RFC 3263 §4.1)', async () => {
  const r = new SipResolver(fakeDns({
    naptr: { 'example.com': [
      { flags: 'S', service: 'SIP+D2U', regexp: '', replacement: '_sip._udp.example.com', order: 20, preference: 10 },
      { flags: 'S', service: 'SIP+D2T', regexp: '', replacement: '_sip._tcp.example.com', order: 10, preference: 10 },
    ] },
    srv: { '_sip._tcp.example.com': [{ priority: 1, weight: 0, port: 5070, name: 'tcp.example.com' }], '_sip._udp.example.com': [{ priority: 1, weight: 0, port: 5060, name: 'udp.example.com' }] },
    a: { 'tcp.example.com': ['192.0.2.10'], 'udp.example.com': ['192.0.2.20'] },
    aaaa: { 'tcp.example.com': ['2001:db8::10'] },
  }));
  assert.deepEqual((await r.resolve({ host: 'example.com' })).map((t) => `${t.protocol} ${t.address} ${t.port}`), [
    'tcp 192.0.2.10 5070', 'tcp 2001:db8::10 5070', 'udp 192.0.2.20 5060',
  ]);
});

test('without NAPTR, SRV records are queried per transport, then A/AAAA on the default port', async () => {
  const srvOnly = new SipResolver(fakeDns({ srv: { '_sip._tcp.carrier.net': [{ priority: 0, weight: 5, port: 5062, name: 'gw.carrier.net' }] }, a: { 'gw.carrier.net': ['198.51.100.7'] } }));
  assert.deepEqual(await srvOnly.resolve({ host: 'carrier.net' }), [{ protocol: 'tcp', address: '198.51.100.7', port: 5062, serverName: 'carrier.net' }]);
  const aOnly = new SipResolver(fakeDns({ a: { 'pbx.example': ['203.0.113.5'] } }));
  assert.deepEqual(await aOnly.resolve({ host: 'pbx.example' }), [{ protocol: 'udp', address: '203.0.113.5', port: 5060, serverName: 'pbx.example' }]);
});

test('a name that does not resolve fails with SIP_RESOLVE_FAILED', async () => {
  await assert.rejects(new SipResolver(fakeDns({})).resolve({ host: 'nowhere.invalid' }), { code: 'SIP_RESOLVE_FAILED' });
});

test('SRV records are ordered by priority, then by weight (RFC 2782)', () => {
  const recs = [{ priority: 2, weight: 0, id: 'c' }, { priority: 1, weight: 0, id: 'b' }, { priority: 1, weight: 100, id: 'a' }];
  assert.deepEqual(orderSrv(recs, () => 0.5).map((r) => r.id), ['a', 'b', 'c']);
  assert.equal(orderSrv(recs, () => 0).at(-1)?.id, 'c');
});
