import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';

// CONVENTIONS.md: imports point down only, and folders on one level do not import each other.
const LEVEL: Record<string, number> = {
  core: 0,
  sip: 1, sdp: 1, rtp: 1,
  diagnosis: 2, capture: 2, media: 2,
  store: 3, analyzer: 3,
  edge: 4, 'pstn-sim': 4, preflight: 4, bundle: 4,
  api: 5, app: 6, cli: 7,
};
// Dependency-free layers use Node built-ins only (CONVENTIONS habit 9).
const BUILTINS_ONLY = new Set(['core', 'sip', 'rtp', 'capture', 'diagnosis']);

const root = resolve(process.cwd(), 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(source: string): string[] {
  const found: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (let m = re.exec(source); m; m = re.exec(source)) found.push(m[1] ?? m[2]);
  return found;
}

test('every import in src/ points down the layers and never sideways', () => {
  const violations: string[] = [];
  for (const file of tsFiles(root)) {
    const from = relative(root, file).split(sep)[0];
    const fromLevel = LEVEL[from];
    if (fromLevel === undefined) {
      violations.push(`${relative(root, file)}: folder src/${from} is not a layer of CONVENTIONS.md`);
      continue;
    }
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = relative(root, resolve(dirname(file), spec)).split(sep)[0];
        if (target === from) continue;
        const toLevel = LEVEL[target];
        if (toLevel === undefined || toLevel >= fromLevel) {
          violations.push(`${relative(root, file)} imports ${spec} (${from} L${fromLevel} → ${target} L${toLevel ?? '?'})`);
        }
      } else if (BUILTINS_ONLY.has(from) && !spec.startsWith('node:')) {
        violations.push(`${relative(root, file)} imports package ${spec}; src/${from} uses Node built-ins only`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('a layer is entered through its index.ts only, which opens with a line saying what it is', () => {
  const problems: string[] = [];
  for (const layer of readdirSync(root)) {
    const index = join(root, layer, 'index.ts');
    let text: string;
    try {
      text = readFileSync(index, 'utf8');
    } catch {
      problems.push(`src/${layer} has no index.ts`);
      continue;
    }
    if (!/^\/\/ \S/.test(text)) problems.push(`src/${layer}/index.ts does not open with a line saying what the layer is`);
  }
  assert.deepEqual(problems, []);
});
