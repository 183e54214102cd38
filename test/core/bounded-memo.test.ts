import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedMemo } from '../../src/core/index.js';

test('a bounded memo computes each key once while it is kept, drops the oldest past its bound, and keeps undefined results too', () => {
  const computed: string[] = [];
  const memo = new BoundedMemo<string | undefined>(3, (key) => {
    computed.push(key);
    return key === 'none' ? undefined : key.toUpperCase();
  });
  assert.equal(memo.get('a'), 'A');
  assert.equal(memo.get('a'), 'A');
  assert.equal(memo.get('none'), undefined);
  assert.equal(memo.get('none'), undefined);
  assert.deepEqual(computed, ['a', 'none']);
  memo.get('b');
  memo.get('c'); // past the bound: 'a', the oldest, is dropped
  assert.equal(memo.size, 3);
  assert.equal(memo.get('a'), 'A');
  assert.deepEqual(computed, ['a', 'none', 'b', 'c', 'a']);
  assert.equal(memo.size, 3);
});
