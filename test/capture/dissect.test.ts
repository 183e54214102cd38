import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ethernet, ethUdp4, fragmentHeader, ipv4, ipv6, pcap, sipRequest, sipResponse, tcp, udp } from './support/packets.js';
import { analyzeBytes } from './support/run.js';

const T0 = Date.UTC(2026, 0, 23, 9, 0, 0);
const inviteText = sipRequest('INVITE', 'link@x');
const ip4 = ipv4('192.0.2.1', '192.0.2.2', 17, udp(5060, 5060, inviteText));
const ip6 = ipv6('2001:db8::1', '2001:db8::2', 17, udp(5060, 5060, inviteText));

function sll(proto: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0, 0);
  h.writeUInt16BE(1, 2);
  h.writeUInt16BE(6, 4);
  h.writeUInt16BE(proto, 14);
  return Buffer.concat([h, payload]);
}
function sll2(proto: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(proto, 0);
  h.writeUInt32BE(2, 4);
  h.writeUInt16BE(1, 8);
  return Buffer.concat([h, payload]);
}
function family(value: number, le: boolean, payload: Buffer): Buffer {
  const h = Buffer.alloc(4);
  if (le) h.writeUInt32LE(value);
  else h.writeUInt32BE(value);
  return Buffer.concat([h, payload]);
}

const cases: { name: string; linkType: number; frame: Buffer; src: string }[] = [
  { name: 'Ethernet / IPv4', linkType: 1, frame: ethernet(0x0800, ip4), src: '192.0.2.1:5060' },
  { name: 'Ethernet / IPv6', linkType: 1, frame: ethernet(0x86dd, ip6), src: '[2001:db8::1]:5060' },
  { name: 'Ethernet / 802.1Q VLAN', linkType: 1, frame: ethernet(0x0800, ip4, [{ tpid: 0x8100, vid: 42 }]), src: '192.0.2.1:5060' },
  { name: 'Ethernet / QinQ (802.1ad + 802.1Q)', linkType: 1, frame: ethernet(0x86dd, ip6, [{ tpid: 0x88a8, vid: 100 }, { tpid: 0x8100, vid: 42 }]), src: '[2001:db8::1]:5060' },
  { name: 'Linux SLL', linkType: 113, frame: sll(0x0800, ip4), src: '192.0.2.1:5060' },
  { name: 'Linux SLL2', linkType: 276, frame: sll2(0x86dd, ip6), src: '[2001:db8::1]:5060' },
  { name: 'raw IP (DLT 101)', linkType: 101, frame: ip6, src: '[2001:db8::1]:5060' },
  { name: 'raw IP (DLT 12)', linkType: 12, frame: ip4, src: '192.0.2.1:5060' },
  { name: 'raw IP (DLT 14)', linkType: 14, frame: ip4, src: '192.0.2.1:5060' },
  { name: 'raw IPv4 (DLT 228)', linkType: 228, frame: ip4, src: '192.0.2.1:5060' },
  { name: 'raw IPv6 (DLT 229)', linkType: 229, frame: ip6, src: '[2001:db8::1]:5060' },
  { name: 'BSD loopback NULL, little-endian AF_INET', linkType: 0, frame: family(2, true, ip4), src: '192.0.2.1:5060' },
  { name: 'BSD loopback NULL, big-endian AF_INET6 (macOS 30)', linkType: 0, frame: family(30, false, ip6), src: '[2001:db8::1]:5060' },
  { name: 'OpenBSD LOOP (network order)', linkType: 108, frame: family(24, false, ip6), src: '[2001:db8::1]:5060' },
];

for (const c of cases) {
  test(`link layer ${c.name}: the SIP message inside is read`, async () => {
    const r = await analyzeBytes(pcap(c.linkType, [{ at: T0, data: c.frame }]));
    assert.deepEqual(r.errors, []);
    assert.equal(r.summary.sipMessages, 1);
    assert.equal(r.calls[0].messages[0].src, c.src);
    assert.deepEqual(r.summary.unreadable, []);
  });
}

