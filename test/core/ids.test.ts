import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newBranch, newCallId, newCallSid, newSecret, newTag } from '../../src/core/index.js';

// The ids are read out of a pool of random bytes refilled 4 KiB at a time: across many refills
// each id still has its own bytes (none repeats) and its RFC 3261 / Exotel shape.
test('ids drawn across many refills of the random pool are all distinct and keep their shapes', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    const ids = [newBranch(), newTag(), newCallSid(), newCallId('edge.test')];
    assert.match(ids[0], /^z9hG4bK[0-9a-f]{20}$/);
    assert.match(ids[1], /^[0-9a-f]{12}$/);
    assert.match(ids[2], /^[0-9a-f]{32}$/);
    assert.match(ids[3], /^[0-9a-f]{24}@edge\.test$/);
    for (const id of ids) {
      assert.ok(!seen.has(id), `repeated id ${id}`);
      seen.add(id);
    }
  }
  assert.match(newSecret(), /^[0-9a-f]{48}$/);
});
