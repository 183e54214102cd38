import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hiddenSlot } from '../../src/core/index.js';

test('a hidden slot is read back and replaced, and JSON, spreads, structured clones, symbols and deep equality do not see it', () => {
  const cache = hiddenSlot<string>();
  const entry = { at: '2026-12-07T06:00:00.000Z', summary: 'INVITE sip:+911@edge SIP/2.0' };
  assert.equal(cache.get(entry), undefined);
  cache.set(entry, 'first');
  cache.set(entry, 'second');
  assert.equal(cache.get(entry), 'second');
  assert.equal(JSON.stringify(entry), '{"at":"2026-12-07T06:00:00.000Z","summary":"INVITE sip:+911@edge SIP/2.0"}');
  const copy = { ...entry };
  assert.equal(cache.get(copy), undefined, 'a spread copy does not carry it (no stale cache on a changed copy)');
  assert.equal(cache.get(structuredClone(entry)), undefined);
  assert.deepStrictEqual(entry, { at: entry.at, summary: entry.summary });
  assert.deepEqual(Object.keys(entry), ['at', 'summary']);
  assert.deepEqual(Object.getOwnPropertySymbols(entry), []);
  assert.deepEqual(Reflect.ownKeys(entry), ['at', 'summary']);
});

test('two slots on one object keep their own values, and a slot works on class instances and arrays', () => {
  const a = hiddenSlot<number>();
  const b = hiddenSlot<number>();
  class Message {
    readonly start = 'SIP/2.0 200 OK';
  }
  for (const target of [{}, new Message(), [1, 2]]) {
    a.set(target, 1);
    assert.equal(b.get(target), undefined);
    b.set(target, 2);
    assert.equal(a.get(target), 1);
    assert.equal(b.get(target), 2);
  }
  const m = new Message();
  a.set(m, 7);
  assert.ok(m instanceof Message, 'the target keeps its class');
  assert.deepStrictEqual(m, new Message());
});