test('an unknown link type is counted and said plainly, not dropped silently', async () => {
  const r = await analyzeBytes(pcap(147, [{ at: T0, data: ip4 }, { at: T0, data: ip4 }]));
  assert.deepEqual(r.summary.unreadable, [{ reason: 'unknown link type', count: 2, detail: 'LINKTYPE 147' }]);
  assert.equal(r.summary.packets, 2);
});

test('IPv4 with options, and IPv4 fragments arriving out of order, are reassembled (RFC 791)', async () => {
  const big = sipRequest('INVITE', 'frag4@x', { sdp: 'v=0\r\n' + 'a=x-padding:'.padEnd(2000, 'p') + '\r\n' });
  const whole = udp(5060, 5060, big);
  const parts = [0, 1000, 2000].map((off) => whole.subarray(off, Math.min(off + 1000, whole.length)));
  const frags = parts.map((p, i) => ipv4('192.0.2.1', '192.0.2.2', 17, p, { id: 77, fragOffset: i * 1000, mf: i < parts.length - 1, options: [1, 1, 1, 0] }));
  const r = await analyzeBytes(pcap(1, [frags[2], frags[0], frags[1]].map((f, i) => ({ at: T0 + i, data: ethernet(0x0800, f) }))));
  assert.equal(r.summary.sipMessages, 1);
  assert.equal(r.summary.ipFragments.reassembled, 1);
  assert.equal(r.calls[0].messages[0].raw.length, big.length);
});

test('IPv6 fragments (RFC 8200 §4.5) are reassembled; a missing fragment is reported as incomplete', async () => {
  const big = sipRequest('INVITE', 'frag6@x', { sdp: 'v=0\r\n' + 'a=x-padding:'.padEnd(1800, 'q') + '\r\n' });
  const whole = udp(5060, 5060, big);
  const a = whole.subarray(0, 1000);
  const b = whole.subarray(1000);
  const f1 = ipv6('2001:db8::1', '2001:db8::2', 17, a, [{ type: 0, body: Buffer.alloc(4) }, { type: 44, body: fragmentHeader(0, true, 9) }]);
  const f2 = ipv6('2001:db8::1', '2001:db8::2', 17, b, [{ type: 0, body: Buffer.alloc(4) }, { type: 44, body: fragmentHeader(1000, false, 9) }]);
  const lone = ipv6('2001:db8::1', '2001:db8::2', 17, a, [{ type: 44, body: fragmentHeader(0, true, 10) }]);
  const r = await analyzeBytes(pcap(229, [{ at: T0, data: f2 }, { at: T0 + 1, data: f1 }, { at: T0 + 2, data: lone }]));
  assert.equal(r.summary.sipMessages, 1);
  assert.equal(r.calls[0].messages[0].src, '[2001:db8::1]:5060');
  assert.deepEqual(r.summary.unreadable, [{ reason: 'incomplete IP fragments', count: 1 }]);
});

test('SIP over TCP: segments out of order, retransmitted, two messages in one segment, one message over two', async () => {
  const m1 = sipRequest('INVITE', 'tcp@x');
  const m2 = sipResponse(100, 'Trying', 'INVITE', 'tcp@x');
  const m3 = sipResponse(180, 'Ringing', 'INVITE', 'tcp@x');
  const stream = Buffer.from(m1 + m2 + m3);
  const isn = 0xfffffff0; // the sequence space wraps inside the stream
  const cut1 = m1.length + m2.length; // segment 1: m1 + m2 (two messages)
  const cut2 = cut1 + 40; // m3 split over segments 2 and 3
  const seg = (from: number, to: number): Buffer => tcp(40000, 5060, isn + 1 + from, { psh: true }, stream.subarray(from, to));
  const pkt = (t: Buffer): Buffer => ethernet(0x0800, ipv4('192.0.2.1', '192.0.2.2', 6, t));
  const frames = [
    tcp(40000, 5060, isn, { syn: true, ack: false }),
    seg(cut2, stream.length), // out of order: the tail first
    seg(0, cut1),
    seg(0, cut1), // retransmission
    seg(cut1, cut2),
    seg(cut1, cut2), // retransmission after delivery
  ].map((t, i) => ({ at: T0 + i, data: pkt(t) }));
  const r = await analyzeBytes(pcap(1, frames));
  assert.equal(r.summary.sipMessages, 3);
  assert.deepEqual(r.calls[0].messages.map((m) => m.status ?? m.method), ['INVITE', 100, 180]);
  assert.equal(r.calls[0].messages[0].transport, 'TCP');
  assert.equal(r.summary.tcp.retransmitted, 2);
  assert.ok(r.summary.tcp.outOfOrder >= 1);
});

