import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTrunklineError } from '../../src/core/index.js';
import { ethUdp4, pcap, pcapng, sipRequest, sipResponse } from './support/packets.js';
import { analyzeBytes } from './support/run.js';

const T0 = Date.UTC(2026, 0, 23, 9, 24, 59) + 0.125;
const invite = ethUdp4('10.0.0.1', 5060, '10.0.0.2', 5060, sipRequest('INVITE', 'c1@x'));
const ringing = ethUdp4('10.0.0.2', 5060, '10.0.0.1', 5060, sipResponse(180, 'Ringing', 'INVITE', 'c1@x'));

test('pcap in both byte orders gives the same messages and times', async () => {
  for (const littleEndian of [true, false]) {
    const r = await analyzeBytes(pcap(1, [{ at: T0, data: invite }, { at: T0 + 20, data: ringing }], { littleEndian }));
    assert.deepEqual(r.errors, []);
    assert.equal(r.summary.sipMessages, 2);
    assert.equal(r.summary.files[0].format, 'pcap');
    const msgs = r.calls[0].messages;
    assert.equal(msgs[0].at, T0);
    assert.equal(msgs[1].status, 180);
    assert.equal(msgs[0].src, '10.0.0.1:5060');
  }
});

test('pcap with nanosecond timestamps (magic a1b23c4d) keeps sub-microsecond time', async () => {
  const sec = Math.floor(T0 / 1000);
  const r = await analyzeBytes(pcap(1, [{ at: sec * 1000, nsFraction: 123456789, data: invite }], { nanos: true, littleEndian: false }));
  assert.deepEqual(r.errors, []);
  assert.equal(r.calls[0].messages[0].at, sec * 1000 + 123.456789);
});

test('pcapng with two interfaces of different link types and if_tsresol, EPB, SPB and the obsolete packet block', async () => {
  const sec = BigInt(Math.floor(T0 / 1000));
  // Interface 0: Ethernet, µs. Interface 1: raw IPv4 (DLT 228), ns.
  const raw = invite.subarray(14);
  const file = pcapng(
    [{ linkType: 1 }, { linkType: 228, tsresol: 9 }],
    [
      { iface: 0, ticks: sec * 1_000_000n + 500_000n, data: invite },
      { iface: 1, ticks: sec * 1_000_000_000n + 600_000_001n, data: Buffer.from(raw) },
      { iface: 0, ticks: 0n, data: ringing, kind: 'spb' },
      { iface: 0, ticks: sec * 1_000_000n + 700_000n, data: ringing, kind: 'opb' },
    ],
    { extraBlocks: [{ type: 5, body: Buffer.alloc(8) }, { type: 0x0bad, body: Buffer.from('custom') }] },
  );
  for (const littleEndian of [true, false]) {
    const r = await analyzeBytes(littleEndian ? file : pcapng(
      [{ linkType: 1 }, { linkType: 228, tsresol: 9 }],
      [
        { iface: 0, ticks: sec * 1_000_000n + 500_000n, data: invite },
        { iface: 1, ticks: sec * 1_000_000_000n + 600_000_001n, data: Buffer.from(raw) },
        { iface: 0, ticks: 0n, data: ringing, kind: 'spb' },
        { iface: 0, ticks: sec * 1_000_000n + 700_000n, data: ringing, kind: 'opb' },
      ],
      { littleEndian: false, extraBlocks: [{ type: 5, body: Buffer.alloc(8) }] },
    ));
    assert.deepEqual(r.errors, [], String(littleEndian));
    assert.equal(r.summary.files[0].format, 'pcapng');
    assert.deepEqual([...r.summary.files[0].linkTypes].sort((a, b) => a - b), [1, 228]);
    assert.equal(r.summary.packets, 4);
    assert.equal(r.summary.sipMessages, 4);
    const times = r.calls[0].messages.map((m) => m.at);
    assert.equal(times[0], Number(sec) * 1000 + 500);
    assert.equal(times[1], Number(sec) * 1000 + 600.000001);
    // The SPB has no timestamp: it takes the previous packet's.
    assert.equal(times[2], Number(sec) * 1000 + 600.000001);
    assert.equal(times[3], Number(sec) * 1000 + 700);
  }
});

