import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FINDING_CATALOGUE, renderFindingsMarkdown } from '../../src/diagnosis/index.js';

test('docs/findings.md is the catalogue as generated: every finding id listed, none stale', () => {
  const doc = readFileSync('docs/findings.md', 'utf8');
  assert.equal(doc, renderFindingsMarkdown(), 'regenerate docs/findings.md from renderFindingsMarkdown()');
  for (const id of FINDING_CATALOGUE.keys()) assert.ok(doc.includes(`\`${id}\``), id);
});

test('finding ids are stable dotted lower-case names', () => {
  for (const id of FINDING_CATALOGUE.keys()) assert.match(id, /^[a-z]+(\.[a-z0-9-]+)+$/);
});
