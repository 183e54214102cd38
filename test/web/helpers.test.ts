import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';

// The console's pure helpers, run in Node from the compiled browser modules (dist/web): the
// Prometheus text parser of the health page against prom-client's own output, and the rule
// that puts an API error beside the field its description names.
const web = (path: string) => import(new URL(`../../web/${path}`, import.meta.url).href);

test('the health page reads prom-client\'s exposition: HELP words, labelled samples summed, histogram count and sum', async () => {
  const { parseMetrics } = await web('pages/health.js') as { parseMetrics(text: string): { samples: { name: string; labels: Record<string, string>; value: number }[]; help: Map<string, string> } };
  const registry = new Registry();
  const calls = new Counter({ name: 'trunkline_edge_calls_total', help: 'Call attempts by final "code"\nand trunk \\ direction', labelNames: ['code', 'trunk'], registers: [registry] });
  calls.inc({ code: '200', trunk: 't1' }, 3);
  calls.inc({ code: '486', trunk: 't"2' });
  const setup = new Histogram({ name: 'trunkline_edge_setup_seconds', help: 'Setup time', buckets: [0.1, 1], registers: [registry] });
  setup.observe(0.05);
  setup.observe(0.25);
  const m = parseMetrics(await registry.metrics());
  assert.equal(m.help.get('trunkline_edge_setup_seconds'), 'Setup time');
  assert.match(m.help.get('trunkline_edge_calls_total')!, /^Call attempts by final "code" and trunk \\ direction$/);
  const c = m.samples.filter((x) => x.name === 'trunkline_edge_calls_total');
  assert.deepEqual(c.map((x) => [x.labels['code'], x.labels['trunk'], x.value]), [['200', 't1', 3], ['486', 't"2', 1]]);
  assert.equal(m.samples.find((x) => x.name === 'trunkline_edge_setup_seconds_count')?.value, 2);
  assert.equal(m.samples.find((x) => x.name === 'trunkline_edge_setup_seconds_sum')?.value, 0.3);
});

test('an API error goes beside the field its description names first, matching whole names only', async () => {
  const { ApiFailure } = await web('api.js') as { ApiFailure: new (status: number, code: number, message: string, description: string) => { fieldOf(fields: string[]): string | undefined } };
  const f = (d: string) => new ApiFailure(400, 1002, 'Invalid parameter', d);
  assert.equal(f('nso_code: must be one of ANY-ANY').fieldOf(['trunk_name', 'nso_code', 'domain_name']), 'nso_code');
  assert.equal(f('trunk_name is required').fieldOf(['trunk_name', 'nso_code']), 'trunk_name');
  assert.equal(f("Allowed characters for trunk_name is alphanumeric; got 'x'").fieldOf(['trunk_name']), 'trunk_name');
  assert.equal(f('destinations[0].destination: not whitelisted').fieldOf(['destination', 'priority']), 'destination');
  assert.equal(f('settings[0].value: rtp_timeout must be whole seconds').fieldOf(['name', 'value']), 'value');
  assert.equal(f('api_key or api_token is wrong').fieldOf(['account_sid', 'api_key', 'api_token']), 'api_key');
  assert.equal(f('the body is not valid JSON').fieldOf(['name', 'value']), undefined, 'no field named: the form-level box');
  assert.equal(f('mask_bits: x').fieldOf(['mask']), undefined, 'a longer name is not the field');
});
