import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep, posix } from 'node:path';

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

/**
 * Every module specifier a file names: `import … from`, `import type … from`, `export … from`
 * (re-exports), side-effect `import './x.js'`, and dynamic `import('./x.js')` with a literal.
 */
function importsOf(source: string): string[] {
  const found: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (let m = re.exec(source); m; m = re.exec(source)) found.push(m[1] ?? m[2] ?? m[3]);
  return found;
}

/**
 * What is wrong with the imports of one file, `file` relative to src/ with `/`: an import that
 * points up or sideways, a package in a built-ins-only layer, or a deep import — another
 * layer entered anywhere but its index.ts (CONVENTIONS habit 1: a folder's index.ts is its only entry).
 */
function violationsOf(file: string, source: string): string[] {
  const violations: string[] = [];
  const from = file.split('/')[0];
  const fromLevel = LEVEL[from];
  if (fromLevel === undefined) return [`${file}: folder src/${from} is not a layer of CONVENTIONS.md`];
  for (const spec of importsOf(source)) {
    if (spec.startsWith('.')) {
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      const to = target.split('/')[0];
      if (to === from) continue;
      const toLevel = LEVEL[to];
      if (toLevel === undefined || toLevel >= fromLevel) {
        violations.push(`${file} imports ${spec} (${from} L${fromLevel} → ${to} L${toLevel ?? '?'})`);
      } else if (target !== `${to}/index.js`) {
        violations.push(`${file} imports ${spec}: a deep import into src/${to}; import ../${to}/index.js, and export what is needed there`);
      }
    } else if (BUILTINS_ONLY.has(from) && !spec.startsWith('node:')) {
      violations.push(`${file} imports package ${spec}; src/${from} uses Node built-ins only`);
    }
  }
  return violations;
}

test('the import scanner sees static, type, side-effect, dynamic and re-export imports', () => {
  const source = [
    "import { a } from './a.js';",
    "import type { B } from '../b/index.js';",
    'import {',
    '  c,',
    "} from './c.js';",
    "import './side-effect.js';",
    "export { d } from './d.js';",
    "export * from './e.js';",
    "export * as f from './f.js';",
    "const g = await import('./g.js');",
    "const h = 'import nothing from here';",
  ].join('\n');
  assert.deepEqual(importsOf(source), ['./a.js', '../b/index.js', './c.js', './side-effect.js', './d.js', './e.js', './f.js', './g.js']);
});

test('an import that points up or sideways, or enters a layer past its index.ts, is a violation in every form', () => {
  assert.deepEqual(violationsOf('sip/transport/udp.ts', "import '../../edge/index.js';"), ['sip/transport/udp.ts imports ../../edge/index.js (sip L1 → edge L4)']);
  assert.deepEqual(violationsOf('store/x.ts', "const m = await import('../api/index.js');"), ['store/x.ts imports ../api/index.js (store L3 → api L5)']);
  assert.deepEqual(violationsOf('edge/x.ts', "export * from '../preflight/index.js';"), ['edge/x.ts imports ../preflight/index.js (edge L4 → preflight L4)']);
  assert.match(violationsOf('app/x.ts', "import { B2bua } from '../edge/b2bua.js';")[0] ?? '', /deep import into src\/edge/);
  assert.match(violationsOf('api/x.ts', "import '../store/sqlite/setup.js';")[0] ?? '', /deep import into src\/store/);
  assert.match(violationsOf('rtp/x.ts', "import { x } from 'sdp-transform';")[0] ?? '', /uses Node built-ins only/);
  // Inside one layer any file may import any other; below, only through index.ts.
  assert.deepEqual(violationsOf('edge/call.ts', "import { a } from './leg.js';\nimport type { T } from '../sip/index.js';\nimport './x.js';"), []);
  // A layer's subfolders (edge/admission, edge/call, …) are stages of one layer, not layers of their own.
  assert.deepEqual(violationsOf('edge/call/call.ts', "import { x } from '../admission/call-admission.js';\nimport { y } from '../../sip/index.js';"), []);
  assert.match(violationsOf('edge/call/call.ts', "import { x } from '../../sip/dialog/dialog.js';")[0] ?? '', /deep import into src\/sip/);
});

test('every import in src/ points down the layers, never sideways, and enters a layer through its index.ts', () => {
  const violations = tsFiles(root).flatMap((file) => violationsOf(relative(root, file).split(sep).join('/'), readFileSync(file, 'utf8')));
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
