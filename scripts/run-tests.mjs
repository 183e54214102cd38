#!/usr/bin/env node
// Runs every compiled test file with Node's own runner. Node 20 takes no globs and Node 22+
// takes no bare directories, so the file list is made here; it works the same on 20, 22, 24.
// `node scripts/run-tests.mjs sip edge` runs only files whose path contains one of the words.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

const root = join(process.env.TRUNKLINE_DIST ?? 'dist', 'test');
const filters = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.js')) files.push(path);
  }
})(root);
const chosen = filters.length ? files.filter((f) => filters.some((w) => f.includes(w))) : files;
if (chosen.length === 0) {
  console.error(`no test files under ${root}${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}
const child = spawn(process.execPath, ['--test', '--test-concurrency=2', ...chosen], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
