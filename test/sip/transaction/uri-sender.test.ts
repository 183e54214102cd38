import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../support/fake-clock.js';
import { createRequest, createResponse, SipHeaders, type SipRequest } from '../../../src/sip/index.js';
import { SipResolver, type DnsPort } from '../../../src/sip/transport/resolver.js';
import { TransactionLayer } from '../../../src/sip/transaction/transaction-layer.js';
import { sendToNextHop } from '../../../src/sip/transaction/uri-sender.js';
import { RecordingTransports, inbound } from './support.js';

const dns: DnsPort = {
  resolveNaptr: () => Promise.reject(new Error('ENODATA')),
  resolveSrv: (n) => (n === '_sip._udp.carrier.example' ? Promise.resolve([{ priority: 1, weight: 0, port: 5060, name: 'a.carrier.example' }, { priority: 2, weight: 0, port: 5060, name: 'b.carrier.example' }]) : Promise.reject(new Error('ENODATA'))),
  resolve4: (n) => (n === 'a.carrier.example' ? Promise.resolve(['198.51.100.1']) : n === 'b.carrier.example' ? Promise.resolve(['198.51.100.2']) : Promise.reject(new Error('ENOTFOUND'))),
  resolve6: () => Promise.reject(new Error('ENODATA')),
};

function options(uri: string): SipRequest {
  return createRequest({ method: 'OPTIONS', uri, headers: new SipHeaders([['Max-Forwards', '70'], ['From', '<sip:edge@192.0.2.1>;tag=f'], ['To', `<${uri}>`], ['Call-ID', 'fo-1'], ['CSeq', '1 OPTIONS']]) });
}

function setup() {
  const transports = new RecordingTransports();
  const clock = new FakeClock();
  const layer = new TransactionLayer({ transports, clock, tu: { onRequest: () => undefined } });
  return { transports, clock, layer, resolver: new SipResolver(dns) };
}

const flush = async () => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };

test('a transport error on the first RFC 3263 target fails over to the next, with a new branch (RFC 3263 §4.3)', async () => {
  const { transports, layer, resolver } = setup();
  transports.failFor.add('198.51.100.1');
  const finals: number[] = [];
  await sendToNextHop(layer, resolver, options('sip:carrier.example'), { onFinal: (r) => finals.push(r.status) });
  await flush();
  const sent = transports.sent.filter((s) => s.message.kind === 'request');
  assert.equal(sent.length, 1);
  assert.equal(sent[0].to.address, '198.51.100.2');
  const req = sent[0].message as SipRequest;
  assert.equal(req.headers.via().length, 1, 'one Via: the copy of the original, not the failed attempt');
  layer.receive(inbound(createResponse(req, 200, 'OK', { toTag: 'x' }).headers.fields().reduce((s, f) => `${s}${f.name}: ${f.value}\n`, 'SIP/2.0 200 OK\n') + '\n'));
  assert.deepEqual(finals, [200]);
});

test('a timeout on the first target fails over; the last target\'s outcome reaches the TU', async () => {
  const { transports, clock, layer, resolver } = setup();
  const timeouts: string[] = [];
  await sendToNextHop(layer, resolver, options('sip:carrier.example'), { onTimeout: (e) => timeouts.push(e.code) });
  clock.advance(32_000);
  await flush();
  const addresses = [...new Set(transports.sent.map((s) => s.to.address))];
  assert.deepEqual(addresses, ['198.51.100.1', '198.51.100.2']);
  clock.advance(32_000);
  assert.deepEqual(timeouts, ['SIP_TX_TIMEOUT']);
});

test('a next hop that does not resolve is reported as SIP_RESOLVE_FAILED', async () => {
  const { layer, resolver } = setup();
  const errors: string[] = [];
  await sendToNextHop(layer, resolver, options('sip:nowhere.example'), { onResolveFailed: (e) => errors.push(e.code) });
  assert.deepEqual(errors, ['SIP_RESOLVE_FAILED']);
});

test('a 503 from the first target sends the request to the next (RFC 3263 §4.3)', async () => {
  const { transports, layer, resolver } = setup();
  const finals: number[] = [];
  await sendToNextHop(layer, resolver, options('sip:carrier.example'), { onFinal: (r) => finals.push(r.status) });
  const first = transports.sent[0].message as SipRequest;
  layer.receive(inbound(createResponse(first, 503, 'Service Unavailable', { toTag: 'x' }).headers.fields().reduce((s, f) => `${s}${f.name}: ${f.value}\n`, 'SIP/2.0 503 Service Unavailable\n') + '\n'));
  await flush();
  assert.deepEqual(finals, [], 'the 503 is not passed up while another target remains');
  assert.equal(transports.sent.filter((s) => s.message.kind === 'request').at(-1)?.to.address, '198.51.100.2');
});
