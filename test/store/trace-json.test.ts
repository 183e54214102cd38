import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deserialize, serialize } from 'node:v8';
import { traceJson, type TraceEntry } from '../../src/store/index.js';

function entry(i: number, method: string): TraceEntry {
  return {
    at: `2026-12-07T12:00:0${i}.000Z`, leg: i % 2 === 0 ? 'customer' : 'carrier', direction: 'in', transport: 'udp',
    src: '127.0.0.2:5060', dst: '127.0.0.1:5060', summary: `${method} sip:+919876543210@carrier.example.com SIP/2.0`,
    message: `${method} sip:+919876543210@carrier.example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bK${i}\r\nSubject: "quoted" \\ text\r\n\r\n`,
  };
}

test('a trace is stored as the JSON text of its entries, for no entry, one and many', () => {
  for (const n of [0, 1, 2, 7]) {
    const trace = Array.from({ length: n }, (_, i) => entry(i, i === 0 ? 'INVITE' : 'BYE'));
    const text = traceJson(trace);
    assert.equal(text, JSON.stringify(trace));
    assert.deepEqual(JSON.parse(text), trace);
    // What the writer thread receives (v8.serialize of the row) reads back the same.
    assert.equal(deserialize(serialize({ trace: text })).trace, text);
  }
});

test('a later save of the same call writes the entries it had already written, and its new ones', () => {
  const trace = [entry(0, 'INVITE'), entry(1, 'INVITE')];
  const atAnswer = traceJson(trace);
  trace.push(entry(2, 'BYE'));
  const atEnd = traceJson(trace);
  assert.equal(atEnd, JSON.stringify(trace));
  assert.ok(atEnd.startsWith(atAnswer.slice(0, -1)));
  // The entries' JSON is kept out of sight: the entries themselves serialize as before.
  assert.deepEqual(Object.keys(trace[0]), Object.keys(entry(0, 'INVITE')));
});
