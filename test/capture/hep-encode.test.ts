import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeHep3 } from '../../src/capture/index.js';
import { parseHep } from '../../src/capture/dissect/hep.js';

// HEP3 (github.com/sipcapture/HEP): what serve --hep writes, the capture layer's own HEP
// dissector reads back chunk for chunk, over IPv4 and IPv6.
const SIP = 'OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n';

test('a HEP3 packet carries family, protocol, addresses, ports, time to the microsecond, protocol type, capture id, correlation id and payload', () => {
  const at = Date.parse('2026-12-05T07:00:00.123Z') + 0.456;
  const bytes = encodeHep3({ src: '192.0.2.1', srcPort: 5060, dst: '198.51.100.7', dstPort: 5070, ipProtocol: 17, at, payloadType: 1, captureId: 2001, payload: Buffer.from(SIP), correlationId: 'c0ffee', agentName: 'node-a' });
  assert.equal(bytes.subarray(0, 4).toString(), 'HEP3');
  assert.equal(bytes.readUInt16BE(4), bytes.length);
  const r = parseHep(bytes);
  assert.ok(r.ok);
  assert.deepEqual({ ...r.packet, payload: Buffer.from(r.packet.payload).toString() }, {
    version: 3, ipProtocol: 17, src: '192.0.2.1', srcPort: 5060, dst: '198.51.100.7', dstPort: 5070, at, payloadType: 1, payload: SIP, correlationId: 'c0ffee', length: bytes.length,
  });
});

test('an IPv6 packet uses chunks 5 and 6 (an IPv4 peer of the same packet is written IPv4-mapped)', () => {
  const bytes = encodeHep3({ src: '2001:db8::1', srcPort: 5060, dst: '::1', dstPort: 9, ipProtocol: 6, at: 1000, payloadType: 5, captureId: 1, payload: Buffer.from('{}') });
  const r = parseHep(bytes);
  assert.ok(r.ok);
  assert.equal(r.packet.src, '2001:db8::1');
  assert.equal(r.packet.dst, '::1');
  assert.equal(r.packet.payloadType, 5);
  assert.equal(r.packet.ipProtocol, 6);
  assert.equal(bytes[6 + 6], 10, 'chunk 1: IP family 10 (IPv6)');
});
