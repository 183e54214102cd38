import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseRtpHeader,
  readRtpHeaderInto,
  RtpHeaderFields,
  parseRtcp,
  classifyMediaPacket,
  isRtcpPayloadType,
  ALAW_TO_LINEAR,
  ULAW_TO_LINEAR,
  decodeG711,
} from '../../src/rtp/index.js';

function rtp(o: { pt?: number; seq?: number; ts?: number; ssrc?: number; marker?: boolean; csrcs?: number[]; ext?: number[]; payload?: number[]; pad?: number }): Buffer {
  const csrcs = o.csrcs ?? [];
  const ext = o.ext;
  const payload = o.payload ?? [1, 2, 3, 4];
  const pad = o.pad ?? 0;
  const len = 12 + 4 * csrcs.length + (ext ? 4 + 4 * ext.length : 0) + payload.length + pad;
  const b = Buffer.alloc(len);
  b[0] = 0x80 | (pad ? 0x20 : 0) | (ext ? 0x10 : 0) | csrcs.length;
  b[1] = (o.marker ? 0x80 : 0) | (o.pt ?? 8);
  b.writeUInt16BE(o.seq ?? 1, 2);
  b.writeUInt32BE(o.ts ?? 0, 4);
  b.writeUInt32BE(o.ssrc ?? 0x11223344, 8);
  let p = 12;
  for (const c of csrcs) {
    b.writeUInt32BE(c, p);
    p += 4;
  }
  if (ext) {
    b.writeUInt16BE(0xbede, p);
    b.writeUInt16BE(ext.length, p + 2);
    p += 4;
    for (const w of ext) {
      b.writeUInt32BE(w, p);
      p += 4;
    }
  }
  for (const x of payload) b[p++] = x;
  if (pad) b[len - 1] = pad;
  return b;
}

test('RFC 3550 §5.1: the fixed header, CSRC list, header extension and padding are read', () => {
  const r = parseRtpHeader(rtp({ pt: 0, seq: 65535, ts: 0xfffffff0, ssrc: 0xdeadbeef, marker: true, csrcs: [7, 8], ext: [0x10000000], payload: [9, 9, 9], pad: 4 }));
  assert.equal(r.ok, true);
  if (!r.ok) return;
  const h = r.header;
  assert.equal(h.version, 2);
  assert.equal(h.marker, true);
  assert.equal(h.payloadType, 0);
  assert.equal(h.sequenceNumber, 65535);
  assert.equal(h.timestamp, 0xfffffff0);
  assert.equal(h.ssrc, 0xdeadbeef);
  assert.deepEqual(h.csrcs, [7, 8]);
  assert.equal(h.extensionProfile, 0xbede);
  assert.equal(h.headerLength, 12 + 8 + 8);
  assert.equal(h.payloadLength, 3);
  assert.equal(h.paddingLength, 4);
});

test('a packet that is not RTP is a typed result, not an exception', () => {
  const short = parseRtpHeader(new Uint8Array(11));
  assert.equal(short.ok, false);
  if (!short.ok) assert.equal(short.code, 'RTP_TOO_SHORT');
  const v1 = rtp({});
  v1[0] = 0x40;
  const bad = parseRtpHeader(v1);
  assert.equal(bad.ok ? '' : bad.code, 'RTP_BAD_VERSION');
  const csrcOverflow = rtp({ payload: [] });
  csrcOverflow[0] = 0x8f; // claims 15 CSRCs in 12 bytes
  assert.equal(readRtpHeaderInto(csrcOverflow, new RtpHeaderFields()), 'RTP_TOO_SHORT');
  const ext = rtp({ ext: [1], payload: [] });
  ext.writeUInt16BE(50, 14); // extension length past the end
  assert.equal(readRtpHeaderInto(ext, new RtpHeaderFields()), 'RTP_BAD_EXTENSION');
  const pad = rtp({ payload: [1, 2], pad: 1 });
  pad[pad.length - 1] = 0;
  assert.equal(readRtpHeaderInto(pad, new RtpHeaderFields()), 'RTP_BAD_PADDING');
});

test('readRtpHeaderInto reads at an offset into a larger buffer (payloadOffset is absolute)', () => {
  const inner = rtp({ seq: 42, payload: [0xd5, 0xd5] });
  const outer = new Uint8Array(inner.length + 20);
  outer.set(inner, 20);
  const f = new RtpHeaderFields();
  assert.equal(readRtpHeaderInto(outer, f, 20, inner.length), undefined);
  assert.equal(f.sequenceNumber, 42);
  assert.equal(f.payloadOffset, 32);
  assert.equal(f.payloadLength, 2);
});