test('a TCP stream that starts mid-message resynchronises on the next start line; TLS is counted as unreadable', async () => {
  const m1 = sipRequest('OPTIONS', 'mid@x');
  const data = Buffer.from('ength: 0\r\n\r\n' + m1);
  const tls = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]);
  const r = await analyzeBytes(pcap(1, [
    { at: T0, data: ethernet(0x0800, ipv4('192.0.2.1', '192.0.2.2', 6, tcp(40001, 5060, 1000, { psh: true }, data))) },
    { at: T0 + 1, data: ethernet(0x0800, ipv4('192.0.2.1', '192.0.2.2', 6, tcp(40002, 5061, 5000, { psh: true }, tls))) },
  ]));
  assert.equal(r.summary.sipMessages, 1);
  assert.deepEqual(r.summary.unreadable, [{ reason: 'TLS', count: 1 }]);
});

test('SIP inside IP-in-IP and GRE (ERSPAN type II) is read', async () => {
  const inner = ipv4('10.1.1.1', '10.1.1.2', 17, udp(5060, 5060, inviteText));
  const ipip = ipv4('192.0.2.1', '192.0.2.2', 4, inner);
  const gre = Buffer.alloc(8);
  gre.writeUInt16BE(0x1000, 0); // S bit: ERSPAN II
  gre.writeUInt16BE(0x88be, 2);
  const erspan = Buffer.alloc(8);
  const greFrame = ipv4('192.0.2.1', '192.0.2.2', 47, Buffer.concat([gre, erspan, ethernet(0x0800, ipv4('10.2.2.1', '10.2.2.2', 17, udp(5060, 5060, sipRequest('OPTIONS', 'gre@x'))))]));
  const r = await analyzeBytes(pcap(101, [{ at: T0, data: ipip }, { at: T0 + 1, data: greFrame }]));
  assert.equal(r.summary.sipMessages, 2);
  assert.deepEqual(r.calls.map((c) => c.messages[0].src).sort(), ['10.1.1.1:5060', '10.2.2.1:5060']);
});

