import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ChurnMap, ChurnSet, FRESH_AFTER_DELETES } from '../../src/core/index.js';

test('a churn map answers as a Map through emptyings and fresh tables: entries, order, size, iteration', () => {
  const m = new ChurnMap<string, number>();
  m.set('kept', 0);
  for (let i = 0; i < 3 * FRESH_AFTER_DELETES; i++) {
    m.set(`k${i}`, i);
    if (i >= 2) assert.equal(m.delete(`k${i - 2}`), true);
  }
  assert.equal(m.size, 3);
  assert.deepEqual([...m.keys()], ['kept', `k${3 * FRESH_AFTER_DELETES - 2}`, `k${3 * FRESH_AFTER_DELETES - 1}`]);
  assert.equal(m.get('kept'), 0);
  assert.equal(m.delete('absent'), false);
  m.set('kept', 7);
  assert.equal(m.get('kept'), 7);
  assert.deepEqual([...m].map(([k]) => k), [...m.entries()].map(([k]) => k));
  for (const k of [...m.keys()]) m.delete(k);
  assert.equal(m.size, 0);
  assert.equal(m.has('kept'), false);
  m.set('again', 1);
  assert.deepEqual([...m.values()], [1]);
  m.clear();
  assert.equal(m.size, 0);
});

test('a loop that deletes every entry of a churn map while iterating it visits each once and ends', () => {
  const m = new ChurnMap<number, string>();
  for (let i = 0; i < 10; i++) m.set(i, `v${i}`);
  const seen: number[] = [];
  for (const [k] of m) {
    seen.push(k);
    m.delete(k);
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(m.size, 0);
});

test('a churn set answers as a Set through emptyings and fresh tables', () => {
  const s = new ChurnSet<object>();
  const kept = {};
  s.add(kept);
  const recent: object[] = [];
  for (let i = 0; i < 2 * FRESH_AFTER_DELETES + 5; i++) {
    const o = {};
    s.add(o);
    recent.push(o);
    if (recent.length > 2) assert.equal(s.delete(recent.shift()!), true);
  }
  assert.equal(s.size, 3);
  assert.equal(s.has(kept), true);
  assert.deepEqual([...s], [kept, ...recent]);
  assert.equal(s.delete({}), false);
  s.delete(kept);
  for (const o of recent) s.delete(o);
  assert.equal(s.size, 0);
  s.add(kept);
  assert.deepEqual([...s.values()], [kept]);
});

/**
 * Old-generation bytes gained while `churn` passes 20 000 values (~0.8 KB each) through a map
 * holding three at a time, after full GCs promoted the map's table: what the scavenger kept alive
 * through tables the map dropped (issue 13).
 */
function promotedWhileChurning(gc: () => void, churn: { set(k: number, v: unknown): unknown; delete(k: number): unknown }): number {
  churn.set(-1, null);
  gc();
  gc();
  const oldUsed = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!.space_used_size;
  const before = oldUsed();
  for (let i = 0; i < 20_000; i++) {
    churn.set(i, new Array(100).fill(i));
    if (i >= 3) churn.delete(i - 3);
  }
  return oldUsed() - before;
}

test('values passing through a churn map whose table a full GC promoted die young: the scavenger is not left holding them', (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const payload = 20_000 * 100 * 8;
  const viaChurnMap = promotedWhileChurning(gc, new ChurnMap<number, unknown>());
  const viaMap = promotedWhileChurning(gc, new Map<number, unknown>());
  t.diagnostic(`old generation gained: ChurnMap ${(viaChurnMap / 1e6).toFixed(1)} MB, Map ${(viaMap / 1e6).toFixed(1)} MB, of ${(payload / 1e6).toFixed(1)} MB passed through`);
  assert.ok(viaChurnMap < payload / 4, `ChurnMap: ${viaChurnMap} bytes promoted of ${payload}`);
});
