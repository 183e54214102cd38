import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pcapFromTrace } from '../../src/bundle/pcap-rebuild.js';
import type { TraceEntry } from '../../src/store/index.js';

const entry = (n: number, at: string, direction: 'in' | 'out', summary: string, queued?: number): TraceEntry => ({
  at, leg: 'customer', direction, transport: 'udp',
  src: direction === 'in' ? '192.0.2.10:5060' : '198.51.100.5:5060', dst: direction === 'in' ? '198.51.100.5:5060' : '192.0.2.10:5060',
  summary, message: `${summary}\r\nX-Traced: ${n}\r\nContent-Length: 0\r\n\r\n`, ...(queued === undefined ? {} : { queued_ms: queued }),
});

/** Each record's time (µs) and which traced entry it holds (X-Traced). */
function records(buf: Buffer): { micros: number; n: number }[] {
  const out: { micros: number; n: number }[] = [];
  for (let off = 24; off < buf.length; off += 16 + buf.readUInt32LE(off + 8)) {
    const frame = buf.subarray(off + 16, off + 16 + buf.readUInt32LE(off + 8));
    const payload = frame.subarray(14 + 20 + 8).toString('latin1');
    out.push({ micros: buf.readUInt32LE(off) * 1e6 + buf.readUInt32LE(off + 4), n: Number(/X-Traced: (\d+)/.exec(payload)?.[1]) });
  }
  return out;
}

test('a pcap rebuilt from a trace puts a message that waited in the receive queue at the time it arrived, in arrival order', () => {
  const trace = [
    entry(0, '2026-01-23T09:25:00.000Z', 'in', 'INVITE sip:+14155550199@b SIP/2.0'),
    entry(1, '2026-01-23T09:25:00.001Z', 'out', 'SIP/2.0 100 Trying'),
    // The caller's copy, read 0.6 s after the 100 went out; it had waited 0.9 s: it crossed the network first.
    entry(2, '2026-01-23T09:25:00.601Z', 'in', 'INVITE sip:+14155550199@b SIP/2.0', 900),
  ];
  const r = records(pcapFromTrace(trace));
  assert.deepEqual(r.map((x) => x.n), [2, 0, 1]);
  assert.equal(r[0].micros, Date.parse('2026-01-23T09:24:59.701Z') * 1000);
});
