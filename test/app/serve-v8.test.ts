import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const TUNING = fileURLToPath(new URL('../../src/app/serve-v8.js', import.meta.url));

/**
 * Literal objects kept past a few scavenges in bulk: V8 decides on pretenuring for their site and,
 * with --trace-pretenuring-statistics, prints a "pretenuring:" line per decision round.
 */
const WORKLOAD = `
const keep = [];
function make(i) { return { i, a: [i, i + 1], s: 'x' + i }; }
for (let round = 0; round < 200; round++) {
  for (let i = 0; i < 20000; i++) keep.push(make(i));
  if (keep.length > 100000) keep.length = 0;
}
`;

function pretenuringRounds(tuned: boolean): number {
  const script = `${tuned ? `(await import(${JSON.stringify(TUNING)})).tuneV8ForServe();` : ''}${WORKLOAD}`;
  const run = spawnSync(process.execPath, ['--trace-pretenuring-statistics', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.split('\n').filter((l) => l.includes('pretenuring:')).length;
}

test('serve turns off V8 allocation-site pretenuring, which promoted every call\'s young objects through old garbage', () => {
  assert.ok(pretenuringRounds(false) > 0, 'the workload makes V8 weigh pretenuring when nothing is tuned');
  assert.equal(pretenuringRounds(true), 0, 'tuned: V8 takes no pretenuring decision at all');
});