function rtcpSr(): Buffer {
  // SR with one report block, then SDES CNAME, then BYE with reason.
  const sr = Buffer.alloc(52);
  sr[0] = 0x81;
  sr[1] = 200;
  sr.writeUInt16BE(52 / 4 - 1, 2);
  sr.writeUInt32BE(0xaaaa0001, 4);
  sr.writeUInt32BE(3900000000, 8);
  sr.writeUInt32BE(0x80000000, 12);
  sr.writeUInt32BE(160000, 16);
  sr.writeUInt32BE(1000, 20);
  sr.writeUInt32BE(160000, 24);
  sr.writeUInt32BE(0xbbbb0002, 28);
  sr[32] = 64; // fraction lost 64/256
  sr[33] = 0xff; // cumulative lost −1 (24-bit two's complement)
  sr[34] = 0xff;
  sr[35] = 0xff;
  sr.writeUInt32BE(70000, 36);
  sr.writeUInt32BE(80, 40);
  const cname = Buffer.from('user@host');
  const sdesLen = Math.ceil((4 + 4 + 2 + cname.length + 1) / 4) * 4;
  const sdes = Buffer.alloc(sdesLen);
  sdes[0] = 0x81;
  sdes[1] = 202;
  sdes.writeUInt16BE(sdesLen / 4 - 1, 2);
  sdes.writeUInt32BE(0xaaaa0001, 4);
  sdes[8] = 1;
  sdes[9] = cname.length;
  cname.copy(sdes, 10);
  const reason = Buffer.from('bye!');
  const bye = Buffer.alloc(8 + Math.ceil((1 + reason.length) / 4) * 4);
  bye[0] = 0x81;
  bye[1] = 203;
  bye.writeUInt16BE(bye.length / 4 - 1, 2);
  bye.writeUInt32BE(0xaaaa0001, 4);
  bye[8] = reason.length;
  reason.copy(bye, 9);
  return Buffer.concat([sr, sdes, bye]);
}

test('RFC 3550 §6.4–6.6: a compound SR + SDES + BYE is read with its report block', () => {
  const r = parseRtcp(rtcpSr());
  assert.equal(r.ok, true, JSON.stringify(r));
  if (!r.ok) return;
  assert.deepEqual(r.packets.map((p) => p.type), ['SR', 'SDES', 'BYE']);
  const sr = r.packets[0];
  assert.ok(sr.type === 'SR');
  assert.equal(sr.ssrc, 0xaaaa0001);
  assert.equal(sr.packetCount, 1000);
  assert.equal(sr.reports.length, 1);
  assert.equal(sr.reports[0].fractionLost, 0.25);
  assert.equal(sr.reports[0].cumulativeLost, -1);
  assert.equal(sr.reports[0].extendedHighestSequence, 70000);
  assert.equal(sr.reports[0].jitter, 80);
  const sdes = r.packets[1];
  assert.ok(sdes.type === 'SDES');
  assert.deepEqual(sdes.chunks[0].items, [{ type: 1, value: 'user@host' }]);
  const bye = r.packets[2];
  assert.ok(bye.type === 'BYE');
  assert.deepEqual(bye.ssrcs, [0xaaaa0001]);
  assert.equal(bye.reason, 'bye!');
});

test('an RTCP length past the end is RTCP_BAD_LENGTH with the offset and the packets before it', () => {
  const buf = rtcpSr();
  const cut = buf.subarray(0, buf.length - 4);
  const r = parseRtcp(cut);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.code, 'RTCP_BAD_LENGTH');
  assert.equal(r.packets.length, 2);
  assert.equal(r.offset, 52 + 20, "the BYE starts after the 52-byte SR and the 20-byte SDES");
});

test('RFC 5761 §4: payload types 64–95 (RTCP 192–223 with the marker masked) are RTCP', () => {
  assert.equal(isRtcpPayloadType(200), true);
  assert.equal(isRtcpPayloadType(0x80 | 8), false);
  assert.equal(classifyMediaPacket(rtp({ pt: 8, marker: true })), 'rtp');
  assert.equal(classifyMediaPacket(rtp({ pt: 96 })), 'rtp');
  assert.equal(classifyMediaPacket(rtcpSr()), 'rtcp');
  assert.equal(classifyMediaPacket(Uint8Array.of(0, 1, 0, 0)), 'stun');
  assert.equal(classifyMediaPacket(Uint8Array.of(22, 254, 253)), 'dtls');
  assert.equal(classifyMediaPacket(Uint8Array.of(0x40, 0)), 'turn-channel');
  assert.equal(classifyMediaPacket(new Uint8Array(0)), 'unknown');
});

test('G.711: A-law and µ-law expand to the ITU-T linear values', () => {
  assert.equal(ALAW_TO_LINEAR[0xd5], 8); // A-law idle pattern
  assert.equal(ALAW_TO_LINEAR[0x55], -8);
  assert.equal(ALAW_TO_LINEAR[0xaa], 32256);
  assert.equal(ALAW_TO_LINEAR[0x2a], -32256);
  assert.equal(ULAW_TO_LINEAR[0xff], 0);
  assert.equal(ULAW_TO_LINEAR[0x7f], 0);
  assert.equal(ULAW_TO_LINEAR[0x00], -32124);
  assert.equal(ULAW_TO_LINEAR[0x80], 32124);
  const out = new Int16Array(3);
  assert.equal(decodeG711('alaw', Uint8Array.of(0xd5, 0xaa, 0x2a), out), 3);
  assert.deepEqual([...out], [8, 32256, -32256]);
});