test('HEP v2 and v3 on UDP 9060 are unwrapped to the SIP message with the inner addresses and time', async () => {
  const msg = Buffer.from(sipRequest('REGISTER', 'hep@x'));
  // HEP3: chunks (vendor 0): family, proto, src/dst IPv4, ports, time, proto type 1 (SIP), payload.
  const chunk = (type: number, value: Buffer): Buffer => {
    const h = Buffer.alloc(6);
    h.writeUInt16BE(0, 0);
    h.writeUInt16BE(type, 2);
    h.writeUInt16BE(6 + value.length, 4);
    return Buffer.concat([h, value]);
  };
  const u16 = (v: number): Buffer => Buffer.from([v >> 8, v & 0xff]);
  const u32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    return b;
  };
  const sec = Math.floor(T0 / 1000) + 5;
  const body = Buffer.concat([
    chunk(1, Buffer.from([2])),
    chunk(2, Buffer.from([17])),
    chunk(3, Buffer.from([10, 9, 9, 1])),
    chunk(4, Buffer.from([10, 9, 9, 2])),
    chunk(7, u16(5062)),
    chunk(8, u16(5060)),
    chunk(9, u32(sec)),
    chunk(10, u32(250000)),
    chunk(11, Buffer.from([1])),
    chunk(15, msg),
  ]);
  const hep3 = Buffer.concat([Buffer.from('HEP3'), u16(6 + body.length), body]);
  // HEP2: version, header length 16, AF_INET, UDP, ports, addresses; then tv_sec, tv_usec, capture id (little-endian).
  const h2 = Buffer.alloc(28);
  h2.set([2, 16, 2, 17]);
  h2.writeUInt16BE(5064, 4);
  h2.writeUInt16BE(5060, 6);
  h2.set([10, 9, 9, 3], 8);
  h2.set([10, 9, 9, 2], 12);
  h2.writeUInt32LE(sec, 16);
  h2.writeUInt32LE(500000, 20);
  const hep2 = Buffer.concat([h2, Buffer.from(sipResponse(200, 'OK', 'REGISTER', 'hep@x'))]);
  const r = await analyzeBytes(pcap(1, [{ at: T0, data: ethUdp4('192.0.2.9', 40000, '192.0.2.10', 9060, hep3) }, { at: T0, data: ethUdp4('192.0.2.9', 40000, '192.0.2.10', 9060, hep2) }]));
  const msgs = r.calls[0].messages;
  assert.equal(msgs.length, 2);
  assert.equal(msgs[0].src, '10.9.9.1:5062');
  assert.equal(msgs[0].at, sec * 1000 + 250);
  assert.equal(msgs[0].transport, 'UDP (HEP3)');
  assert.equal(msgs[1].src, '10.9.9.3:5064');
  assert.equal(msgs[1].at, sec * 1000 + 500);
  assert.equal(msgs[1].transport, 'UDP (HEP2)');
  // The same HEP3 packets as a raw HEP file.
  const file = await analyzeBytes(Buffer.concat([hep3, hep3]));
  assert.equal(file.summary.files[0].format, 'hep');
  assert.equal(file.summary.sipMessages, 2);
  // And on a port given in the options.
  const other = await analyzeBytes(pcap(1, [{ at: T0, data: ethUdp4('192.0.2.9', 40000, '192.0.2.10', 9999, hep3) }]), { hepPorts: [9999] });
  assert.equal(other.calls[0].messages[0].src, '10.9.9.1:5062');
});

test('TCP: a hole a retransmission fills is no gap; one nothing fills is reported with the time before and after it', async () => {
  const m1 = sipRequest('OPTIONS', 'gap1@x');
  const m2 = sipRequest('OPTIONS', 'gap2@x');
  const m3 = sipRequest('OPTIONS', 'gap3@x');
  const stream = Buffer.from(m1 + m2 + m3);
  const a = m1.length;
  const b = a + m2.length;
  const seg = (from: number, to: number): Buffer => tcp(40000, 5060, 1001 + from, { psh: true }, stream.subarray(from, to));
  const pkt = (t: Buffer): Buffer => ethernet(0x0800, ipv4('192.0.2.1', '192.0.2.2', 6, t));
  const at = (i: number, t: Buffer) => ({ at: T0 + i, data: pkt(t) });
  // m2 arrives after m3 (a retransmission fills the hole): three messages, no gap.
  const filled = await analyzeBytes(pcap(1, [at(0, tcp(40000, 5060, 1000, { syn: true, ack: false })), at(1, seg(0, a)), at(2, seg(b, stream.length)), at(3, seg(a, b))]));
  assert.equal(filled.summary.sipMessages, 3);
  assert.equal(filled.summary.tcp.gaps, 0);
  assert.deepEqual(filled.summary.tcpGaps, []);
  // m2 never comes: m1 and m3 are read, the hole is counted with its size and the times around it.
  const hole = await analyzeBytes(pcap(1, [at(0, tcp(40000, 5060, 1000, { syn: true, ack: false })), at(1, seg(0, a)), at(2, seg(b, stream.length))]));
  assert.deepEqual(hole.calls.map((c) => c.callId).sort(), ['gap1@x', 'gap3@x']);
  assert.equal(hole.summary.tcp.gaps, 1);
  assert.deepEqual(hole.summary.tcpGaps?.map((g) => [g.src, g.dst, g.bytes, g.since, g.at, g.frame]), [['192.0.2.1:40000', '192.0.2.2:5060', m2.length, T0 + 1, T0 + 2, 3]]);
});
