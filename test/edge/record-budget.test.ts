import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordBudget } from '../../src/edge/record/record-budget.js';

test('the refusal record budget: per source and in all per window, a fresh window starts over and reports what it suppressed', () => {
  const b = new RecordBudget({ windowMs: 1000, perSource: 2, total: 3 });
  const take = (src: string, at: number) => b.take(src, at);
  assert.equal(take('10.0.0.1', 0).allowed, true);
  assert.equal(take('10.0.0.1', 10).allowed, true);
  assert.equal(take('10.0.0.1', 20).allowed, false, 'per source');
  assert.equal(take('10.0.0.2', 30).allowed, true);
  assert.equal(take('10.0.0.3', 40).allowed, false, 'in all');
  const next = take('10.0.0.1', 1000);
  assert.deepEqual(next, { allowed: true, suppressedBefore: 2 });
  assert.deepEqual(take('10.0.0.1', 1500), { allowed: true, suppressedBefore: 0 });
});

test('the budget tracks a bounded number of sources: a spoofed flood from many addresses cannot grow it', () => {
  const b = new RecordBudget({ windowMs: 1000, perSource: 5, total: 1_000_000, maxSources: 100 });
  let allowed = 0;
  for (let i = 0; i < 10_000; i++) if (b.take(`10.0.${i >> 8}.${i & 255}`, 1).allowed) allowed++;
  assert.equal(allowed, 100);
});
