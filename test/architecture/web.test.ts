import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

// CONVENTIONS.md: web/ → HTTP only. The console never imports src/ (nor any package: it runs
// in the browser as served, with no bundler), and loads nothing from another origin.
const root = resolve(process.cwd(), 'web');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

test('web/ imports only its own modules, by relative .js paths, and references no other origin', () => {
  const problems: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const file of files(root)) {
    const text = readFileSync(file, 'utf8');
    const rel = relative(root, file);
    if (file.endsWith('.ts')) {
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const spec = m[1] ?? m[2];
        if (!spec.startsWith('./') && !spec.startsWith('../')) problems.push(`${rel}: imports package ${spec}`);
        else if (!spec.endsWith('.js')) problems.push(`${rel}: ${spec} has no .js (browsers resolve no extensions)`);
        else if (!resolve(join(root, rel, '..'), spec).startsWith(join(root, 'src'))) problems.push(`${rel}: ${spec} leaves web/src`);
      }
    }
    for (const url of text.match(/\b(?:src|href)=["']?(?:https?:)?\/\/[^"'\s>]+/g) ?? []) problems.push(`${rel}: loads ${url}`);
    for (const url of text.match(/\b(?:fetch|EventSource)\(\s*['"`]https?:\/\/[^'"`]+/g) ?? []) problems.push(`${rel}: calls ${url}`);
  }
  assert.deepEqual(problems, []);
});