test('a pcap truncated inside a record: CAP_TRUNCATED_RECORD with the byte offset, and what came before is kept', async () => {
  const whole = pcap(1, [{ at: T0, data: invite }, { at: T0 + 20, data: ringing }]);
  const cut = whole.subarray(0, whole.length - 10);
  const r = await analyzeBytes(cut);
  assert.equal(r.errors.length, 1);
  const e = r.errors[0];
  assert.ok(isTrunklineError(e, 'CAP_TRUNCATED_RECORD'));
  assert.equal(e.details['offset'], 24 + 16 + invite.length);
  assert.equal(r.summary.sipMessages, 1);
  assert.equal(r.calls[0].messages[0].method, 'INVITE');
  assert.equal(r.summary.files[0].error?.offset, 24 + 16 + invite.length);
});

test('a pcap record with an impossible length is CAP_BAD_RECORD at its offset', async () => {
  const whole = pcap(1, [{ at: T0, data: invite }, { at: T0 + 20, data: ringing }]);
  const bad = Buffer.from(whole);
  bad.writeUInt32LE(0x7fffffff, 24 + 16 + invite.length + 8);
  const r = await analyzeBytes(bad);
  assert.ok(isTrunklineError(r.errors[0], 'CAP_BAD_RECORD'));
  assert.equal(r.errors[0].details['offset'], 24 + 16 + invite.length);
  assert.equal(r.summary.sipMessages, 1);
});

test('a truncated global header, a pcapng cut mid-block, an empty file and an unknown format are typed errors', async () => {
  const h = await analyzeBytes(pcap(1, []).subarray(0, 10));
  assert.ok(isTrunklineError(h.errors[0], 'CAP_TRUNCATED_HEADER'));
  const ng = pcapng([{ linkType: 1 }], [{ iface: 0, ticks: 1n, data: invite }, { iface: 0, ticks: 2n, data: ringing }]);
  const cut = await analyzeBytes(ng.subarray(0, ng.length - 7));
  assert.ok(isTrunklineError(cut.errors[0], 'CAP_TRUNCATED_RECORD'));
  assert.equal(cut.summary.sipMessages, 1);
  assert.equal(typeof cut.errors[0].details['offset'], 'number');
  const badIface = await analyzeBytes(pcapng([{ linkType: 1 }], [{ iface: 3, ticks: 1n, data: invite }]));
  assert.ok(isTrunklineError(badIface.errors[0], 'CAP_BAD_INTERFACE'));
  const empty = await analyzeBytes(Buffer.alloc(0));
  assert.ok(isTrunklineError(empty.errors[0], 'CAP_EMPTY_FILE'));
  const junk = await analyzeBytes(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, 1, 2, 3]));
  assert.ok(isTrunklineError(junk.errors[0], 'CAP_UNKNOWN_FORMAT'));
});

test('records read the same whatever the chunking: byte by byte, across several chunks, or the file in one', async () => {
  const recs = [invite, ringing, invite, ringing].map((data, i) => ({ at: T0 + 20 * i, data }));
  const files = [pcap(1, recs), pcapng([{ linkType: 1 }], recs.map((r, i) => ({ iface: 0, ticks: BigInt(Math.round(r.at * 1000)) + BigInt(i), data: r.data })))];
  for (const file of files) {
    const cut = file.subarray(0, file.length - 10);
    const whole = await analyzeBytes(file, {}, file.length);
    const wholeCut = await analyzeBytes(cut, {}, cut.length);
    assert.equal(whole.summary.sipMessages, 4);
    for (const chunk of [1, 5, 16, invite.length + 3]) {
      const r = await analyzeBytes(file, {}, chunk);
      assert.deepEqual(r.errors, [], `chunk ${chunk}`);
      assert.deepEqual(r.calls[0].messages.map((m) => [m.at, m.frame, m.raw]), whole.calls[0].messages.map((m) => [m.at, m.frame, m.raw]), `chunk ${chunk}`);
      const c = await analyzeBytes(cut, {}, chunk);
      assert.equal(c.errors[0]?.details['offset'], wholeCut.errors[0]?.details['offset'], `chunk ${chunk}: offset of the cut record`);
      assert.equal(c.summary.sipMessages, 3);
    }
  }
});
