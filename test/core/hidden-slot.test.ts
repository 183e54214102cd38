import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHidden, setHidden } from '../../src/core/index.js';

test('a hidden slot is read back and replaced, and JSON, spreads, structured clones and deep equality do not see it', () => {
  const KEY = Symbol('cache');
  const entry = { at: '2026-12-07T06:00:00.000Z', summary: 'INVITE sip:+911@edge SIP/2.0' };
  assert.equal(getHidden<string>(entry, KEY), undefined);
  setHidden(entry, KEY, 'first');
  setHidden(entry, KEY, 'second');
  assert.equal(getHidden<string>(entry, KEY), 'second');
  assert.equal(JSON.stringify(entry), '{"at":"2026-12-07T06:00:00.000Z","summary":"INVITE sip:+911@edge SIP/2.0"}');
  const copy = { ...entry };
  assert.equal(getHidden<string>(copy, KEY), undefined, 'a spread copy does not carry it (no stale cache on a changed copy)');
  assert.equal(getHidden<string>(structuredClone(entry), KEY), undefined);
  assert.deepStrictEqual(entry, { at: entry.at, summary: entry.summary });
  assert.deepEqual(Object.keys(entry), ['at', 'summary']);
});
