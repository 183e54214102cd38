import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

// CONVENTIONS habit 3: each layer's errors.ts is a table of stable codes; codes are unique
// across the project and every one is listed in docs/errors.md.
const root = resolve(process.cwd(), 'src');

function errorTables(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? errorTables(path) : name === 'errors.ts' ? [path] : [];
  });
}

function codesIn(source: string): string[] {
  return [...source.matchAll(/^\s+([A-Z][A-Z0-9]*_[A-Z0-9_]+)\s*:/gm)].map((m) => m[1]);
}

test('error codes are unique across the layers and each is documented in docs/errors.md', () => {
  const docs = readFileSync(resolve(process.cwd(), 'docs/errors.md'), 'utf8');
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const file of errorTables(root)) {
    for (const code of codesIn(readFileSync(file, 'utf8'))) {
      const where = relative(process.cwd(), file);
      if (seen.has(code)) problems.push(`${code} is declared in ${seen.get(code)} and ${where}`);
      seen.set(code, where);
      if (!docs.includes(`\`${code}\``)) problems.push(`${code} (${where}) is missing from docs/errors.md`);
    }
  }
  assert.ok(seen.size > 0, 'no error tables were found');
  assert.deepEqual(problems, []);
});
